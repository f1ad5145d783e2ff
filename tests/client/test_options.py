"""Client options: defaults in one place, every input form normalised, bad input one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudstack_magic import ClientOptions, ConfigError, packaged_spec
from cloudstack_magic.client._options import DEFAULTS, Places


def test_defaults_come_from_one_table() -> None:
    options = ClientOptions()
    for name, value in DEFAULTS.items():
        assert getattr(options, name) == value, name
    assert options.page_concurrency == 8 and options.job_timeout == 1800 and options.poll_initial == 0.2


def test_ini_style_strings_are_normalised() -> None:
    options = ClientOptions.from_kwargs({"timeout": "30", "verify": "false", "retries": "2", "method": "POST",
                                         "validate": "yes", "signature_version": "none", "headers": {"X": 1}})
    assert (options.timeout, options.verify, options.retries, options.method) == (30.0, False, 2, "post")
    assert options.validate is True and options.signature_version is None and options.headers == {"X": "1"}


def test_none_keeps_the_default_except_where_it_means_off() -> None:
    options = ClientOptions.from_kwargs({"timeout": None, "signature_version": None, "connect_timeout": None})
    assert options.timeout == DEFAULTS["timeout"]
    assert options.signature_version is None and options.connect_timeout is None


def test_verify_accepts_a_ca_bundle_path(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert ClientOptions.from_kwargs({"verify": str(bundle)}).verify == str(bundle)
    assert ClientOptions.from_kwargs({"verify": "ca.pem"}, Places(tmp_path, tmp_path)).verify == str(bundle)


def test_spec_option_takes_a_spec() -> None:
    assert ClientOptions.from_kwargs({"spec": packaged_spec()}).spec is packaged_spec()
    with pytest.raises(ConfigError, match="expected a cloudstack_magic.Spec"):
        ClientOptions.from_kwargs({"spec": {}})


@pytest.mark.parametrize(("word", "meaning"), [("t", True), ("Y", True), ("on", True), ("1", True),
                                               ("f", False), ("no", False), ("OFF", False), ("0", False)])
def test_the_same_words_mean_the_same_from_keywords_ini_and_environment(
        tmp_path: Path, word: str, meaning: bool) -> None:
    from cloudstack_magic.config._regions import load_region

    (tmp_path / "cloudstack.ini").write_text(
        f"[cloudstack]\nendpoint = https://c.example/client/api\nkey = k\nsecret = s\nverify = {word}\n")
    (tmp_path / "cloudstack.ini").chmod(0o600)
    from_ini = load_region(environ={}, cwd=tmp_path, home=tmp_path).options["verify"]
    env = {"CLOUDSTACK_ENDPOINT": "https://c.example/client/api", "CLOUDSTACK_KEY": "k",
           "CLOUDSTACK_SECRET": "s", "CLOUDSTACK_VERIFY": word}
    from_env = load_region(environ=env, cwd=tmp_path, home=tmp_path).options["verify"]
    from_keyword = ClientOptions.from_kwargs({"verify": word}).verify
    assert from_ini is from_env is from_keyword is meaning
    assert ClientOptions.from_kwargs({"validate": word}).validate is meaning


def test_config_values_arrive_as_the_clients_types(tmp_path: Path) -> None:
    from cloudstack_magic.config._regions import load_region

    (tmp_path / "cloudstack.ini").write_text(
        "[cloudstack]\nendpoint = https://c.example/client/api\nkey = k\nsecret = s\n"
        "timeout = 30\nretry = 2\nexpiration = 300\npage_size = 50\n")
    (tmp_path / "cloudstack.ini").chmod(0o600)
    options = load_region(environ={}, cwd=tmp_path, home=tmp_path).options
    assert ClientOptions.from_kwargs(options) == ClientOptions(timeout=30.0, retries=2, expires_in=300.0,
                                                               max_page_size=50)


@pytest.mark.parametrize(("options", "message"), [
    ({"timeot": 3}, "unknown client option 'timeot'; did you mean 'timeout'?"),
    ({"timeout": "soon"}, "client option timeout='soon': expected a number of seconds, got 'soon'"),
    ({"timeout": 0}, "client option timeout=0: expected a number of seconds greater than 0"),
    ({"timeout": float("nan")}, "client option timeout=nan: expected a number of seconds"),
    ({"retries": -1}, "client option retries=-1: expected a whole number of retries of at least 0"),
    ({"retries": 1.5}, "client option retries=1.5: expected a whole number of retries"),
    ({"retries": True}, "client option retries=True: expected a whole number of retries"),
    ({"page_concurrency": 0}, "client option page_concurrency=0: expected a whole number of pages of at least 1"),
    ({"method": "put"}, "client option method='put': expected auto, get or post"),
    ({"signature_version": 2}, "client option signature_version=2: expected 3 or None"),
    ({"validate": "maybe"}, "client option validate='maybe': expected auto, true or false"),
    ({"verify": 3.5}, "client option verify=3.5: expected true, false or a CA bundle path"),
    ({"headers": ["x"]}, "client option headers=***: expected a mapping"),
    ({"handler": "not callable"}, "client option handler='not callable': expected a function"),
])
def test_bad_options_get_one_clear_line(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ClientOptions.from_kwargs(options)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
