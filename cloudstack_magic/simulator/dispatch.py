"""From verified parameters to a handler's result: the spec checks, then the command table.

Every API of the packaged 4.18 spec is recognised. Before any handler runs, the parameters are
checked as ``ParamProcessWorker`` does (required ones present, integers and UUIDs well formed,
no control characters) with the server's 431 messages; an API without a handler then answers
a clear "not simulated" error instead of a fake success.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..spec._spec import Api
from .errors import CS_SERVER_API, PARAM_ERROR, UNSUPPORTED_ACTION_ERROR, ApiError, param_error
from .tables import Row, Table

if TYPE_CHECKING:
    from .jobs import JobEngine
    from .state import Cloud

__all__ = [
    "Call", "Handler", "HANDLERS", "JobAccepted", "ListResult", "Result", "command", "dispatch",
    "invalid_id", "response_name",
]

_CONTROL = re.compile(r"[\000-\011\013-\014\016-\037\177]")
_INTEGER = re.compile(r"[+-]?\d+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|-?\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}.*)?")
_INT_RANGE = {"integer": 2**31, "short": 2**15, "long": 2**63}


def response_name(command: str) -> str:
    return f"{command.lower()}response"


@dataclass
class ListResult:
    """A page of ``rows`` out of ``count`` matching rows; ``table`` renders the rows' JSON."""

    table: Table | None
    objectname: str
    rows: list[Row]
    count: int


@dataclass
class JobAccepted:
    """An async command's first answer: ``{"jobid": …}`` (create commands add ``id``)."""

    jobid: str
    id: str | None = None


#: What a handler returns: a page, a job, or the body under ``<command>response``.
Result = ListResult | JobAccepted | dict[str, Any]


@dataclass
class Call:
    """One API request after verification: the command, its spec, and its parameters with
    lower-cased names (the server matches names case-insensitively) and first values."""

    command: str
    api: Api
    params: dict[str, str]
    cloud: Cloud
    jobs: JobEngine
    page_size_limit: int
    _maps: dict[str, list[dict[str, str]]] = field(default_factory=dict, repr=False)

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self.params.get(name)
        return default if value in (None, "") else value

    def flag(self, name: str) -> bool:
        return (self.params.get(name) or "").lower() == "true"  # Boolean.valueOf

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.get(name)
        return default if value is None else int(value)

    def ids(self, name: str) -> list[str]:
        return [part.strip() for part in (self.get(name) or "").split(",") if part.strip()]

    def map(self, name: str) -> list[dict[str, str]]:
        """``tags[0].key=a&tags[0].value=b`` → ``[{"key": "a", "value": "b"}]`` in index order."""
        if name not in self._maps:
            entries: dict[int, dict[str, str]] = {}
            pattern = re.compile(rf"{re.escape(name)}\[(\d+)\]\.(\w+)")
            for key, value in self.params.items():
                if match := pattern.fullmatch(key):
                    entries.setdefault(int(match[1]), {})[match[2].lower()] = value
            self._maps[name] = [entries[i] for i in sorted(entries)]
        return self._maps[name]


Handler = Callable[[Call], Result]
HANDLERS: dict[str, Handler] = {}


def command(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler for one or more API names (exact spelling, as in the spec)."""

    def register(handler: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = handler
        return handler

    return register


def invalid_id(name: str, value: str) -> ApiError:
    """What the server says when a UUID parameter names nothing."""
    return param_error(
        f"Invalid parameter {name} value={value} due to incorrect long value format, or entity does not"
        " exist or due to incorrect parameter annotation for the field in api cmd class."
    )


def check_params(api: Api, params: dict[str, str]) -> None:
    """The server's parameter checks; raises the 431 it would send."""
    short = api.name.lower()
    for name, value in params.items():
        if _CONTROL.search(value):
            raise ApiError(
                PARAM_ERROR,
                f"Received value containing illegal ASCII non-printable characters for parameter {name}",
                CS_SERVER_API,
            )
    for required in api.required_params:
        if required.type == "map":
            present = any(key.startswith(required.name + "[") for key in params)
        else:
            present = params.get(required.name, "") != ""
        if not present:
            raise ApiError(
                PARAM_ERROR,
                f"Unable to execute API command {short} due to missing parameter {required.name}",
                CS_SERVER_API,
            )
    for name, value in params.items():
        param = api.param(name)
        if param is None or value == "" or "[" in name:
            continue
        kind = param.type
        bad = False
        if kind in _INT_RANGE:
            bad = not _INTEGER.fullmatch(value) or not -_INT_RANGE[kind] <= int(value) < _INT_RANGE[kind]
        elif kind == "date":
            bad = not _DATE.fullmatch(value)
        elif kind == "uuid" and not _UUID.fullmatch(value):
            raise invalid_id(param.name, value)
        if bad:
            raise ApiError(
                PARAM_ERROR,
                f"Unable to execute API command {short} due to invalid value {value} for parameter {param.name}",
                CS_SERVER_API,
            )


def dispatch(call: Call) -> Result:
    check_params(call.api, call.params)
    handler = HANDLERS.get(call.command)
    if handler is None:
        raise ApiError(
            UNSUPPORTED_ACTION_ERROR,
            f"{call.command} is a CloudStack 4.18 API that this simulator does not simulate"
            f" (it simulates {len(HANDLERS)} commands; see GET /_simulator/stats)",
            CS_SERVER_API,
        )
    return handler(call)
