"""A configuration file holding a secret that others can read gets one warning, naming it."""

from __future__ import annotations

import warnings

import pytest

from cloudstack_magic.config._sources import InsecureConfigWarning

INI = "[cloudstack]\nendpoint = https://c.example/client/api\nkey = k\nsecret = SECRET-xyz\n"


def test_a_world_readable_ini_with_a_secret_warns_once_naming_file_and_fix(place, no_secret):
    path = place.write("cloudstack.ini", INI)
    path.chmod(0o644)
    with pytest.warns(InsecureConfigWarning) as caught:
        place.load()
        place.load()
        place.regions()
    assert len(caught) == 1
    message = str(caught[0].message)
    assert str(path) in message and "chmod 600" in message and "0644" in message
    no_secret(message)


def test_a_group_readable_cmk_config_warns(place):
    path = place.write("~/.cmk/config", "profile = lab\n[lab]\nurl = https://c.example/client/api\n"
                                        "apikey = k\nsecretkey = s\n")
    path.chmod(0o640)
    with pytest.warns(InsecureConfigWarning, match=r"~/\.cmk/config .*chmod 600 ~/\.cmk/config"):
        place.load()


@pytest.mark.parametrize(("mode", "text"), [(0o600, INI), (0o644, INI.replace("secret = SECRET-xyz\n", ""))])
def test_private_files_and_files_without_a_secret_do_not_warn(place, mode, text):
    path = place.write("cloudstack.ini", text)
    path.chmod(mode)
    place.environ["CLOUDSTACK_SECRET"] = "from-env"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert place.load().secret in ("SECRET-xyz", "from-env")


def test_raw_values_are_never_shown_by_repr() -> None:
    """A verbose traceback prints the locals of ``load_region``, raw sources among them."""
    from cloudstack_magic.config._sources import Raw

    raw = Raw("lab", "ini", "cloudstack.ini", {"endpoint": "http://x/client/api", "key": "K3y-1", "secret": "S3cr3t-1"})
    shown = repr(raw)
    assert "K3y-1" not in shown and "S3cr3t-1" not in shown and "key, secret" in shown
