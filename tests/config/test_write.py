"""write_region_file: one section written atomically, 0600, everything else in the file kept."""

from __future__ import annotations

import configparser
import os
import stat
import threading

import pytest
from cs import read_config

from cloudstack_magic.config._regions import load_region, write_region_file
from cloudstack_magic._errors import ConfigError

KEY, SECRET = "KEY-8f3e1d0c", "SECRET-9a7b6c5d"
ENDPOINT = "http://127.0.0.1:8080/client/api"


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_file_is_private_and_loadable(place):
    path = write_region_file(place.cwd / "cloudstack.ini", "simulator", ENDPOINT, KEY, SECRET)
    assert path == place.cwd / "cloudstack.ini"
    assert mode_of(path) == 0o600
    region = place.load("simulator")
    assert (region.endpoint, region.key, region.secret) == (ENDPOINT, KEY, SECRET)
    assert (
        path.read_text() == f"[simulator]\nendpoint = {ENDPOINT}\nkey = {KEY}\nsecret = {SECRET}\n"
    )


def test_custom_mode_and_missing_parent_directories(place):
    path = write_region_file(
        place.home / "a" / "b" / "my.ini", "r", ENDPOINT, KEY, SECRET, mode=0o640
    )
    assert mode_of(path) == 0o640


def test_an_existing_file_gets_the_given_mode(place):
    path = place.write("cloudstack.ini", "[other]\nendpoint = http://o/\n")
    path.chmod(0o644)
    write_region_file(path, "r", ENDPOINT, KEY, SECRET)
    assert mode_of(path) == 0o600


def test_percent_signs_survive_for_us_and_for_cs(place, monkeypatch):
    secret = "50%-off%(x)s"
    write_region_file(place.cwd / "cloudstack.ini", "cloudstack", ENDPOINT, KEY, secret)
    assert place.load().secret == secret
    monkeypatch.setenv("HOME", str(place.home))
    monkeypatch.chdir(place.cwd)
    for var in (
        "CLOUDSTACK_ENDPOINT",
        "CLOUDSTACK_CONFIG",
        "CLOUDSTACK_REGION",
        "CLOUDSTACK_OVERRIDES",
    ):
        monkeypatch.delenv(var, raising=False)
    assert read_config()["secret"] == secret


EXISTING = """\
# my regions; keep this comment
[prod]
endpoint = https://prod.example/client/api
key = prod-key
secret = prod-secret

[simulator]
; written by hand
Endpoint = http://old/
key = old-key
  continued-old-key
timeout = 3
secret: old-secret

[later]
endpoint = https://later/
key = l
secret = s"""


def test_updating_keeps_other_sections_comments_and_keys(place):
    path = place.write("cloudstack.ini", EXISTING)
    write_region_file(path, "simulator", ENDPOINT, KEY, SECRET)
    text = path.read_text()
    assert "# my regions; keep this comment" in text and "; written by hand" in text
    assert "old" not in text.replace("# my regions", "")
    region = place.load("simulator")
    assert (region.endpoint, region.key, region.secret, region.options) == (
        ENDPOINT,
        KEY,
        SECRET,
        {"timeout": 3.0},
    )
    assert place.load("prod").secret == "prod-secret"
    assert place.load("later").endpoint == "https://later/"
    assert [r.name for r in place.regions()] == ["prod", "simulator", "later"]


def test_appending_to_a_file_without_a_final_newline(place):
    path = place.write("cloudstack.ini", EXISTING)
    write_region_file(path, "new", ENDPOINT, KEY, SECRET)
    assert [r.name for r in place.regions()] == ["prod", "simulator", "later", "new"]
    assert place.load("later").secret == "s"


def test_a_symlink_is_followed_not_replaced(place):
    real = place.write("~/real.ini", "[other]\nendpoint = http://o/\nkey = k\nsecret = s\n")
    link = place.cwd / "cloudstack.ini"
    link.symlink_to(real)
    write_region_file(link, "simulator", ENDPOINT, KEY, SECRET)
    assert link.is_symlink()
    assert "[simulator]" in real.read_text() and "[other]" in real.read_text()


def test_a_failed_write_leaves_the_old_file_and_no_temporary(place, monkeypatch):
    path = place.write("cloudstack.ini", EXISTING)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ConfigError, match=r"cannot write .*cloudstack.ini: disk full"):
        write_region_file(path, "simulator", ENDPOINT, KEY, SECRET)
    assert path.read_text() == EXISTING
    assert sorted(p.name for p in place.cwd.iterdir()) == ["cloudstack.ini"]


def test_no_temporary_file_is_left_after_success(place):
    write_region_file(place.cwd / "cloudstack.ini", "a", ENDPOINT, KEY, SECRET)
    write_region_file(place.cwd / "cloudstack.ini", "b", ENDPOINT, KEY, SECRET)
    assert sorted(p.name for p in place.cwd.iterdir()) == ["cloudstack.ini"]


def test_readers_never_see_a_half_written_file(place):
    path = write_region_file(place.cwd / "cloudstack.ini", "r0", ENDPOINT, KEY, SECRET)
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            for i in range(40):
                write_region_file(path, f"{prefix}{i % 4}", ENDPOINT, KEY, SECRET * 50)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p,)) for p in "ab"]
    for thread in threads:
        thread.start()
    reads = 0
    while any(t.is_alive() for t in threads) or reads < 20:
        parser = configparser.ConfigParser()
        parser.read_string(path.read_text())
        for section in parser.sections():
            assert parser[section]["secret"] in (SECRET, SECRET * 50)
        reads += 1
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    # every version held r0; racing writers may drop each other's newest section (last rename
    # wins: there is no lock), but what is there is whole
    final = configparser.ConfigParser()
    final.read_string(path.read_text())
    assert "r0" in final.sections()
    assert set(final.sections()) <= {"r0", *(f"{p}{i}" for p in "ab" for i in range(4))}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("", ENDPOINT, KEY, SECRET), "region name '' cannot be an INI section"),
        (("a]b", ENDPOINT, KEY, SECRET), "region name 'a]b' cannot be an INI section"),
        (("DEFAULT", ENDPOINT, KEY, SECRET), "region name 'DEFAULT' cannot be an INI section"),
        (("r", "127.0.0.1:8080", KEY, SECRET), "endpoint must be an http(s) URL"),
        (("r", ENDPOINT, "", SECRET), "the key to write is empty"),
        (("r", ENDPOINT, KEY, f" {SECRET}"), "the secret to write is empty or has surrounding"),
        (("r", ENDPOINT, KEY, f"{SECRET}\nendpoint = http://evil/"), "the secret to write"),
    ],
)
def test_bad_input_is_refused_without_showing_secrets(place, args, expected):
    path = place.cwd / "cloudstack.ini"
    with pytest.raises(ConfigError) as info:
        write_region_file(path, *args)
    assert expected in str(info.value)
    assert KEY not in str(info.value) and SECRET not in str(info.value)
    assert not path.exists()


def test_a_broken_existing_file_is_not_overwritten(place):
    path = place.write("cloudstack.ini", f"key = {SECRET}\n[r]\n")
    with pytest.raises(ConfigError, match="line 1: a key before any") as info:
        write_region_file(path, "r", ENDPOINT, KEY, SECRET)
    assert SECRET not in str(info.value)
    assert path.read_text() == f"key = {SECRET}\n[r]\n"


def test_written_file_works_through_load_region_defaults(place):
    write_region_file(place.home / ".cloudstack.ini", "cloudstack", ENDPOINT, KEY, SECRET)
    region = load_region(environ={}, cwd=place.cwd, home=place.home)
    assert region.name == "cloudstack" and region.source == "~/.cloudstack.ini [cloudstack]"


def test_unwritable_and_unreadable_targets_give_one_line(place):
    folder = place.cwd / "cloudstack.ini"
    folder.mkdir()  # a directory where the file should be
    with pytest.raises(ConfigError, match="cannot read .*cloudstack.ini"):
        write_region_file(folder, "r", ENDPOINT, KEY, SECRET)
    blocker = place.write("not-a-dir", "x")
    with pytest.raises(ConfigError, match="cannot write .*not-a-dir/cloudstack.ini"):
        write_region_file(blocker / "cloudstack.ini", "r", ENDPOINT, KEY, SECRET)
