"""The one command/parameter validator: a call checked against the spec before it is sent.

The server ignores parameters it does not know and reads ``listall=maybe`` as false, so a
misspelled or mistyped parameter silently widens a listing. Checking the call against the
spec (the live server's ``listApis`` when known, else the shipped 4.18 one) turns that into
one clear line before anything is sent. The client and the magics both call
:func:`validate_call`; nobody else checks commands or parameters.

What is checked, by the parameter's type in the spec:

* ``boolean``: ``true`` or ``false``, any case (Python ``True``/``False`` become those);
* ``integer`` / ``short`` / ``long``: a whole number in the type's range;
* ``uuid``: a UUID (or, as the server still takes for pre-4.x parameters, a whole number);
* ``date``: ``yyyy-MM-dd``, optionally with `` HH:mm[:ss]`` or ``THH:mm:ss`` and a zone;
* ``list``: any comma-separated text (its item type is not in ``listApis``);
* ``map``: only as indexed names (``tags[0].key=…``), i.e. a Python dict or list of dicts;
* every other type (``string``, ``object``): any text.

An unknown parameter fails naming the closest real ones (``stat`` → ``state``); ``filter``,
CloudMonkey's output field filter, says so in the error's ``hint``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from .._errors import InvalidParameterError, MissingParameterError, UnknownCommandError
from .._suggest import did_you_mean
from ..spec._spec import Api, Param, Spec
from ._params import to_params

__all__ = ["FIELD_FILTER_HINT", "validate_call", "validate_params"]

#: Names the client itself sets or replaces when signing; a caller may pass them (they are
#: overwritten or dropped), so they are never "unknown".
_CLIENT_PARAMS = frozenset({"command", "response", "apikey", "signature", "signatureversion", "expires"})
#: CloudMonkey's own output options, which cmk users type by habit; CloudStack has none of them.
_CLOUDMONKEY_OPTIONS = {
    "filter": "filter is CloudMonkey's output field filter, not a CloudStack parameter",
}
FIELD_FILTER_HINT = _CLOUDMONKEY_OPTIONS["filter"]

_WHOLE = re.compile(r"^[+-]?\d+$")
_RANGES = {"short": 2**15, "integer": 2**31, "int": 2**31, "long": 2**63}
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_INDEXED = re.compile(r"^[^\[\]]+\[\d+\]\.[^\[\]]+$")


def validate_call(spec: Spec, command: str, params: Mapping[str, Any] | None, *,
                  live: bool = True, server: str = "the server") -> Api | None:
    """The spec's :class:`Api` for ``command`` once ``params`` passed every check.

    ``params`` may hold Python values or the strings to send (both are read as the client
    would send them). ``live`` says whether ``spec`` is the server's own: then an unknown
    command raises :class:`UnknownCommandError`; with the shipped spec a command it lacks
    may be newer than it, so the call is not checked and None comes back. ``server`` names the
    server in that message (the client passes its endpoint).

    Raises :class:`UnknownCommandError`, :class:`InvalidParameterError` (unknown parameter,
    wrong type) or :class:`MissingParameterError`, each with one line naming the fix.
    """
    api = spec.find(command)
    if api is None:
        if not live:
            return None
        close = spec.suggest(command)
        hint = did_you_mean(close)
        raise UnknownCommandError(f"{server} has no command {command!r}" + (f"; {hint}" if hint else ""),
                                  suggestions=close, command=command)
    try:
        strings = to_params(params, command=api.name)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"{api.name}: {exc}", command=api.name) from None
    validate_params(api, strings)
    return api


def validate_params(api: Api, strings: Mapping[str, str]) -> None:
    """Check the string parameters ``strings`` of a call to ``api`` (see the module docstring)."""
    for name, value in strings.items():
        base = name.split("[", 1)[0]
        if base.lower() in _CLIENT_PARAMS:
            continue
        param = api.param(base)
        if param is None:
            raise _unknown(api, base)
        _check_value(api, param, name, value)
    given = {name.lower().split("[", 1)[0] for name in strings}
    missing = [p.name for p in api.required_params if p.name.lower() not in given]
    if missing:
        raise MissingParameterError(f"{api.name} needs {', '.join(missing)}", missing=missing,
                                    command=api.name)


def _unknown(api: Api, name: str) -> InvalidParameterError:
    close = api.suggest_param(name)
    hint = _CLOUDMONKEY_OPTIONS.get(name.lower())
    message = f"{api.name} has no parameter {name!r}"
    if hint:
        message += f" ({hint})"
    elif close:
        message += f"; {did_you_mean(close)}"
    else:
        message += f"; see the command's help for the {len(api.params)} it takes"
    return InvalidParameterError(message, suggestions=close, parameter=name, command=api.name, hint=hint)


def _check_value(api: Api, param: Param, name: str, value: str) -> None:
    kind = param.type.lower()
    indexed = name != param.name and "[" in name
    if kind == "map":
        if not indexed or not _INDEXED.match(name):
            raise _wrong(api, param, name, value, f"a map: pass a dict, or {param.name}[0].key=…"
                                                  f"&{param.name}[0].value=…")
        return
    if indexed:
        raise _wrong(api, param, name, value, f"{_a(kind)} value, not a map: pass one value, not a dict")
    problem = _type_problem(kind, value)
    if problem:
        raise _wrong(api, param, name, value, problem)


def _type_problem(kind: str, value: str) -> str | None:
    """What is wrong with ``value`` for a parameter of type ``kind``, or None."""
    text = value.strip()
    if kind == "boolean":
        return None if text.lower() in ("true", "false") else "a boolean: use true or false"
    if kind in _RANGES:
        bound = _RANGES[kind]
        if not _WHOLE.match(text) or not -bound <= int(text) < bound:
            return f"{_a(kind)}: use a whole number" + ("" if kind == "long" else f" below {bound:,}")
        return None
    if kind == "uuid":
        if _UUID.match(text) or _WHOLE.match(text):
            return None
        return "a uuid: use an id such as 8f8a3c2e-5b0d-4c7e-9a8b-1e2f3a4b5c6d"
    if kind == "date":
        match = _DATE.match(text)
        try:
            if match:
                date.fromisoformat(match.group(1))
                return None
        except ValueError:
            pass
        return "a date: use yyyy-MM-dd or yyyy-MM-dd HH:mm:ss"
    return None


def _wrong(api: Api, param: Param, name: str, value: str, expected: str) -> InvalidParameterError:
    shown = value if len(value) <= 40 else value[:37] + "..."
    return InvalidParameterError(
        f"{api.name}: {name}={shown!r} is not {expected}", parameter=param.name, expected=param.type,
        command=api.name)


def _a(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"
