"""What the shape tests check: a row's fields against the 4.18 spec's response for its API
(names, nested object fields, JSON types), and the fields real servers always fill in."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from cloudstack_magic.spec._spec import ResponseField

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "real-responses"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}")
NUMBER_TYPES = {"integer": int, "int": int, "long": int, "short": int}
JSON_TYPES: dict[str, Any] = {
    **NUMBER_TYPES, "boolean": bool, "string": str, "uuid": str, "date": str, "list": list, "set": list,
    "map": dict, "float": (int, float), "double": (int, float), "responseobject": dict,
    "hostharesponse": dict, "outofbandmanagementresponse": dict, "resourceiconresponse": dict,
    "state": str, "status": str, "type": str, "hypervisortype": str, "imageformat": str, "scopetype": str,
    "storagepoolstatus": str, "url": str, "powerstate": str, "hastate": str, "resourceobjecttype": str,
}


def problems(row: dict[str, Any], fields: tuple[ResponseField, ...], where: str) -> list[str]:
    """Every way ``row`` differs from the spec: unknown fields, wrong JSON types, nested too."""
    known: dict[str, ResponseField] = {}
    for field in fields:  # the spec repeats some names (jobid, jobstatus): the first wins
        known.setdefault(field.name, field)
    found = []
    for name, value in row.items():
        field = known.get(name)
        if field is None:
            found.append(f"{where}.{name} is not in the 4.18 response")
            continue
        expected = JSON_TYPES.get(field.type)
        if expected is not None and (isinstance(value, bool) and expected is int or not isinstance(value, expected)):
            found.append(f"{where}.{name} is {type(value).__name__}, the spec says {field.type}")
        if field.type == "date" and isinstance(value, str) and not DATE.fullmatch(value):
            found.append(f"{where}.{name}={value!r} is not a CloudStack date")
        if field.fields and isinstance(value, (list, dict)):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    found.extend(problems(item, field.fields, f"{where}.{name}"))
    return found


def _objects(value: Any, key: str | None, out: dict[str, list[dict[str, Any]]]) -> None:
    if isinstance(value, dict):
        if key is not None:
            out[key].append(value)
        for name, item in value.items():
            _objects(item, name, out)
    elif isinstance(value, list):
        for item in value:
            _objects(item, key, out)


def always_filled() -> dict[str, set[str]]:
    """Per JSON object name (virtualmachine, network, host...): the fields every recorded real
    answer has."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(REAL.glob("*.json")):
        _objects(json.loads(path.read_text()), None, out)
    return {name: set.intersection(*(set(row) for row in rows)) for name, rows in out.items()}
