"""Every broken configuration gives one ConfigError line that names the file, section and key,
says how to fix it, and never shows a key, secret or header value."""

from __future__ import annotations

import pytest

from cloudstack_magic._errors import CloudStackClientException, ConfigError

KEY, SECRET, HEADER = "KEY-8f3e1d0c", "SECRET-9a7b6c5d", "HDR-TOKEN-4e2f"
GOOD = f"[cloudstack]\nendpoint = https://c.example/client/api\nkey = {KEY}\nsecret = {SECRET}\nheader_auth = {HEADER}\n"


def error_of(call) -> str:
    with pytest.raises(ConfigError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message, "one line"
    for secret in (KEY, SECRET, HEADER):
        assert secret not in message and secret not in repr(info.value)
    assert isinstance(info.value, CloudStackClientException)
    return message


def test_no_configuration_at_all_says_what_to_create(place):
    message = error_of(place.load)
    for hint in ("CLOUDSTACK_ENDPOINT", "CLOUDSTACK_KEY", "CLOUDSTACK_SECRET", "~/.cloudstack.ini",
                 "./cloudstack.ini", "[cloudstack]", "~/.cmk/config"):  # fmt: skip
        assert hint in message
    assert error_of(place.default) == message


def test_unknown_region_lists_the_known_ones(place):
    place.write(
        "~/.cloudstack.ini", GOOD + f"[prod]\nendpoint=http://p/\nkey={KEY}\nsecret={SECRET}\n"
    )
    place.write("~/.cmk/config", f"[lab]\nurl=http://l/\napikey={KEY}\nsecretkey={SECRET}\n")
    message = error_of(lambda: place.load("staging"))
    assert "unknown region 'staging'" in message
    assert "known regions: cloudstack, prod, lab" in message
    assert "~/.cloudstack.ini" in message and "~/.cmk/config" in message


def test_unknown_region_from_the_region_variable(place):
    place.write("~/.cloudstack.ini", GOOD)
    place.environ["CLOUDSTACK_REGION"] = "nope"
    assert "unknown region 'nope'; known regions: cloudstack" in error_of(place.load)


def test_no_default_region_among_several(place):
    place.write(
        "cloudstack.ini",
        f"[a]\nendpoint=http://a/\nkey={KEY}\nsecret={SECRET}\n[b]\nendpoint=http://b/\n",
    )
    message = error_of(place.load)
    assert "no default region" in message and "known regions: a, b" in message
    assert "CLOUDSTACK_REGION" in message


@pytest.mark.parametrize("missing", ["endpoint", "key", "secret"])
def test_missing_key_in_a_section(place, missing):
    text = "\n".join(line for line in GOOD.splitlines() if not line.startswith(missing)) + "\n"
    path = place.write("cloudstack.ini", text)
    message = error_of(place.load)
    assert f"{path} [cloudstack]: missing key '{missing}'" in message
    assert f"CLOUDSTACK_{missing.upper()}" in message


def test_missing_key_suggests_a_misspelling(place):
    place.write(
        "cloudstack.ini", f"[cloudstack]\nendpiont = http://x/\nkey = {KEY}\nsecret = {SECRET}\n"
    )
    assert "is 'endpiont' a misspelling?" in error_of(place.load)


@pytest.mark.parametrize("missing", ["CLOUDSTACK_KEY", "CLOUDSTACK_SECRET"])
def test_incomplete_environment(place, missing):
    place.environ.update(
        CLOUDSTACK_ENDPOINT="http://e/", CLOUDSTACK_KEY=KEY, CLOUDSTACK_SECRET=SECRET
    )
    del place.environ[missing]
    message = error_of(place.load)
    assert f"CLOUDSTACK_ENDPOINT is set but {missing} is not" in message
    assert "unset CLOUDSTACK_ENDPOINT" in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("timeout = soon", "timeout: expected a number of seconds, got 'soon'"),
        ("timeout = 0", "timeout: expected a number of seconds greater than 0, got '0'"),
        ("timeout = nan", "timeout: expected a number of seconds, got 'nan'"),
        ("retry = 1.5", "retry: expected a whole number of retries, got '1.5'"),
        ("retry = -1", "retry: expected a whole number of retries of at least 0, got '-1'"),
        ("expiration = ten", "expiration: expected a whole number of seconds, got 'ten'"),
        ("expiration = 0", "expiration: expected seconds ahead, or -1 for no expiry (0 expires every request at once)"),
        ("poll_interval = -2", "poll_interval: expected a number of seconds greater than 0"),
        ("job_timeout = x", "job_timeout: expected a number of seconds, got 'x'"),
        ("method = put", "method: expected auto, get or post, got 'put'"),
        (
            "dangerous_no_tls_verify = maybe",
            "dangerous_no_tls_verify: expected true or false, got 'maybe'",
        ),
        (
            "verify = /no/such/ca.pem",
            "verify: expected true, false or a CA bundle path; no such file /no/such/ca.pem",
        ),
        ("cert = missing.crt", "cert: expected a file path; no such file"),
        ("cert_key = ~/missing.key", "cert_key: expected a file path; no such file ~/missing.key"),
        ("endpoint = ftp://c.example/", "endpoint: not an http(s) URL"),
    ],
)
def test_bad_value_in_a_file_names_file_section_and_key(place, line, expected):
    text = GOOD + line + "\n"
    if line.startswith("endpoint"):
        text = text.replace("endpoint = https://c.example/client/api\n", "")
    path = place.write("cloudstack.ini", text)
    message = error_of(place.load)
    assert f"{path} [cloudstack] {expected}" in message
    error_of(place.regions)  # a broken region is not silently dropped from the list


def test_bad_value_in_the_environment_names_the_variable(place):
    place.environ.update(CLOUDSTACK_ENDPOINT="http://e/", CLOUDSTACK_KEY=KEY, CLOUDSTACK_SECRET=SECRET,
                         CLOUDSTACK_TIMEOUT="later")  # fmt: skip
    message = error_of(place.load)
    assert message == "CLOUDSTACK_TIMEOUT (environment): expected a number of seconds, got 'later'"


def test_bad_value_from_the_default_section_names_where_it_is(place):
    path = place.write("cloudstack.ini", "[DEFAULT]\nretry = many\n" + GOOD)
    assert f"{path} [DEFAULT] retry: expected a whole number" in error_of(place.load)


def test_bad_value_in_a_later_file_names_that_file(place):
    place.write("~/.cloudstack.ini", GOOD + "timeout = 5\n")
    path = place.write("cloudstack.ini", "[cloudstack]\ntimeout = five\n")
    assert f"{path} [cloudstack] timeout: expected" in error_of(place.load)


def test_bad_cloudmonkey_values(place):
    place.write(
        "~/.cmk/config",
        f"timeout = forever\nprofile = p\n[p]\nurl = http://p/\napikey = {KEY}\nsecretkey = {SECRET}\n",
    )
    assert (
        "~/.cmk/config top level timeout: expected a number of seconds, got 'forever'"
        in error_of(place.load)
    )
    place.write(
        "~/.cmk/config",
        f"[p]\nurl = http://p/\napikey = {KEY}\nsecretkey = {SECRET}\nverifycert = sure\n",
    )
    assert "~/.cmk/config [p] verifycert: expected true or false, got 'sure'" in error_of(
        lambda: place.load("p")
    )
    place.write("~/.cmk/config", f"[p]\napikey = {KEY}\nsecretkey = {SECRET}\n")
    assert "~/.cmk/config [p]: missing key 'url'; add `url = ...`" in error_of(
        lambda: place.load("p")
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key = {KEY}\n[cloudstack]\n", "line 1: a key before any [section] header"),
        (
            f"[cloudstack]\nendpoint = http://x/\n  \nthis is not ini {SECRET}\n",
            "line 4: not a `key = value` line",
        ),
        (GOOD + "[cloudstack]\n", "line 6: section [cloudstack] appears twice"),
        (GOOD + f"secret = {SECRET}\n", "[cloudstack] secret: set twice (line 6)"),
        (
            GOOD.replace("endpoint = ", "endpoint = %(nowhere)s"),
            "[cloudstack] endpoint: bad % interpolation",
        ),
        (
            GOOD.replace(f"secret = {SECRET}", f"secret = {SECRET}%"),
            "[cloudstack] secret: bad % interpolation",
        ),
    ],
)
def test_unparseable_file_names_file_and_line_without_quoting_it(place, text, expected):
    path = place.write("~/.cloudstack.ini", text)
    message = error_of(place.load)
    assert f"~/.cloudstack.ini {expected}" in message, message
    assert str(path.name) in message


def test_unparseable_cloudmonkey_file_counts_its_own_lines(place):
    place.write("~/.cmk/config", f"profile = p\n[p\napikey = {KEY}\n")
    assert "~/.cmk/config line 2: not a `key = value` line" in error_of(place.load)


def test_unreadable_files(place):
    (place.cwd / "cloudstack.ini").mkdir()  # a directory where the file should be
    assert f"cannot read {place.cwd / 'cloudstack.ini'}" in error_of(place.load)
    (place.cwd / "cloudstack.ini").rmdir()
    (place.cwd / "cloudstack.ini").write_bytes(b"[cloudstack]\nkey = \xff\xfe\n")
    assert "not UTF-8 text" in error_of(place.load)


def test_cloudstack_config_naming_a_missing_file(place):
    place.environ["CLOUDSTACK_CONFIG"] = "~/nowhere.ini"
    message = error_of(place.load)
    assert (
        message
        == "CLOUDSTACK_CONFIG names ~/nowhere.ini, which does not exist; create it or unset CLOUDSTACK_CONFIG"
    )


@pytest.mark.parametrize("word", ["inf", "-inf", "1e999"])
def test_infinite_numbers_are_refused(place, word):
    place.write("cloudstack.ini", GOOD + f"timeout = {word}\n")
    assert f"timeout: expected a number of seconds, got '{word}'" in error_of(place.load)
