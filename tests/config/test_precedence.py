"""Which region is loaded, and which value wins, when several sources are configured."""

from __future__ import annotations

import pytest

from cloudstack_magic.config._regions import ENVIRONMENT_REGION, load_region
from cloudstack_magic._errors import ConfigError

ENV = {
    "CLOUDSTACK_ENDPOINT": "https://env.example/client/api",
    "CLOUDSTACK_KEY": "env-key",
    "CLOUDSTACK_SECRET": "env-secret",
}

INI_CLOUDSTACK = """
    [cloudstack]
    endpoint = https://home.example/client/api
    key = home-key
    secret = home-secret
    timeout = 11
"""


def test_environment_alone_is_the_default_region(place):
    place.environ.update(ENV)
    region = place.load()
    assert (region.name, region.endpoint, region.key, region.secret) == (
        "environment",
        ENV["CLOUDSTACK_ENDPOINT"],
        "env-key",
        "env-secret",
    )
    assert region.source == "environment"
    assert place.default() == ENVIRONMENT_REGION


def test_environment_endpoint_beats_files_by_default_as_in_cs(place):
    place.write("~/.cloudstack.ini", INI_CLOUDSTACK)
    place.environ.update(ENV, CLOUDSTACK_REGION="cloudstack")
    assert place.load().endpoint == ENV["CLOUDSTACK_ENDPOINT"]


def test_an_explicit_name_beats_the_environment(place):
    place.write("~/.cloudstack.ini", INI_CLOUDSTACK)
    place.environ.update(ENV)
    region = place.load("cloudstack")
    assert region.endpoint == "https://home.example/client/api"
    assert region.key == "home-key"


def test_environment_by_name_and_in_the_list(place):
    place.write("~/.cloudstack.ini", INI_CLOUDSTACK)
    place.environ.update(ENV)
    assert place.load("environment").endpoint == ENV["CLOUDSTACK_ENDPOINT"]
    assert [r.name for r in place.regions()] == ["environment", "cloudstack"]


def test_the_cloudstack_section_is_the_default(place):
    place.write(
        "~/.cloudstack.ini", INI_CLOUDSTACK + "\n[other]\nendpoint=http://o/\nkey=k\nsecret=s\n"
    )
    assert place.default() == "cloudstack"
    assert place.load().key == "home-key"


def test_cloudstack_region_variable_chooses_the_section(place):
    place.write(
        "~/.cloudstack.ini", INI_CLOUDSTACK + "\n[other]\nendpoint=http://o/\nkey=k\nsecret=s\n"
    )
    place.environ["CLOUDSTACK_REGION"] = "other"
    assert place.default() == "other"
    assert place.load().endpoint == "http://o/"


def test_later_files_override_earlier_ones_key_by_key(place):
    place.write("~/.cloudstack.ini", INI_CLOUDSTACK)
    place.write("cloudstack.ini", "[cloudstack]\nkey = cwd-key\n")
    extra = place.write("~/conf/extra.ini", "[cloudstack]\nsecret = extra-secret\n")
    place.environ["CLOUDSTACK_CONFIG"] = str(extra)
    region = place.load()
    # endpoint and timeout from ~, key from ./cloudstack.ini, secret from $CLOUDSTACK_CONFIG
    assert region.endpoint == "https://home.example/client/api"
    assert (region.key, region.secret) == ("cwd-key", "extra-secret")
    assert region.options["timeout"] == 11.0
    assert region.source == "~/.cloudstack.ini, {}, ~/conf/extra.ini [cloudstack]".format(
        place.cwd / "cloudstack.ini"
    )


def test_cloudstack_config_accepts_tilde_and_relative_paths(place):
    place.write("~/cs/my.ini", "[cloudstack]\nendpoint=http://tilde/\nkey=k\nsecret=s\n")
    place.environ["CLOUDSTACK_CONFIG"] = "~/cs/my.ini"
    assert place.load().endpoint == "http://tilde/"
    place.write("sub/rel.ini", "[cloudstack]\nendpoint=http://rel/\nkey=k\nsecret=s\n")
    place.environ["CLOUDSTACK_CONFIG"] = "sub/rel.ini"
    assert place.load().endpoint == "http://rel/"


def test_environment_fills_keys_a_section_leaves_out(place):
    place.write("cloudstack.ini", "[cloudstack]\nendpoint = https://ini.example/\n")
    place.environ.update(CLOUDSTACK_KEY="env-key", CLOUDSTACK_SECRET="env-secret")
    region = place.load()
    assert (region.endpoint, region.key, region.secret) == (
        "https://ini.example/",
        "env-key",
        "env-secret",
    )
    assert region.source.endswith("[cloudstack] + environment")


def test_an_empty_value_counts_as_missing(place):
    place.write(
        "cloudstack.ini", "[cloudstack]\nendpoint = https://ini.example/\nkey =\nsecret = s\n"
    )
    place.environ["CLOUDSTACK_KEY"] = "env-key"
    assert place.load().key == "env-key"


def test_overrides_read_the_files_and_let_named_env_keys_win(place):
    place.write("~/.cloudstack.ini", INI_CLOUDSTACK)
    place.environ.update(ENV, CLOUDSTACK_OVERRIDES="key, secret")
    region = place.load()
    assert region.name == "cloudstack"  # the files are read despite CLOUDSTACK_ENDPOINT
    assert region.endpoint == "https://home.example/client/api"
    assert (region.key, region.secret) == ("env-key", "env-secret")


def test_default_section_values_reach_every_section(place):
    place.write(
        "cloudstack.ini",
        """
        [DEFAULT]
        timeout = 42
        [cloudstack]
        endpoint = http://a/
        key = k
        secret = s
        """,
    )
    assert place.load().options == {"timeout": 42.0}
    assert [r.name for r in place.regions()] == ["cloudstack"]


def test_percent_interpolation_as_in_cs(place):
    place.write(
        "cloudstack.ini",
        "[cloudstack]\nhost = api.example\nendpoint = https://%(host)s/client/api\nkey = k\nsecret = a%%b\n",
    )
    region = place.load()
    assert (region.endpoint, region.secret) == ("https://api.example/client/api", "a%b")


CMK = """
    prompt = 🐱
    asyncblock = true
    timeout = 1800
    output = json
    verifycert = true
    profile = lab
    autocomplete = true

    [localcloud]
    url = http://localhost:8080/client/api
    username = admin
    password = password
    domain = /
    apikey =
    secretkey =

    [lab]
    url = http://lab.example:8080/client/api
    apikey = lab-key
    secretkey = lab-secret
"""


def test_cloudmonkey_active_profile_is_the_default_without_cloudstack_ini(place):
    place.write("~/.cmk/config", CMK)
    assert place.default() == "lab"
    region = place.load()
    assert (region.name, region.endpoint, region.key, region.secret) == (
        "lab",
        "http://lab.example:8080/client/api",
        "lab-key",
        "lab-secret",
    )
    assert region.source == "~/.cmk/config [lab]"


def test_cloudstack_section_beats_the_cloudmonkey_profile_as_default(place):
    place.write("~/.cmk/config", CMK)
    place.write("~/.cloudstack.ini", INI_CLOUDSTACK)
    assert place.default() == "cloudstack"
    assert place.load("lab").key == "lab-key"  # still reachable by name


def test_cloudstack_ini_wins_a_name_collision_with_cloudmonkey(place):
    place.write("~/.cmk/config", CMK)
    place.write("cloudstack.ini", "[lab]\nendpoint = https://ini-lab/\nkey = k\nsecret = s\n")
    assert place.load("lab").endpoint == "https://ini-lab/"
    assert [r.name for r in place.regions()] == ["lab"]


def test_password_only_cloudmonkey_profiles_are_not_listed(place):
    place.write("~/.cmk/config", CMK)
    assert [r.name for r in place.regions()] == ["lab"]
    with pytest.raises(ConfigError, match="password login is not supported"):
        place.load("localcloud")


def test_environment_values_do_not_leak_into_cloudmonkey_profiles(place):
    place.write(
        "~/.cmk/config", "[core]\nprofile = p\n[p]\nurl = http://p/\napikey = k\nsecretkey = s\n"
    )
    place.environ.update(CLOUDSTACK_TIMEOUT="5")
    assert "timeout" not in place.load("p").options


def test_list_regions_order_and_empty(place):
    assert place.regions() == []
    place.environ.update(ENV)
    place.write("~/.cloudstack.ini", "[b]\nendpoint=http://b/\nkey=k\nsecret=s\n")
    place.write("cloudstack.ini", "[a]\nendpoint=http://a/\nkey=k\nsecret=s\n")
    place.write("~/.cmk/config", CMK)
    assert [r.name for r in place.regions()] == ["environment", "b", "a", "lab"]


def test_the_same_file_twice_is_read_once(place):
    # home == cwd, and CLOUDSTACK_CONFIG names the same file again
    path = place.write("~/cloudstack.ini", INI_CLOUDSTACK)
    place.environ["CLOUDSTACK_CONFIG"] = str(path)
    region = load_region(environ=place.environ, cwd=place.home, home=place.home)
    assert region.source == "~/cloudstack.ini [cloudstack]"


def test_defaults_to_the_real_environment_and_directories(place, monkeypatch):
    for name in ("CLOUDSTACK_CONFIG", "CLOUDSTACK_REGION", "CLOUDSTACK_OVERRIDES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", "http://real-env/")
    monkeypatch.setenv("CLOUDSTACK_KEY", "k")
    monkeypatch.setenv("CLOUDSTACK_SECRET", "s")
    monkeypatch.setenv("HOME", str(place.home))
    monkeypatch.chdir(place.cwd)
    assert load_region().endpoint == "http://real-env/"
