"""Every configuration key, from a file and from the environment, becomes the client's option."""

from __future__ import annotations

import pytest

BASE = "[cloudstack]\nendpoint = https://c.example/client/api\nkey = k\nsecret = s\n"
ENV = {"CLOUDSTACK_ENDPOINT": "https://c.example/client/api", "CLOUDSTACK_KEY": "k",
       "CLOUDSTACK_SECRET": "s"}  # fmt: skip

# (cs key, value as written, client option, expected value)
CASES = [
    ("timeout", "30", "timeout", 30.0),
    ("timeout", "2.5", "timeout", 2.5),
    ("verify", "false", "verify", False),
    ("verify", "yes", "verify", True),
    ("retry", "4", "retries", 4),
    ("retry", "0", "retries", 0),
    ("expiration", "300", "expires_in", 300.0),
    ("poll_interval", "0.25", "async_poll_latency", 0.25),
    ("job_timeout", "90", "job_timeout", 90.0),
    ("method", "POST", "method", "post"),
    ("method", "get", "method", "get"),
    ("method", "auto", "method", "auto"),
]


@pytest.mark.parametrize(("key", "written", "option", "expected"), CASES)
def test_ini_key(place, key, written, option, expected):
    place.write("cloudstack.ini", BASE + f"{key} = {written}\n")
    options = place.load().options
    assert options == {option: expected}
    assert type(options[option]) is type(expected)


@pytest.mark.parametrize(("key", "written", "option", "expected"), CASES)
def test_environment_key(place, key, written, option, expected):
    place.environ.update(ENV, **{f"CLOUDSTACK_{key.upper()}": written})
    assert place.load().options == {option: expected}


def test_nothing_set_means_no_options_so_client_defaults_apply(place):
    place.write("cloudstack.ini", BASE + "theme = monokai\ntrace = yes\nunknown = 1\n")
    assert place.load().options == {}


def test_negative_expiration_turns_signature_version_off(place):
    place.write("cloudstack.ini", BASE + "expiration = -1\n")
    assert place.load().options == {"signature_version": None}


def test_verify_can_name_a_ca_bundle(place):
    bundle = place.write("certs/ca.pem", "-----BEGIN CERTIFICATE-----\n")
    place.write("cloudstack.ini", BASE + "verify = certs/ca.pem\n")
    assert place.load().options == {"verify": str(bundle)}
    place.write("~/ca.pem", "x")
    place.write("cloudstack.ini", BASE + "verify = ~/ca.pem\n")
    assert place.load().options == {"verify": str(place.home / "ca.pem")}


def test_client_certificate_and_key(place):
    cert = place.write("~/tls/client.crt", "c")
    key = place.write("~/tls/client.key", "k")
    place.write("cloudstack.ini", BASE + f"cert = {cert}\ncert_key = ~/tls/client.key\n")
    assert place.load().options == {"cert": str(cert), "cert_key": str(key)}


def test_dangerous_no_tls_verify(place):
    place.write("cloudstack.ini", BASE + "dangerous_no_tls_verify = true\n")
    assert place.load().options == {"verify": False}
    place.write("cloudstack.ini", BASE + "dangerous_no_tls_verify = false\n")
    assert place.load().options == {}


def test_a_ca_bundle_in_verify_beats_dangerous_no_tls_verify_as_in_cs(place):
    bundle = place.write("ca.pem", "x")
    place.write("cloudstack.ini", BASE + "verify = ca.pem\ndangerous_no_tls_verify = true\n")
    assert place.load().options == {"verify": str(bundle)}


def test_environment_dangerous_no_tls_verify(place):
    place.environ.update(ENV, CLOUDSTACK_DANGEROUS_NO_TLS_VERIFY="1")
    assert place.load().options == {"verify": False}


def test_header_keys_become_headers(place):
    place.write("cloudstack.ini", BASE + "header_X-Tenant = blue\nheader_x-trace = on\n")
    # configparser lower-cases key names, as it does for cs; HTTP header names ignore case
    assert place.load().options == {"headers": {"x-tenant": "blue", "x-trace": "on"}}


def test_values_are_stripped_and_keys_are_case_insensitive(place):
    place.write(
        "cloudstack.ini", "[cloudstack]\nEndpoint =  http://x/  \nKEY = k\nSecret: s\nTimeout=3\n"
    )
    region = place.load()
    assert (region.endpoint, region.key, region.secret, region.options) == (
        "http://x/",
        "k",
        "s",
        {"timeout": 3.0},
    )


# --- CloudMonkey ---------------------------------------------------------------------------

PROFILE = "[p]\nurl = http://p.example/client/api\napikey = pk\nsecretkey = ps\n"


def test_cloudmonkey_core_settings_apply_to_profiles(place):
    place.write(
        "~/.cmk/config",
        "timeout = 60\nverifycert = false\npostrequest = true\nprofile = p\n\n" + PROFILE,
    )
    region = place.load()
    assert (region.name, region.endpoint, region.key, region.secret) == (
        "p",
        "http://p.example/client/api",
        "pk",
        "ps",
    )
    assert region.options == {"timeout": 60.0, "verify": False, "method": "post"}


def test_cloudmonkey_profile_settings_beat_core_ones(place):
    place.write(
        "~/.cmk/config",
        "[core]\nprofile = p\ntimeout = 60\nverifycert = true\npostrequest = true\n\n"
        + PROFILE + "timeout = 5\nverifysslcert = false\npostrequest = false\n",
    )  # fmt: skip
    assert place.load().options == {"timeout": 5.0, "verify": False, "method": "get"}


def test_cloudmonkey_default_section_and_quoted_values(place):
    place.write(
        "~/.cmk/config",
        '[DEFAULT]\nprofile = "p"\n[p]\nurl = `http://q.example/client/api`\napikey = "pk"\nsecretkey = """ps"""\n',
    )
    region = place.load()
    assert (region.name, region.endpoint, region.key, region.secret) == (
        "p",
        "http://q.example/client/api",
        "pk",
        "ps",
    )


def test_cloudmonkey_ignores_its_ui_section_and_other_keys(place):
    place.write(
        "~/.cmk/config",
        "[ui]\ncolor = true\n" + PROFILE + "username = admin\npassword = pw\ndomain = /\n",
    )
    regions = place.regions()
    assert [r.name for r in regions] == ["p"]
    assert regions[0].options == {}


def test_every_option_a_region_can_carry_is_accepted_by_the_client(place):
    bundle = place.write("ca.pem", "x")
    cert = place.write("c.crt", "c")
    key = place.write("c.key", "k")
    place.write(
        "cloudstack.ini",
        BASE
        + f"timeout = 7\nverify = {bundle}\ncert = {cert}\ncert_key = {key}\nretry = 2\n"
        + "expiration = 120\npoll_interval = 0.5\njob_timeout = 60\nmethod = post\nheader_X-A = b\n",
    )
    place.write("~/.cloudstack.ini", BASE.replace("cloudstack]", "nosig]") + "expiration = -1\n")
    from cloudstack_magic.client._options import ClientOptions

    options = ClientOptions.from_kwargs(place.load().options)
    assert (options.timeout, options.verify, options.cert, options.cert_key) == (
        7.0, str(bundle), str(cert), str(key)
    )  # fmt: skip
    assert (options.retries, options.expires_in, options.async_poll_latency) == (2, 120.0, 0.5)
    assert (options.job_timeout, options.method, dict(options.headers)) == (60.0, "post", {"x-a": "b"})
    assert ClientOptions.from_kwargs(place.load("nosig").options).signature_version is None
