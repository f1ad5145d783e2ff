"""From verified parameters to a handler's result: the spec checks, then the command table.

Every API of the packaged 4.18 spec is recognised. Before any handler runs, the parameters are
checked as ``ParamProcessWorker`` does (required ones present, integers and UUIDs well formed,
no control characters) with the server's 431 messages; an API without a handler then answers
a clear "not simulated" error instead of a fake success.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..spec._spec import Api
from .errors import CS_SERVER_API, PARAM_ERROR, UNSUPPORTED_ACTION_ERROR, ApiError, JobError, param_error
from .tables import Row, Table

if TYPE_CHECKING:
    from .jobs import JobEngine
    from .state import Cloud

__all__ = [
    "Call", "Handler", "JobAccepted", "ListResult", "Result", "dispatch",
    "invalid_id", "parse_date", "response_name",
]

_CONTROL = re.compile(r"[\000-\011\013-\014\016-\037\177]")
_INTEGER = re.compile(r"[+-]?\d+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|-?\d+")
_DAY = re.compile(r"(\d+)-(\d+)-(\d+)")
_DAY_TIME = re.compile(r"(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)")
#: Commands whose dates may also be "yyyy-MM-dd HH:mm:ss" (ParamProcessWorker's Bug 9724 list).
_DATE_TIME_COMMANDS = frozenset({"listEvents", "deleteEvents", "archiveEvents", "archiveAlerts", "deleteAlerts",
                                 "getUsageRecords"})
_INT_RANGE = {"integer": 2**31, "short": 2**15, "long": 2**63}


def parse_date(command: str, value: str) -> datetime | None:
    """A ``date`` parameter as ``ParamProcessWorker`` reads it, or None where it throws.

    The server parses with ``SimpleDateFormat("yyyy-MM-dd")`` (strict), and ``parse(String)``
    stops after the day: ``2026-05-04T10:22:31+0000`` means 2026-05-04 00:00 — a date
    parameter has day precision. A few event/usage commands also take ``yyyy-MM-dd HH:mm:ss``."""
    numbers: tuple[int, ...]
    if command in _DATE_TIME_COMMANDS and (full := _DAY_TIME.fullmatch(value)):
        numbers = tuple(int(part) for part in full.groups())
    elif day := _DAY.match(value):
        numbers = tuple(int(part) for part in day.groups())
    else:
        return None
    try:
        return datetime(*numbers, tzinfo=timezone.utc)  # type: ignore[arg-type,misc]
    except ValueError:  # strict: month 13 or day 32 are refused
        return None


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

    def date(self, name: str) -> datetime | None:
        """A ``date`` parameter (already checked by :func:`check_params`)."""
        value = self.get(name)
        return None if value is None else parse_date(self.command, value)

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


#: A command's implementation; the command table (``commands.COMMAND_TABLE``) maps names to them.
Handler = Callable[[Call], Result]


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
        elif kind == "date" and parse_date(api.name, value) is None:
            raise ApiError(
                PARAM_ERROR,
                f"Unable to parse date {value} for command {short}, please pass dates in the format mentioned"
                " in the api documentation",
                CS_SERVER_API,
            )
        elif kind == "uuid" and not _UUID.fullmatch(value):
            raise invalid_id(param.name, value)
        elif kind == "list" and _is_id_list(param.name):
            # listApis says only "list"; the command classes declare ``ids`` lists with
            # collectionType UUID, and ParamProcessWorker translates each element the same way
            for element in value.split(","):
                if not _UUID.fullmatch(element.strip()):
                    raise invalid_id(param.name, element.strip())
        if bad:
            raise ApiError(
                PARAM_ERROR,
                f"Unable to execute API command {short} due to invalid value {value} for parameter {param.name}",
                CS_SERVER_API,
            )


def _is_id_list(name: str) -> bool:
    """``ids``, ``hostids``, ``securitygroupids``…: in 4.18 every list parameter so named holds
    resource UUIDs."""
    return name.lower().endswith("ids")


def dispatch(call: Call, handlers: Mapping[str, Handler]) -> Result:
    """Check the parameters, then run the command's handler from ``handlers``."""
    check_params(call.api, call.params)
    handler = handlers.get(call.command)
    if handler is None:
        raise ApiError(
            UNSUPPORTED_ACTION_ERROR,
            f"{call.command} is a CloudStack 4.18 API that this simulator does not simulate"
            f" (it simulates {len(handlers)} commands; see GET /_simulator/stats)",
            CS_SERVER_API,
        )
    if not call.api.isasync:
        return handler(call)
    try:
        return handler(call)
    except JobError as error:  # accepted, then the job fails: as the server runs async commands
        return JobAccepted(call.jobs.submit_failed(call.command, error))
