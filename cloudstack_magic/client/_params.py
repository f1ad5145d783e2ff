"""Python values → CloudStack's string parameters. Pure, no I/O.

CloudStack takes every parameter as one string. Its conventions: booleans are ``true`` /
``false``; a list parameter is comma-joined; dates are ``yyyy-MM-dd`` or
``yyyy-MM-dd HH:mm:ss``. ``None`` means "not given" and is dropped, so callers can pass
optional values straight through.

A *map* parameter is spelled out as indexed names, in one of two forms the server reads:

* **key/value pairs** — ``tags[0].key=env&tags[0].value=prod&tags[1].key=…``: ``tags`` on every
  command, and ``details`` on the commands listed in :data:`KEY_VALUE_MAPS`. A Python dict
  ``{"env": "prod"}`` given for one of these becomes exactly that.
* **named fields** — ``details[0].cpuNumber=2&details[0].memory=2048``: every other map
  (``details`` of ``deployVirtualMachine``, ``serviceofferingdetails``…). A dict becomes one
  entry ``name[0].<key>=<value>``.

A list of dicts is always sent entry by entry as given (``[{"key": "env", "value": "prod"}]``
→ ``tags[0].key=env&tags[0].value=prod``), for maps whose entries are records
(``iptonetworklist[0].ip=…&iptonetworklist[0].networkid=…``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

__all__ = ["KEY_VALUE_MAPS", "to_params"]

#: ``(command, parameter)`` in lower case whose map is read as key/value pairs; ``"*"`` is
#: every command. The server's ``getDetails()`` of these reads ``key`` and ``value`` entries.
KEY_VALUE_MAPS = frozenset({
    ("*", "tags"),
    ("addresourcedetail", "details"),
    ("addguestos", "details"),
    ("updateguestos", "details"),
})


def to_params(params: Mapping[str, Any] | None, *, command: str | None = None) -> dict[str, str]:
    """CloudStack string parameters for ``params`` (names kept as given, ``None`` dropped).

    ``command`` picks the form of a dict given for a map (see the module docstring); strings
    pass through unchanged, so the result can be fed in again.

    >>> to_params({"tags": {"env": "prod"}, "listall": True, "x": None})
    {'tags[0].key': 'env', 'tags[0].value': 'prod', 'listall': 'true'}
    """
    out: dict[str, str] = {}
    for name, value in (params or {}).items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"parameter names must be non-empty strings, not {name!r}")
        if value is None:
            continue
        if isinstance(value, Mapping):
            if _is_key_value_map(command, name):
                _add_map(out, name, [{"key": k, "value": v} for k, v in value.items() if v is not None])
            else:
                _add_map(out, name, [value])
        elif _is_sequence(value) and any(isinstance(item, Mapping) for item in value):
            if not all(isinstance(item, Mapping) for item in value):
                raise TypeError(f"parameter {name}: mix of dicts and plain values; use a list of dicts for a map")
            _add_map(out, name, list(value))
        else:
            out[name] = scalar(name, value)
    return out


def _is_key_value_map(command: str | None, name: str) -> bool:
    lowered = name.lower()
    return ("*", lowered) in KEY_VALUE_MAPS or ((command or "").lower(), lowered) in KEY_VALUE_MAPS


def scalar(name: str, value: Any) -> str:
    """One value as CloudStack's string (a list becomes comma-joined)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return scalar(name, value.value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"parameter {name}: {value!r} is not a number CloudStack accepts")
        return repr(value) if not value.is_integer() else str(int(value))
    if isinstance(value, datetime):
        moment = value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo is not None else value
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if _is_sequence(value):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return ",".join(scalar(name, item) for item in items if item is not None)
    if isinstance(value, bytes):
        raise TypeError(f"parameter {name}: bytes are ambiguous; pass text (decode it, or base64 for userdata)")
    raise TypeError(f"parameter {name}: cannot send a {type(value).__name__}; use str, number, bool, date, list or dict")


def _is_sequence(value: Any) -> bool:
    return isinstance(value, list | tuple | set | frozenset)


def _add_map(out: dict[str, str], name: str, entries: list[Mapping[str, Any]]) -> None:
    for index, entry in enumerate(entries):
        for key, value in entry.items():
            if value is None:
                continue
            if isinstance(value, Mapping):
                raise TypeError(f"parameter {name}[{index}].{key}: a map value cannot hold another dict")
            out[f"{name}[{index}].{key}"] = scalar(f"{name}[{index}].{key}", value)
