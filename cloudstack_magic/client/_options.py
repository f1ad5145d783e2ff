"""Every client default in one place, and the ONE parser of option values.

``CloudStack(..., **options)`` and ``Region.options`` use the names below. Every value is read
by :func:`parse_option`, whatever it came from: a keyword (``verify="t"``), a ``cloudstack.ini``
line (``verify = t``) or an environment variable (``CLOUDSTACK_VERIFY=t``) — so the same words
mean the same thing everywhere (``t``, ``yes``, ``on``, ``1`` are true, as in ``cs``). The
layers below read plain, typed values and never re-check them. The magics' traitlets read
their defaults from :data:`DEFAULTS` too, so a default is written exactly once.

A bad value raises :class:`OptionValueError` saying what was expected ("a number of seconds
greater than 0"); each source wraps it in one :class:`ConfigError` line naming where the value
came from (the keyword, or the file, section and key).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .._errors import ConfigError
from .._suggest import close_matches, did_you_mean

__all__ = ["DEFAULTS", "ClientOptions", "OptionValueError", "Places", "parse_flag", "parse_integer", "parse_option"]

#: The default of every client option (see :class:`ClientOptions` for what each means).
DEFAULTS: dict[str, Any] = {
    "timeout": 60.0,
    "connect_timeout": 10.0,
    "read_timeout": None,
    "verify": True,
    "cert": None,
    "cert_key": None,
    "retries": 3,
    "retry_backoff": 0.5,
    "retry_backoff_max": 10.0,
    "retry_after_max": 60.0,
    "page_concurrency": 8,
    "max_page_size": 500,
    "async_poll_latency": 2.0,
    "poll_initial": 0.2,
    "job_timeout": 1800.0,
    "signature_version": 3,
    "expires_in": 600.0,
    "method": "auto",
    "post_threshold": 4096,
    "validate": "auto",
    "spec": None,
    "headers": None,
    "handler": None,
}

#: Options where ``None`` is a real value ("off"), not "use the default".
_NONE_MEANS_OFF = {"signature_version", "connect_timeout", "read_timeout"}

#: The words of ``cs``'s ``strtobool``, for every flag from every source.
TRUE_WORDS = frozenset({"y", "yes", "t", "true", "on", "1"})
FALSE_WORDS = frozenset({"n", "no", "f", "false", "off", "0"})


@dataclass(frozen=True)
class ClientOptions:
    """The client's options, checked and normalised.

    * ``timeout`` / ``connect_timeout`` / ``read_timeout``: seconds for one HTTP request (total),
      for connecting, and between bytes read (``None``: bounded by ``timeout`` only).
    * ``verify``: TLS verification, ``True``, ``False`` or a CA bundle path; ``cert`` /
      ``cert_key``: a client certificate (and its key) in PEM files.
    * ``retries``, ``retry_backoff``, ``retry_backoff_max``, ``retry_after_max``: how often and
      how long to retry read-only commands (never state-changing ones).
    * ``page_concurrency``: pages fetched at once; ``max_page_size``: rows asked for per page.
    * ``async_poll_latency`` / ``poll_initial`` / ``job_timeout``: job polling.
    * ``signature_version`` (3 or None) and ``expires_in``: request expiry.
    * ``method`` (``auto``/``get``/``post``) and ``post_threshold`` (query bytes).
    * ``validate``: ``auto`` (check every call before sending: against the live spec once one
      was fetched, else the shipped 4.18 spec, where a command it lacks is sent unchecked),
      ``True`` (fetch the live spec on the first call), ``False`` (never check: for servers
      newer than the spec).
    * ``spec``: a :class:`~cloudstack_magic.Spec` to treat as the live spec.
    * ``headers``: extra HTTP headers sent with every request.
    * ``handler``: answer requests with this function instead of HTTP (the transport seam, for
      tests and recordings: see ``client._transport.Handler``).
    """

    timeout: float = DEFAULTS["timeout"]
    connect_timeout: float | None = DEFAULTS["connect_timeout"]
    read_timeout: float | None = DEFAULTS["read_timeout"]
    verify: bool | str = DEFAULTS["verify"]
    cert: str | None = DEFAULTS["cert"]
    cert_key: str | None = DEFAULTS["cert_key"]
    retries: int = DEFAULTS["retries"]
    retry_backoff: float = DEFAULTS["retry_backoff"]
    retry_backoff_max: float = DEFAULTS["retry_backoff_max"]
    retry_after_max: float = DEFAULTS["retry_after_max"]
    page_concurrency: int = DEFAULTS["page_concurrency"]
    max_page_size: int = DEFAULTS["max_page_size"]
    async_poll_latency: float = DEFAULTS["async_poll_latency"]
    poll_initial: float = DEFAULTS["poll_initial"]
    job_timeout: float = DEFAULTS["job_timeout"]
    signature_version: int | None = DEFAULTS["signature_version"]
    expires_in: float = DEFAULTS["expires_in"]
    method: str = DEFAULTS["method"]
    post_threshold: int = DEFAULTS["post_threshold"]
    validate: bool | str = DEFAULTS["validate"]
    spec: Any = DEFAULTS["spec"]
    headers: Mapping[str, str] | None = field(default=DEFAULTS["headers"], repr=False)
    handler: Any = field(default=DEFAULTS["handler"], repr=False)

    @classmethod
    def from_kwargs(cls, options: Mapping[str, Any], places: Places | None = None) -> ClientOptions:
        """Check and normalise keyword options; one clear :class:`ConfigError` line if bad."""
        values: dict[str, Any] = {}
        for name, value in options.items():
            if name not in _PARSERS:
                hint = did_you_mean(close_matches(name, sorted(_PARSERS), n=1), quote=True)
                also = f"; {hint}" if hint else f"; known options: {', '.join(sorted(_PARSERS))}"
                raise ConfigError(f"unknown client option {name!r}{also}")
            if value is None and name not in _NONE_MEANS_OFF:
                continue  # "not given": keep the default
            try:
                values[name] = parse_option(name, value, places)
            except OptionValueError as exc:
                shown = _shown(name, value)
                raise ConfigError(f"client option {name}={shown}: {exc.describe(value) if shown != '***' else 'expected ' + exc.expected}"
                                  ) from None
        return cls(**values)


class OptionValueError(ValueError):
    """A value an option cannot take; ``expected`` says what it takes (one phrase), ``reason``
    why a value of the right kind still failed (e.g. "no such file ~/ca.pem")."""

    def __init__(self, expected: str, reason: str | None = None) -> None:
        super().__init__(expected)
        self.expected = expected
        self.reason = reason

    def describe(self, value: Any) -> str:
        """``expected …, got 'v'`` or ``expected …; <reason>`` — the words every source shows."""
        return f"expected {self.expected}" + (f"; {self.reason}" if self.reason else f", got {value!r}")


@dataclass(frozen=True)
class Places:
    """Where relative and ``~`` paths of file options point (injectable for tests)."""

    cwd: Path
    home: Path

    @classmethod
    def here(cls) -> Places:
        return cls(Path.cwd(), Path.home())

    def expand(self, value: str) -> Path:
        if value == "~" or value.startswith("~/"):
            return self.home / value[2:]
        path = Path(value)
        return path if path.is_absolute() else self.cwd / path

    def show(self, path: Path) -> str:
        """A path as a person would type it: ``~/ca.pem`` rather than the full home."""
        try:
            return "~/" + str(path.relative_to(self.home))
        except ValueError:
            return str(path)


def parse_option(name: str, value: Any, places: Places | None = None) -> Any:
    """The typed value of option ``name`` for ``value`` (a Python value or the text of a file or
    environment variable); :class:`OptionValueError` if it cannot be one."""
    return _PARSERS[name](value, places)


def parse_flag(value: Any) -> bool:
    """True or False for a Python bool or one of ``cs``'s words (any case)."""
    flag = _flag_or_none(value)
    if flag is None:
        raise OptionValueError("true or false")
    return flag


def parse_integer(what: str, value: Any) -> int:
    """A whole number, any sign (``what`` names it in the error)."""
    return int(_number(what, integer=True)(value, None))


def _flag_or_none(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def _shown(name: str, value: Any) -> str:
    return "***" if name == "headers" else repr(value)


Parser = Callable[[Any, "Places | None"], Any]


def _number(what: str, *, integer: bool = False, above: float | None = None,
            at_least: float | None = None) -> Parser:
    """A parser of numbers (``what``: "a number of seconds") with an optional lower bound."""
    bound = f" greater than {above:g}" if above is not None else f" of at least {at_least:g}" if at_least is not None else ""

    def parse(value: Any, places: Places | None) -> int | float:
        if isinstance(value, bool):
            raise OptionValueError(what)
        try:
            number: int | float = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise OptionValueError(what) from None
        if not math.isfinite(number):
            raise OptionValueError(what)
        if integer:
            if not float(number).is_integer():
                raise OptionValueError(what)
            number = int(number)
        if (above is not None and not number > above) or (at_least is not None and number < at_least):
            raise OptionValueError(what + bound)
        return number

    return parse


_SECONDS = "a number of seconds"
_positive_seconds = _number(_SECONDS, above=0)


def _optional_seconds(value: Any, places: Places | None) -> float | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "none") or _flag_or_none(value) is False:
        return None
    return float(_number(_SECONDS + " (or None)", above=0)(value, places))


def _file(what: str) -> Parser:
    def parse(value: Any, places: Places | None) -> str:
        if not isinstance(value, str | os.PathLike) or not str(value).strip():
            raise OptionValueError(what)
        where = places or Places.here()
        path = where.expand(os.fspath(value).strip())
        if not path.is_file():
            raise OptionValueError(what, f"no such file {where.show(path)}")
        return str(path)

    return parse


def _optional_file(value: Any, places: Places | None) -> str | None:
    return None if value is None else _file("a file path")(value, places)


def _verify(value: Any, places: Places | None) -> bool | str:
    flag = _flag_or_none(value)
    if flag is not None:
        return flag
    return str(_file("true, false or a CA bundle path")(value, places))


def _signature_version(value: Any, places: Places | None) -> int | None:
    if value is None or _flag_or_none(value) is False or str(value).strip().lower() == "none":
        return None
    if not isinstance(value, bool) and str(value).strip() == "3":
        return 3
    raise OptionValueError("3 or None")


def _method(value: Any, places: Places | None) -> str:
    text = str(value).strip().lower()
    if not isinstance(value, str) or text not in ("auto", "get", "post"):
        raise OptionValueError("auto, get or post")
    return text


def _validate(value: Any, places: Places | None) -> bool | str:
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    flag = _flag_or_none(value)
    if flag is None:
        raise OptionValueError("auto, true or false")
    return flag


def _spec(value: Any, places: Places | None) -> Any:
    from ..spec._spec import Spec

    if value is not None and not isinstance(value, Spec):
        raise OptionValueError(f"a cloudstack_magic.Spec, not {type(value).__name__}")
    return value


def _headers(value: Any, places: Places | None) -> Mapping[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise OptionValueError("a mapping of header name to value")
    return {str(k): str(v) for k, v in value.items()}


def _handler(value: Any, places: Places | None) -> Any:
    if value is not None and not callable(value):
        raise OptionValueError("a function answering a PreparedRequest (see client._transport.Handler)")
    return value


_PARSERS: dict[str, Parser] = {
    "timeout": _positive_seconds,
    "connect_timeout": _optional_seconds,
    "read_timeout": _optional_seconds,
    "verify": _verify,
    "cert": _optional_file,
    "cert_key": _optional_file,
    "retries": _number("a whole number of retries", integer=True, at_least=0),
    "retry_backoff": _number(_SECONDS, at_least=0),
    "retry_backoff_max": _number(_SECONDS, at_least=0),
    "retry_after_max": _number(_SECONDS, at_least=0),
    "page_concurrency": _number("a whole number of pages", integer=True, at_least=1),
    "max_page_size": _number("a whole number of rows per page", integer=True, at_least=1),
    "async_poll_latency": _positive_seconds,
    "poll_initial": _positive_seconds,
    "job_timeout": _positive_seconds,
    "signature_version": _signature_version,
    "expires_in": _positive_seconds,
    "method": _method,
    "post_threshold": _number("a whole number of bytes", integer=True, at_least=0),
    "validate": _validate,
    "spec": _spec,
    "headers": _headers,
    "handler": _handler,
}
assert set(_PARSERS) == set(DEFAULTS), "every option has a default and a parser"
