"""Every client default in one place, and the value class that checks client options once.

``CloudStack(..., **options)`` and ``Region.options`` use the names below. Each option is
normalised here (``verify="false"`` from an INI file, ``timeout="30"``…) so the layers below
read plain, typed values and never re-check them. The magics' traitlets read their defaults
from :data:`DEFAULTS` too, so a default is written exactly once.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .._errors import ConfigError

__all__ = ["DEFAULTS", "ClientOptions"]

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
}

#: Options where ``None`` is a real value ("off"), not "use the default".
_NONE_MEANS_OFF = {"signature_version", "connect_timeout", "read_timeout"}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


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
    * ``validate``: ``auto`` (check calls against a live spec once one was fetched),
      ``True`` (fetch it on first call), ``False`` (never check).
    * ``spec``: a :class:`~cloudstack_magic.Spec` to treat as the live spec.
    * ``headers``: extra HTTP headers sent with every request.
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

    @classmethod
    def from_kwargs(cls, options: Mapping[str, Any]) -> ClientOptions:
        """Check and normalise keyword options; one clear :class:`ConfigError` line if bad."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, value in options.items():
            if name not in known:
                hint = difflib.get_close_matches(name, sorted(known), n=1)
                also = f"; did you mean {hint[0]!r}?" if hint else f"; known options: {', '.join(sorted(known))}"
                raise ConfigError(f"unknown client option {name!r}{also}")
            if value is None and name not in _NONE_MEANS_OFF:
                continue  # "not given": keep the default
            values[name] = _NORMALISE.get(name, _keep)(name, value)
        return cls(**values)


def _keep(name: str, value: Any) -> Any:
    return value


def _number(name: str, value: Any, *, minimum: float = 0.0, integer: bool = False,
            positive: bool = False) -> Any:
    try:
        number = int(value) if integer else float(value)
        if isinstance(value, bool) or (integer and float(value) != number):
            raise ValueError
    except (TypeError, ValueError):
        kind = "a whole number" if integer else "a number of seconds"
        raise ConfigError(f"client option {name}={value!r} must be {kind}") from None
    if number < minimum or (positive and number <= 0):
        bound = "greater than 0" if positive else f"at least {minimum:g}"
        raise ConfigError(f"client option {name}={value!r} must be {bound}")
    return number


def _seconds(name: str, value: Any) -> float:
    return float(_number(name, value, positive=True))


def _optional_seconds(name: str, value: Any) -> float | None:
    return None if value is None else _seconds(name, value)


def _non_negative(name: str, value: Any) -> float:
    return float(_number(name, value))


def _count(name: str, value: Any) -> int:
    return int(_number(name, value, integer=True))


def _at_least_one(name: str, value: Any) -> int:
    return int(_number(name, value, integer=True, minimum=1))


def _flag(name: str, value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _verify(name: str, value: Any) -> bool | str:
    flag = _flag(name, value)
    if flag is not None:
        return flag
    if isinstance(value, str | os.PathLike) and str(value).strip():
        return os.fspath(value)
    raise ConfigError(f"client option verify={value!r} must be true, false or a CA bundle path")


def _path(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | os.PathLike) and str(value).strip():
        return os.fspath(value)
    raise ConfigError(f"client option {name}={value!r} must be a file path")


def _signature_version(name: str, value: Any) -> int | None:
    if value is None or _flag(name, value) is False or str(value).strip().lower() == "none":
        return None
    if str(value).strip() == "3":
        return 3
    raise ConfigError(f"client option signature_version={value!r} must be 3 or None")


def _method(name: str, value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("auto", "get", "post"):
        raise ConfigError(f"client option method={value!r} must be 'auto', 'get' or 'post'")
    return text


def _validate(name: str, value: Any) -> bool | str:
    if str(value).strip().lower() == "auto":
        return "auto"
    flag = _flag(name, value)
    if flag is None:
        raise ConfigError(f"client option validate={value!r} must be 'auto', True or False")
    return flag


def _spec(name: str, value: Any) -> Any:
    from ..spec._spec import Spec

    if value is not None and not isinstance(value, Spec):
        raise ConfigError(f"client option spec must be a cloudstack_magic.Spec, not {type(value).__name__}")
    return value


def _headers(name: str, value: Any) -> Mapping[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError("client option headers must be a mapping of header name to value")
    return {str(k): str(v) for k, v in value.items()}


_NORMALISE = {
    "timeout": _seconds,
    "connect_timeout": _optional_seconds,
    "read_timeout": _optional_seconds,
    "verify": _verify,
    "cert": _path,
    "cert_key": _path,
    "retries": _count,
    "retry_backoff": _non_negative,
    "retry_backoff_max": _non_negative,
    "retry_after_max": _non_negative,
    "page_concurrency": _at_least_one,
    "max_page_size": _at_least_one,
    "async_poll_latency": _seconds,
    "poll_initial": _seconds,
    "job_timeout": _seconds,
    "signature_version": _signature_version,
    "expires_in": _seconds,
    "method": _method,
    "post_threshold": _count,
    "validate": _validate,
    "spec": _spec,
    "headers": _headers,
}
