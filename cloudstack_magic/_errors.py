"""The one exception tree of cloudstack-magic.

::

    CloudStackClientException           anything this package raises about a CloudStack call
    ├── ConfigError                     no or broken configuration (names file, section, key)
    ├── CommandError                    refused before sending: checked against a live spec
    │   ├── UnknownCommandError         the server has no such command ("did you mean …")
    │   └── MissingParameterError       a required parameter is missing
    ├── APIError                        the server answered with a CloudStack error body
    │   ├── AuthenticationError         401: key, signature, expired request or permission
    │   ├── BadRequestError             430 / 431 / 432: malformed or invalid parameters
    │   ├── ThrottledError              429: API rate limit (``retry_after`` when sent)
    │   └── ServerError                 5xx / 53x: the server failed or refused the action
    ├── JobError                        an async job did not bring a result
    │   ├── JobFailedError              jobstatus 2: the job's ``errorcode``/``errortext``
    │   ├── JobCancelledError           jobstatus 3: cancelled on the server
    │   └── JobTimeoutError             gave up waiting; the job may still run server-side
    ├── ListChangedError                pages could not be merged into one exact list
    └── TransportError                  no usable HTTP answer
        ├── ConnectError                cannot connect (DNS, refused, TLS)
        ├── RequestTimeout              no answer in time; for a state-changing command the
        │                               outcome is unknown (the message says how to check)
        └── InvalidResponseError        not CloudStack JSON (e.g. a proxy's HTML page)

    Cancelling a task that waits for a job raises asyncio's own ``CancelledError`` (the same
    instance, so ``asyncio.timeout``, ``TaskGroup`` and ``wait_for`` behave as documented — on
    Python 3.11 they test the exact class); :func:`abandoned_job` reads the ``(command, jobid)``
    it carries, and a note on it names the job that keeps running server-side.

Every exception keeps CloudStackAIO's fields (``message``, ``error_code``, ``error_text``,
``response``) and adds ``status`` (HTTP), ``cserrorcode`` and ``command``. Messages are one
readable line and never contain a secret: build them with :func:`redact` when they quote a
URL or parameters.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CloudStackClientException",
    "CommandError",
    "ConfigError",
    "ConnectError",
    "InvalidResponseError",
    "JobCancelledError",
    "JobError",
    "JobFailedError",
    "JobTimeoutError",
    "ListChangedError",
    "MissingParameterError",
    "RequestTimeout",
    "ServerError",
    "ThrottledError",
    "TransportError",
    "UnknownCommandError",
    "abandoned_job",
    "error_for_status",
    "mark_abandoned_job",
    "redact",
]

#: Parameter names whose values are secrets wherever they appear (case-insensitive).
SECRET_PARAMS = frozenset(
    {"apikey", "signature", "secretkey", "secret", "password", "sessionkey", "api_secret", "api_key"}
)
REDACTED = "***"


class CloudStackClientException(Exception):
    """Anything this package raises about a CloudStack call (CloudStackAIO's base name)."""

    def __init__(
        self,
        message: str,
        error_code: int | None = None,
        error_text: str | None = None,
        response: Any = None,
        *,
        status: int | None = None,
        cserrorcode: int | None = None,
        command: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.error_text = error_text
        self.response = response
        self.status = status
        self.cserrorcode = cserrorcode
        self.command = command

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigError(CloudStackClientException):
    """No configuration was found, or a file, section or key is broken."""


class CommandError(CloudStackClientException):
    """The call was refused before sending, after checking it against a live spec."""


class UnknownCommandError(CommandError):
    """The server has no command of that name; ``suggestions`` holds close names."""

    def __init__(self, message: str, *, suggestions: list[str] | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.suggestions = list(suggestions or [])


class MissingParameterError(CommandError):
    """A required parameter of the command is missing; ``missing`` names them."""

    def __init__(self, message: str, *, missing: list[str] | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.missing = list(missing or [])


class APIError(CloudStackClientException):
    """The server answered with a CloudStack error body (``errorcode``, ``errortext``)."""


class AuthenticationError(APIError):
    """401: unknown key, bad signature, expired request, or no permission for the command."""


class BadRequestError(APIError):
    """430 / 431 / 432: a malformed or invalid parameter, or an unsupported action."""


class ThrottledError(APIError):
    """429: the API rate limit was hit. ``retry_after`` holds the server's hint in seconds."""

    retry_after: float | None = None


class ServerError(APIError):
    """5xx / 53x: the server failed, or refused for lack of capacity, resources or rights."""


class JobError(CloudStackClientException):
    """An async job did not bring a result. ``jobid`` names it."""

    def __init__(self, message: str, *, jobid: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.jobid = jobid


class JobFailedError(JobError):
    """The job ended with jobstatus 2; ``error_code``/``error_text`` come from its jobresult."""


class JobCancelledError(JobError):
    """The job ended with jobstatus 3: it was cancelled on the server."""


class JobTimeoutError(JobError):
    """Waiting gave up after the job timeout; the job may still be running server-side."""


class ListChangedError(CloudStackClientException):
    """The pages of a list could not be merged into one exact list (rows went missing)."""


class TransportError(CloudStackClientException):
    """No usable HTTP answer came back."""


class ConnectError(TransportError):
    """The endpoint could not be reached: DNS, refused connection, TLS failure."""


class RequestTimeout(TransportError):
    """No answer in time. For a state-changing command the outcome is unknown."""


class InvalidResponseError(TransportError):
    """The answer was not CloudStack JSON (for example a proxy's HTML error page)."""


def mark_abandoned_job(cancelled: asyncio.CancelledError, jobid: str, command: str | None) -> None:
    """Record on ``cancelled`` that waiting for ``jobid`` stopped while the job keeps running.

    The CancelledError itself is re-raised unchanged in type: a subclass would break
    ``asyncio.timeout`` and ``TaskGroup`` on Python 3.11, which compare the exact class.
    """
    cancelled.cloudstack_job = (command, jobid)  # type: ignore[attr-defined]
    cancelled.add_note(
        f"stopped waiting for {command or 'job'} {jobid}; it keeps running on the server "
        f"(check with queryAsyncJobResult jobid={jobid})"
    )


def abandoned_job(exc: BaseException) -> tuple[str | None, str] | None:
    """``(command, jobid)`` of the job whose wait ``exc`` cancelled, or None."""
    job = getattr(exc, "cloudstack_job", None)
    return job if isinstance(job, tuple) else None


_STATUS_CLASSES: dict[int, type[APIError]] = {
    401: AuthenticationError,
    411: AuthenticationError,
    429: ThrottledError,
    430: BadRequestError,
    431: BadRequestError,
    432: BadRequestError,
}


def error_for_status(status: int) -> type[APIError]:
    """The exception class for a CloudStack error code / HTTP status."""
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if status >= 500:
        return ServerError
    if 400 <= status < 500:
        return BadRequestError
    return APIError


_SECRET_IN_TEXT = re.compile(
    r"(?i)\b(" + "|".join(sorted(SECRET_PARAMS, key=len, reverse=True)) + r")=([^&\s]*)"
)


def redact(value: Any) -> Any:
    """A copy of ``value`` with secrets masked.

    Strings (URLs, query strings, messages) get ``name=***`` for every secret parameter;
    mappings get their secret keys' values replaced (recursively).
    """
    if isinstance(value, str):
        return _SECRET_IN_TEXT.sub(lambda m: f"{m.group(1)}={REDACTED}", value)
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if str(k).lower() in SECRET_PARAMS else redact(v)) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact(v) for v in value)
    return value
