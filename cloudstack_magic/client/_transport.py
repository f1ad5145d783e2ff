"""The HTTP edge, and the only module that uses aiohttp.

It owns the one ``aiohttp.ClientSession`` per client (created lazily on the loop the client is
first used on), GET or POST, timeouts, TLS, safe retries and the mapping of every aiohttp and
timeout failure onto the exception tree of ``_errors`` (answers are read by ``_answers``).
Nothing above this module sees an aiohttp exception.

**The seam.** ``ClientOptions.handler`` replaces HTTP with a plain function or coroutine
(in the spirit of httpx's ``MockTransport``): it gets the :class:`PreparedRequest` and returns
a :class:`~._answers.Reply`, or raises ``TimeoutError`` (no answer in time),
``ConnectionRefusedError`` (nothing was sent) or ``ConnectionResetError`` (dropped after
sending). Everything above the HTTP exchange — retries, answer reading, masking, unknown
outcomes — runs the same either way, so tests of the client's logic need no HTTP mock.

Retry rule: only a *read-only* command is ever sent twice (see :func:`is_read_only`), and only
after a connection error, a dropped connection, HTTP 429 or a 5xx that is not one of
CloudStack's own answers (531–537 say "permission", "limit", "capacity"… and stay the same).
A state-changing command is sent once: redirects are not followed for it, and aiohttp's own
silent re-send of a GET on a dropped keep-alive connection is turned off.

**No leaks.** Errors are raised outside the ``except`` block that caught aiohttp's, so no
exception of the package chains (``__context__``) an aiohttp error whose text holds the signed
URL, and no frame of its traceback holds aiohttp's ``ClientResponse`` (whose repr does).
"""

from __future__ import annotations

import asyncio
import inspect
import random
import re
import ssl
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp.http_exceptions import HttpProcessingError
from yarl import URL

from .._errors import (
    CloudStackClientException,
    ConfigError,
    ConnectError,
    InvalidResponseError,
    RequestTimeout,
    TransportError,
    redact,
)
from ._answers import Answer, Call, Masker, Reply, read_answer, unwrap
from ._options import ClientOptions
from ._signing import query_string, signed_params

__all__ = ["Handler", "PreparedRequest", "Reply", "Transport", "build_request", "is_read_only",
           "show_endpoint", "unwrap"]

_READ_ONLY_PREFIXES = ("list", "get", "query")
#: ``get…`` commands that create something (an upload slot) and so must never be repeated.
_NOT_READ_ONLY = ("getuploadparams",)
_POST_PARAMS = ("userdata", "password")
_CONNECT_TIMEOUT = getattr(aiohttp, "ConnectionTimeoutError", ())
#: Longest status line and header field read from a server (aiohttp's default is 8190): large
#: enough that a refusal echoing a long value in a header is read as the refusal it is.
MAX_HEADER_BYTES = 256 * 1024
#: Redirects followed for a read-only command (never any for a state-changing one).
MAX_REDIRECTS = 5


def is_read_only(command: str) -> bool:
    """True when sending ``command`` twice is harmless: ``list*``, ``get*``, ``query*``,
    except the ``getUploadParams*`` family, which registers an upload on the server."""
    name = command.lower()
    return name.startswith(_READ_ONLY_PREFIXES) and not name.startswith(_NOT_READ_ONLY)


def show_endpoint(endpoint: str) -> str:
    """The endpoint as messages show it: no user:password, query or fragment."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@dataclass(frozen=True)
class PreparedRequest:
    """A signed request, ready to send: ``method``, ``url`` (with the query for GET), the
    signed ``params`` and the form ``body`` for POST. Its repr hides the key and signature."""

    method: str
    url: str
    params: dict[str, str]
    body: str | None = None

    def __repr__(self) -> str:
        return (f"PreparedRequest(method={self.method!r}, url={redact(self.url)!r}, "
                f"params={redact(self.params)!r}, body={redact(self.body)!r})")


def build_request(endpoint: str, params: dict[str, str], api_key: str, secret: str,
                  options: ClientOptions) -> PreparedRequest:
    """Sign ``params`` and choose GET or POST (POST for long queries, userdata or passwords)."""
    signed = signed_params(params, api_key, secret, signature_version=options.signature_version,
                           expires_in=options.expires_in)
    query = query_string(signed)
    method = options.method
    if method == "auto":
        sensitive = any(word in name.lower() for name in params for word in _POST_PARAMS)
        method = "post" if sensitive or len(query) > options.post_threshold else "get"
    if method == "get":
        return PreparedRequest("GET", f"{endpoint}?{query}", signed, None)
    return PreparedRequest("POST", endpoint, signed, query)


#: The seam: answers a prepared request instead of HTTP (plain function or coroutine).
Handler: TypeAlias = Callable[["PreparedRequest"], "Reply | Awaitable[Reply]"]


class Transport:
    """Sends prepared requests (over one keep-alive session, or to the ``handler`` option) and
    returns the decoded JSON body."""

    def __init__(self, endpoint: str, options: ClientOptions, secrets: tuple[str, ...] = ()) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"endpoint {show_endpoint(endpoint) or endpoint!r} must be an http(s) URL "
                              "such as https://cloud.example.com/client/api")
        if parts.query or parts.fragment:
            raise ConfigError(f"endpoint {show_endpoint(endpoint)!r} must not carry a query or fragment: "
                              "pass parameters to the call, where they are signed")
        self.endpoint = endpoint
        self.shown = show_endpoint(endpoint)
        self.options = options
        self._handler: Handler | None = options.handler
        self._ssl = _ssl_setting(options)
        self._mask = Masker(tuple(secret for secret in secrets if secret))
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<Transport {self.shown}{' (handler)' if self._handler else ''}>"

    @property
    def closed(self) -> bool:
        return self._closed

    def _session_here(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._closed:
            raise RuntimeError("this CloudStack client is closed; create a new one")
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise RuntimeError("this CloudStack client belongs to the event loop it was first used on; "
                               "create one CloudStack client per event loop")
        if self._session is None:
            from .._version import __version__

            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.options.timeout,
                                              connect=self.options.connect_timeout,
                                              sock_read=self.options.read_timeout),
                connector=aiohttp.TCPConnector(ssl=self._ssl),
                headers={"User-Agent": f"cloudstack-magic/{__version__}", **(self.options.headers or {})},
                max_line_size=MAX_HEADER_BYTES, max_field_size=MAX_HEADER_BYTES,
            )
            # aiohttp silently re-sends a GET once when a reused keep-alive connection drops.
            # CloudStack sends state-changing commands by GET too, so only our rule may retry.
            if hasattr(self._session, "_retry_connection"):
                self._session._retry_connection = False
        return self._session

    async def close(self) -> None:
        """Close the session (idempotent). A closed transport refuses further requests."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def send(self, request: PreparedRequest, *, command: str, read_only: bool | None = None,
                   slot: AbstractAsyncContextManager[Any] | None = None) -> Any:
        """Send ``request``, retrying only read-only commands; the decoded JSON body.

        ``slot`` (a listing's share of its in-flight bound) is held only while a request is on
        the wire: it is given back before the body is decoded and during a retry's back-off, so
        the next page goes out while this one is parsed."""
        if read_only is None:
            read_only = is_read_only(command)
        call = Call(command, read_only, request.params, self.shown, self._mask)
        attempts = self.options.retries + 1 if read_only else 1
        for attempt in range(1, attempts + 1):
            try:
                return await self._send_once(request, call, slot or nullcontext())
            except CloudStackClientException as exc:
                delay = self._retry_delay(exc, attempt) if attempt < attempts else None
                if delay is None:
                    exc.attempts = attempt
                    raise
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry_delay(self, exc: CloudStackClientException, attempt: int) -> float | None:
        if not exc.retryable:
            return None
        retry_after = exc.retry_after
        if retry_after is not None:
            return retry_after if retry_after <= self.options.retry_after_max else None
        ceiling = min(self.options.retry_backoff_max, self.options.retry_backoff * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # "equal jitter": spread, but never zero

    async def _send_once(self, request: PreparedRequest, call: Call, slot: AbstractAsyncContextManager[Any]) -> Any:
        """One exchange, read. The error is raised *after* the ``except`` block, so it chains
        nothing of aiohttp's (whose messages and reprs carry the signed URL)."""
        error: CloudStackClientException | None = None
        try:
            async with slot:
                if self._handler is not None:
                    answer = await self._ask_handler(request)
                else:
                    answer = await self._exchange(request, call.read_only)
        except CloudStackClientException as exc:
            error = exc
        except BaseException as exc:  # noqa: BLE001 -- mapped below or re-raised as is
            error = self._failure(exc, call)
            if error is None:
                raise
        if error is not None:
            raise error
        return read_answer(answer, call)

    async def _ask_handler(self, request: PreparedRequest) -> Answer:
        self._check_open()
        assert self._handler is not None
        result = self._handler(request)
        reply = await result if inspect.isawaitable(result) else result
        if not isinstance(reply, Reply):
            raise TypeError(f"a transport handler must return a Reply, not {type(reply).__name__}")
        headers, raw = reply.raw()
        return Answer(reply.status, headers, raw)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this CloudStack client is closed; create a new one")

    async def _exchange(self, request: PreparedRequest, read_only: bool) -> Answer:
        """The HTTP exchange itself: the only frame that holds aiohttp's response object."""
        session = self._session_here()
        if request.method == "GET":
            response_cm = session.get(URL(request.url, encoded=True), allow_redirects=read_only,
                                      max_redirects=MAX_REDIRECTS)
        else:
            response_cm = session.post(request.url, data=(request.body or "").encode("ascii"),
                                       headers={"Content-Type": "application/x-www-form-urlencoded"},
                                       allow_redirects=read_only, max_redirects=MAX_REDIRECTS)
        async with response_cm as response:
            raw = await response.read()
            return Answer(response.status, dict(response.headers), raw)

    def _failure(self, exc: BaseException, call: Call) -> CloudStackClientException | None:
        """The package's error for a failed exchange, or None to let ``exc`` through as is
        (cancellation, programming errors)."""
        command, read_only = call.command, call.read_only
        if isinstance(exc, _CONNECT_TIMEOUT):
            return self._connect_error(command, f"timed out connecting after {self.options.connect_timeout:g} s")
        if isinstance(exc, aiohttp.ClientSSLError):
            return self._connect_error(command, f"TLS failed ({_one_line(exc)}); for a private CA pass "
                                       "verify='/path/to/ca.pem'", retryable=False)
        if isinstance(exc, aiohttp.ClientConnectorError):
            return self._connect_error(command, _one_line(exc.os_error.strerror or exc))
        if isinstance(exc, aiohttp.ServerTimeoutError | TimeoutError):
            return self._timeout(call)
        if isinstance(exc, aiohttp.TooManyRedirects):
            return InvalidResponseError(
                self._mask(f"{command}: {self.shown} redirected more than {MAX_REDIRECTS} times (a redirect "
                           "loop, often http:// vs https:// or a login page): check the endpoint URL"),
                command=command, status=exc.status or None)
        if isinstance(exc, aiohttp.ClientResponseError) and isinstance(exc.__cause__, HttpProcessingError):
            return InvalidResponseError(
                self._mask(f"{command}: {self.shown} sent an answer that cannot be read "
                           f"({_one_line(exc.__cause__.message)[:80]}){call.unknown_outcome()}"),
                command=command, outcome_unknown=not read_only)
        if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError | aiohttp.ClientPayloadError
                      | aiohttp.ClientResponseError | ConnectionResetError | BrokenPipeError):
            return self._dropped(call, exc)
        if isinstance(exc, aiohttp.ClientError):
            return TransportError(self._mask(f"{command}: request to {self.shown} failed: {_one_line(exc)}"),
                                  command=command)
        if isinstance(exc, ssl.SSLError | OSError):
            return self._connect_error(command, _one_line(exc))
        return None

    def _connect_error(self, command: str, reason: str, *, retryable: bool = True) -> ConnectError:
        return ConnectError(self._mask(f"{command}: cannot connect to {self.shown}: {reason} (nothing was sent)"),
                            command=command, retryable=retryable)

    def _timeout(self, call: Call) -> RequestTimeout:
        limit = f"{self.options.timeout:g} s"
        if call.read_only:
            return RequestTimeout(f"{call.command}: no answer from {self.shown} within {limit}; raise timeout= "
                                  "or narrow the query", command=call.command)
        return RequestTimeout(self._mask(f"{call.command}: no answer from {self.shown} within {limit}"
                                         f"{call.unknown_outcome()}"),
                              command=call.command, outcome_unknown=True)

    def _dropped(self, call: Call, exc: BaseException) -> TransportError:
        what = f"{call.command}: the connection to {self.shown} broke before a full answer ({_one_line(exc)})"
        return TransportError(self._mask(what + call.unknown_outcome()), command=call.command, retryable=True,
                              outcome_unknown=not call.read_only)


def _one_line(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip()


def _ssl_setting(options: ClientOptions) -> ssl.SSLContext | bool:
    if not options.cert and isinstance(options.verify, bool):
        return options.verify
    try:
        context = ssl.create_default_context(cafile=options.verify if isinstance(options.verify, str) else None)
        if options.verify is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if options.cert:
            context.load_cert_chain(options.cert, options.cert_key)
    except (OSError, ssl.SSLError) as exc:
        which = "cert/cert_key" if options.cert and not isinstance(options.verify, str) else "verify/cert"
        raise ConfigError(f"cannot load the TLS files given as {which}: {_one_line(exc)}") from None
    return context
