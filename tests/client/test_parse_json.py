"""Answers are parsed by msgspec, and read exactly as ``json`` reads them.

msgspec parses a listing's pages in about half json's time; what it refuses (NaN, ``1e400``,
lone surrogates, a byte-order mark, UTF-16) goes to ``json``, so no answer reads differently."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudstack_magic.client import _answers

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(_json_values)
def test_every_body_reads_as_json_reads_it(value: Any) -> None:
    raw = json.dumps(value).encode()
    assert _answers._parse_json(raw) == json.loads(raw)


@pytest.mark.parametrize("raw", [
    b'{"a": NaN, "b": Infinity}',              # msgspec refuses these: json reads them
    b'{"x": 1e400, "y": "\\ud800"}',            # refused too: out of float range, a lone surrogate
    '{"name": "caf\u00e9"}'.encode("utf-16"),  # refused: not UTF-8
    b'\xef\xbb\xbf{"bom": 1}',                 # refused: a UTF-8 byte-order mark
    # read by msgspec, exactly (orjson would turn these into floats)
    b'{"n": 123456789012345678901234567890, "m": -9223372036854775809}',
])
def test_the_edges_read_as_json_reads_them(raw: bytes) -> None:
    parsed = _answers._parse_json(raw)
    expected = json.loads(raw)
    assert json.dumps(parsed, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert [type(v) for v in parsed.values()] == [type(v) for v in expected.values()]


def test_what_neither_reads_is_still_a_value_error() -> None:
    with pytest.raises(ValueError):
        _answers._parse_json(b"<html>504 Gateway Time-out</html>")
