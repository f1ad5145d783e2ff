"""Region: a frozen value whose repr and str never show the key, the secret or header values."""

from __future__ import annotations

import dataclasses

import pytest

from cloudstack_magic.config._regions import Region

KEY, SECRET, HEADER = "KEY-8f3e1d0c", "SECRET-9a7b6c5d", "HDR-TOKEN-4e2f"


def make() -> Region:
    return Region("prod", "https://p.example/client/api", KEY, SECRET, "~/.cloudstack.ini [prod]",
                  {"timeout": 5.0, "headers": {"Authorization": HEADER}})  # fmt: skip


@pytest.mark.parametrize("show", [repr, str, lambda r: f"{r}", lambda r: repr([r])])
def test_repr_hides_secrets(show):
    text = show(make())
    for secret in (KEY, SECRET, HEADER):
        assert secret not in text
    assert "key='***'" in text and "secret='***'" in text
    assert "'Authorization': '***'" in text
    assert "name='prod'" in text and "https://p.example/client/api" in text
    assert "source='~/.cloudstack.ini [prod]'" in text and "'timeout': 5.0" in text


def test_repr_does_not_change_the_options():
    region = make()
    repr(region)
    assert region.options["headers"] == {"Authorization": HEADER}


def test_fields_are_readable_and_frozen():
    region = make()
    assert (region.key, region.secret) == (KEY, SECRET)
    with pytest.raises(dataclasses.FrozenInstanceError):
        region.endpoint = "http://elsewhere/"  # type: ignore[misc]


def test_from_a_file_too(place):
    place.write(
        "cloudstack.ini", f"[cloudstack]\nendpoint = http://x/\nkey = {KEY}\nsecret = {SECRET}\n"
    )
    text = repr(place.load()) + str(place.regions())
    assert KEY not in text and SECRET not in text
