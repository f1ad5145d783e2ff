"""Python values → CloudStack string parameters."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from cloudstack_magic.client._params import to_params


class Colour(enum.Enum):
    RED = "red"


def test_none_is_dropped_and_strings_kept() -> None:
    assert to_params({"name": "web", "zoneid": None}) == {"name": "web"}
    assert to_params(None) == {}


@pytest.mark.parametrize(("value", "text"), [
    (True, "true"), (False, "false"), (3, "3"), (2.5, "2.5"), (4.0, "4"), (Decimal("1.10"), "1.10"),
    (Colour.RED, "red"), (["a", "b", 3], "a,b,3"), (("x",), "x"), ({"b", "a"}, "a,b"), ([], ""),
    (date(2026, 11, 28), "2026-11-28"), (datetime(2026, 11, 28, 1, 2, 3), "2026-11-28 01:02:03"),
    (datetime(2026, 11, 28, 3, 2, 3, tzinfo=timezone(timedelta(hours=2))), "2026-11-28 01:02:03"),
])
def test_scalars(value: object, text: str) -> None:
    assert to_params({"p": value}) == {"p": text}


def test_list_of_dicts_is_a_map_parameter() -> None:
    tags = [{"key": "env", "value": "prod"}, {"key": "team", "value": "web"}]
    assert to_params({"tags": tags}) == {
        "tags[0].key": "env", "tags[0].value": "prod", "tags[1].key": "team", "tags[1].value": "web"}


def test_dict_is_one_map_entry() -> None:
    assert to_params({"details": {"cpuNumber": 2, "memory": 512, "x": None}}) == {
        "details[0].cpuNumber": "2", "details[0].memory": "512"}


@pytest.mark.parametrize(("params", "fragment"), [
    ({"p": b"raw"}, "bytes"),
    ({"p": object()}, "cannot send a object"),
    ({"p": [{"a": 1}, "b"]}, "mix of dicts"),
    ({"p": {"a": {"b": 1}}}, "cannot hold another dict"),
    ({"": 1}, "non-empty strings"),
    ({"p": float("nan")}, "not a number"),
])
def test_bad_values_name_the_parameter(params: dict[str, object], fragment: str) -> None:
    with pytest.raises((TypeError, ValueError), match=fragment):
        to_params(params)
