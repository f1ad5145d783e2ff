"""The same setup gives the same endpoint, keys and options as ``cs``'s own ``read_config``."""

from __future__ import annotations

import pytest
from cs import read_config

HOME_INI = """
    [DEFAULT]
    method = post
    [cloudstack]
    endpoint = https://home.example/client/api
    key = home-key
    secret = home-%%secret
    timeout = 11
    header_X-Tenant = blue
    [other]
    endpoint = https://other.example/client/api
    key = other-key
    secret = other-secret
    poll_interval = 0.5
    retry = 3
"""
CWD_INI = "[cloudstack]\nkey = cwd-key\n[third]\nendpoint = http://third/\n"

SCENARIOS = {
    "environment only": ({"CLOUDSTACK_ENDPOINT": "http://e/", "CLOUDSTACK_KEY": "ek",
                          "CLOUDSTACK_SECRET": "es", "CLOUDSTACK_TIMEOUT": "7"}, False, None),
    "files": ({}, True, None),
    "region variable": ({"CLOUDSTACK_REGION": "other"}, True, None),
    "explicit region": ({}, True, "other"),
    "env fills the gaps": ({"CLOUDSTACK_KEY": "ek", "CLOUDSTACK_SECRET": "es"}, True, "third"),
    "environment beats files": ({"CLOUDSTACK_ENDPOINT": "http://e/", "CLOUDSTACK_KEY": "ek",
                                 "CLOUDSTACK_SECRET": "es"}, True, None),
    "overrides": ({"CLOUDSTACK_ENDPOINT": "http://e/", "CLOUDSTACK_KEY": "ek",
                   "CLOUDSTACK_SECRET": "es", "CLOUDSTACK_OVERRIDES": "key"}, True, None),
}  # fmt: skip


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_same_answer_as_cs(place, monkeypatch, scenario):
    environ, with_files, name = SCENARIOS[scenario]
    if with_files:
        place.write("~/.cloudstack.ini", HOME_INI)
        place.write("cloudstack.ini", CWD_INI)
    for var in ("CLOUDSTACK_CONFIG", "CLOUDSTACK_REGION", "CLOUDSTACK_OVERRIDES", "CLOUDSTACK_ENDPOINT",
                "CLOUDSTACK_KEY", "CLOUDSTACK_SECRET", "CLOUDSTACK_TIMEOUT", "CLOUDSTACK_METHOD"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    for var, value in environ.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("HOME", str(place.home))
    monkeypatch.chdir(place.cwd)

    theirs = read_config(ini_group=name)
    place.environ.update(environ)
    ours = place.load(name)

    assert (ours.endpoint, ours.key, ours.secret) == (
        theirs["endpoint"],
        theirs["key"],
        theirs["secret"],
    )
    assert ours.options.get("timeout", 10) == float(theirs["timeout"])
    assert ours.options.get("method", "get") == theirs["method"]
    assert ours.options.get("headers") == theirs.get("headers")
    assert ours.options.get("retries", 0) == int(theirs["retry"])
    assert ours.options.get("async_poll_latency", 2.0) == float(theirs["poll_interval"])
