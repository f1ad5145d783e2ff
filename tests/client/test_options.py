"""Client options: defaults in one place, every input form normalised, bad input one line."""

from __future__ import annotations

import pytest

from cloudstack_magic import ClientOptions, ConfigError, packaged_spec
from cloudstack_magic.client._options import DEFAULTS


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


def test_verify_accepts_a_ca_bundle_path() -> None:
    assert ClientOptions.from_kwargs({"verify": "/etc/ssl/ca.pem"}).verify == "/etc/ssl/ca.pem"


def test_spec_option_takes_a_spec() -> None:
    assert ClientOptions.from_kwargs({"spec": packaged_spec()}).spec is packaged_spec()
    with pytest.raises(ConfigError, match="must be a cloudstack_magic.Spec"):
        ClientOptions.from_kwargs({"spec": {}})


@pytest.mark.parametrize(("options", "message"), [
    ({"timeot": 3}, "unknown client option 'timeot'; did you mean 'timeout'?"),
    ({"timeout": "soon"}, "client option timeout='soon' must be a number of seconds"),
    ({"timeout": 0}, "client option timeout=0 must be greater than 0"),
    ({"retries": -1}, "client option retries=-1 must be at least 0"),
    ({"retries": 1.5}, "client option retries=1.5 must be a whole number"),
    ({"page_concurrency": 0}, "client option page_concurrency=0 must be at least 1"),
    ({"method": "put"}, "client option method='put' must be 'auto', 'get' or 'post'"),
    ({"signature_version": 2}, "client option signature_version=2 must be 3 or None"),
    ({"validate": "maybe"}, "client option validate='maybe' must be 'auto', True or False"),
    ({"verify": 3.5}, "client option verify=3.5 must be true, false or a CA bundle path"),
    ({"headers": ["x"]}, "client option headers must be a mapping"),
])
def test_bad_options_get_one_clear_line(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ClientOptions.from_kwargs(options)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
