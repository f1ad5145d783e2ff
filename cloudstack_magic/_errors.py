"""The one exception tree of cloudstack-magic.

::

    CloudStackClientException           anything this package raises about a CloudStack call
    ├── ConfigError                     no or broken configuration (names file, section, key)
    ├── CommandError                    refused before sending: checked against the spec
    │   ├── UnknownCommandError         the server has no such command ("did you mean …")
    │   ├── MissingParameterError       a required parameter is missing
    │   └── InvalidParameterError       an unknown parameter, or a value of the wrong type
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

The contract every layer relies on:

* Every field is declared on :class:`CloudStackClientException` with its default, so any
  exception of the tree can be read the same way (``exc.status``, ``exc.retryable`` …) and
  nothing is attached after the fact with ``setattr``.
* The one-line message is built once, where the exception is raised: ``str(exc)`` is
  ``exc.message`` is ``exc.args[0]``, and it never changes afterwards. The only addition
  ``str(exc)`` makes is the retry count the transport records in ``attempts``
  ("… (gave up after 4 attempts)").
* Layers above add context through fields, never by rewording: ``region`` (the magics' region
  of a fan-out) and ``hint`` (what to do, in the words of the layer that knows: e.g. "use
  --columns" for CloudMonkey's ``filter``). Whoever shows the error renders those fields.
* ``outcome_unknown`` is True when a state-changing call may or may not have run (timeout,
  dropped connection, an answer that is not CloudStack's); the message then says how to check.
* Messages, fields and reprs never hold a secret: build them with :func:`redact` (from
  ``_masking``, re-exported here), which masks credentials by meaning.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._masking import REDACTED, SECRET_HEADERS, SECRET_PARAMS, redact

if TYPE_CHECKING:  # only named in a signature: importing asyncio costs ~35 ms at %load_ext
    import asyncio

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CloudStackClientException",
    "CommandError",
    "ConfigError",
    "ConnectError",
    "InvalidParameterError",
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
    "readable",
    "redact",
]
__all__ += ["REDACTED", "SECRET_HEADERS", "SECRET_PARAMS"]  # re-exported from _masking



#: A word longer than this in a server's text is shortened in messages (the field keeps it whole).
LONGEST_WORD = 80


def readable(text: object) -> str:
    """A server's text as one readable line: whitespace folded, and a very long word — a server
    echoing a 100,000-character value back — cut to its start and its length."""
    words = str(text).split()
    return " ".join(
        word if len(word) <= LONGEST_WORD else f"{word[:40]}… ({len(word):,} characters)" for word in words
    )


class CloudStackClientException(Exception):
    """Anything this package raises about a CloudStack call (CloudStackAIO's base name).

    The positional arguments are CloudStackAIO's (``message``, ``error_code``, ``error_text``,
    ``response``); every other field is keyword-only. All fields are declared here.
    """

    #: The one-line message, built where the exception is raised.
    message: str = ""
    #: The CloudStack command the call was for.
    command: str | None = None
    #: The HTTP status of the answer, when there was one.
    status: int | None = None
    #: CloudStack's ``cserrorcode`` (the Java exception's code), when the server sent one.
    cserrorcode: int | None = None
    #: CloudStack's ``errorcode`` (or the HTTP status), CloudStackAIO's name.
    error_code: int | None = None
    #: CloudStack's ``errortext``, CloudStackAIO's name.
    error_text: str | None = None
    #: The decoded answer body, secrets masked.
    response: Any = None
    #: True when sending the same read-only request again may succeed.
    retryable: bool = False
    #: The server's Retry-After in seconds, when it sent one.
    retry_after: float | None = None
    #: The async job this error is about, when there is one.
    jobid: str | None = None
    #: True when a state-changing call may or may not have run on the server.
    outcome_unknown: bool = False
    #: How many times the request was sent (the transport sets it when it retried).
    attempts: int = 1
    #: Context set by the layer above: the region the call went to.
    region: str | None = None
    #: Context set by the layer above: what to do about it, shown after the message.
    hint: str | None = None

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
        retryable: bool = False,
        retry_after: float | None = None,
        jobid: str | None = None,
        outcome_unknown: bool = False,
        hint: str | None = None,
        region: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.error_text = error_text
        self.response = response
        self.status = status
        self.cserrorcode = cserrorcode
        self.command = command
        self.retryable = retryable
        self.retry_after = retry_after
        self.jobid = jobid
        self.outcome_unknown = outcome_unknown
        self.hint = hint
        self.region = region

    def __str__(self) -> str:
        if self.attempts > 1:
            return f"{self.message} (gave up after {self.attempts} attempts)"
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ConfigError(CloudStackClientException):
    """No configuration was found, or a file, section or key is broken."""


class CommandError(CloudStackClientException):
    """The call was refused before sending, after checking it against the spec."""

    #: Close real names (commands or parameters) for a "did you mean" hint, best first
    #: (a list, as before; every instance gets its own).
    suggestions: list[str]

    def __init__(self, message: str, *args: Any, suggestions: Iterable[str] = (), **kw: Any) -> None:
        super().__init__(message, *args, **kw)
        self.suggestions = list(suggestions)


class UnknownCommandError(CommandError):
    """The server has no command of that name; ``suggestions`` holds close names."""


class MissingParameterError(CommandError):
    """A required parameter of the command is missing; ``missing`` names them."""

    missing: list[str]

    def __init__(self, message: str, *args: Any, missing: Iterable[str] = (), **kw: Any) -> None:
        super().__init__(message, *args, **kw)
        self.missing = list(missing)


class InvalidParameterError(CommandError):
    """A parameter the command does not take (``suggestions``: the closest real ones), or a
    value that is not of the parameter's type (``expected``: that type, as the spec names it).
    ``parameter`` names the parameter either way."""

    parameter: str | None = None
    expected: str | None = None

    def __init__(self, message: str, *args: Any, parameter: str | None = None,
                 expected: str | None = None, **kw: Any) -> None:
        super().__init__(message, *args, **kw)
        self.parameter = parameter
        self.expected = expected


class APIError(CloudStackClientException):
    """The server answered with a CloudStack error body (``errorcode``, ``errortext``)."""


class AuthenticationError(APIError):
    """401: unknown key, bad signature, expired request, or no permission for the command."""


class BadRequestError(APIError):
    """430 / 431 / 432: a malformed or invalid parameter, or an unsupported action."""


class ThrottledError(APIError):
    """429: the API rate limit was hit. ``retry_after`` holds the server's hint in seconds."""


class ServerError(APIError):
    """5xx / 53x: the server failed, or refused for lack of capacity, resources or rights."""


class JobError(CloudStackClientException):
    """An async job did not bring a result. ``jobid`` names it."""


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
    setattr(cancelled, _JOB_ATTRIBUTE, (command, jobid))
    cancelled.add_note(
        f"stopped waiting for {command or 'job'} {jobid}; it keeps running on the server "
        f"(check with queryAsyncJobResult jobid={jobid})"
    )


_JOB_ATTRIBUTE = "cloudstack_job"
#: How far down a chain of causes/contexts :func:`abandoned_job` looks (chains are short).
_CHAIN_LIMIT = 16


def abandoned_job(exc: BaseException) -> tuple[str | None, str] | None:
    """``(command, jobid)`` of the job whose wait ``exc`` cancelled, or None.

    ``exc`` may be the ``CancelledError`` itself, or what it turned into on the way up:
    ``asyncio.timeout`` and ``wait_for`` raise a ``TimeoutError`` that chains the cancellation
    as ``__cause__`` or only as ``__context__`` depending on the Python version; both are read.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending and len(seen) < _CHAIN_LIMIT:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        job = getattr(current, _JOB_ATTRIBUTE, None)
        if isinstance(job, tuple):
            return job
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return None


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
