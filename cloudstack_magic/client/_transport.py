"""The HTTP edge, and the only module that uses aiohttp.

It owns the one ``aiohttp.ClientSession`` per client (created lazily on the loop the client is
first used on), GET or POST, timeouts, TLS, safe retries and the mapping of every aiohttp,
timeout and JSON failure onto the exception tree of ``_errors``. Nothing above this module sees
an aiohttp exception.

Retry rule: only a *read-only* command is ever sent twice (see :func:`is_read_only`), and only
after a connection error, a dropped connection, HTTP 429 or a 5xx that is not one of
CloudStack's own answers (531–537 say "permission", "limit", "capacity"… and stay the same).
"""

from __future__ import annotations

import asyncio
import email.utils
import gc
import json
import random
import re
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from yarl import URL

from .._errors import (
    CloudStackClientException,
    ConfigError,
    ConnectError,
    InvalidResponseError,
    RequestTimeout,
    ThrottledError,
    TransportError,
    error_for_status,
    redact,
)
from ._options import ClientOptions
from ._signing import query_string, signed_params

__all__ = ["PreparedRequest", "Transport", "build_request", "is_read_only", "show_endpoint"]

_READ_ONLY_PREFIXES = ("list", "get", "query")
#: ``get…`` commands that create something (an upload slot) and so must never be repeated.
_NOT_READ_ONLY = ("getuploadparams",)
_POST_PARAMS = ("userdata", "password")
#: Statuses worth a second try for a read-only command.
_RETRY_STATUSES = frozenset({429, *range(500, 531)}) - {501, 505}
_CONNECT_TIMEOUT = getattr(aiohttp, "ConnectionTimeoutError", ())


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


@dataclass(frozen=True)
class Masker:
    """Masks credentials by meaning, and this client's key and secret as whole tokens.

    Every message the transport builds goes through it, so no text the server echoes (its
    error text, a proxy's page) carries a credential into an exception."""

    secrets: tuple[str, ...] = ()

    def __call__(self, text: str) -> str:
        return str(redact(text, self.secrets))

    def value(self, value: Any) -> Any:
        """A decoded body (or any value) with credentials masked."""
        return redact(value, self.secrets)

    def __repr__(self) -> str:
        return f"Masker({len(self.secrets)} secrets)"


class Transport:
    """Sends prepared requests over one keep-alive session and returns the decoded JSON body."""

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
        self._ssl = _ssl_setting(options)
        self._mask = Masker(tuple(secret for secret in secrets if secret))
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

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

    async def send(self, request: PreparedRequest, *, command: str, read_only: bool | None = None) -> Any:
        """Send ``request``, retrying only read-only commands; the decoded JSON body."""
        if read_only is None:
            read_only = is_read_only(command)
        attempts = self.options.retries + 1 if read_only else 1
        for attempt in range(1, attempts + 1):
            try:
                return await self._send_once(request, command, read_only)
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

    async def _send_once(self, request: PreparedRequest, command: str, read_only: bool) -> Any:
        session = self._session_here()
        try:
            if request.method == "GET":
                response_cm = session.get(URL(request.url, encoded=True))
            else:
                response_cm = session.post(request.url, data=(request.body or "").encode("ascii"),
                                           headers={"Content-Type": "application/x-www-form-urlencoded"})
            async with response_cm as response:
                raw = await response.read()
                return self._decode(response.status, response.headers, raw, command)
        except CloudStackClientException:
            raise
        except _CONNECT_TIMEOUT as exc:
            raise self._connect_error(command, f"timed out connecting after {self.options.connect_timeout:g} s",
                                      exc) from None
        except aiohttp.ClientSSLError as exc:
            raise self._connect_error(command, f"TLS failed ({_one_line(exc)}); for a private CA pass "
                                      "verify='/path/to/ca.pem'", exc, retryable=False) from None
        except aiohttp.ClientConnectorError as exc:
            raise self._connect_error(command, _one_line(exc.os_error.strerror or exc), exc) from None
        except (aiohttp.ServerTimeoutError, TimeoutError):
            raise self._timeout(command, read_only) from None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, aiohttp.ClientPayloadError,
                aiohttp.ClientResponseError) as exc:
            raise self._dropped(command, read_only, exc) from None
        except aiohttp.ClientError as exc:
            raise TransportError(self._mask(f"{command}: request to {self.shown} failed: {_one_line(exc)}"),
                                 command=command) from None
        except (ssl.SSLError, OSError) as exc:
            raise self._connect_error(command, _one_line(exc), exc) from None

    def _connect_error(self, command: str, reason: str, exc: BaseException, *, retryable: bool = True) -> ConnectError:
        return ConnectError(f"{command}: cannot connect to {self.shown}: {self._mask(reason)} (nothing was sent)",
                            command=command, retryable=retryable)

    def _timeout(self, command: str, read_only: bool) -> RequestTimeout:
        limit = f"{self.options.timeout:g} s"
        if read_only:
            return RequestTimeout(f"{command}: no answer from {self.shown} within {limit}; raise timeout= "
                                  "or narrow the query", command=command)
        return RequestTimeout(f"{command}: no answer from {self.shown} within {limit}; the command may or may "
                              "not have run on the server: check with listAsyncJobs or the matching list "
                              "command before sending it again", command=command)

    def _dropped(self, command: str, read_only: bool, exc: BaseException) -> TransportError:
        what = f"{command}: the connection to {self.shown} broke before a full answer ({_one_line(exc)})"
        if not read_only:
            what += ("; the command may or may not have run on the server: check with listAsyncJobs or "
                     "the matching list command before sending it again")
        return TransportError(self._mask(what), command=command, retryable=True, outcome_unknown=not read_only)

    def _decode(self, status: int, headers: Any, raw: bytes, command: str) -> Any:
        content_type = headers.get("Content-Type", "")
        try:
            body = _parse_json(raw) if raw.strip() else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if status == 429:
                raise _throttled(command, status, headers, "API rate limit exceeded", None, None, None, self._mask)
            sample = _one_line(raw[:120].decode("utf-8", "replace"))
            error = InvalidResponseError(
                f"{command}: {self.shown} answered HTTP {status} with {content_type or 'no content type'}, "
                f"not CloudStack JSON" + (f": {self._mask(sample)!r}" if sample else " (empty body)"),
                status=status, command=command, retryable=status in _RETRY_STATUSES)
            raise error
        inner = unwrap(body)
        is_error = isinstance(inner, dict) and "errorcode" in inner and "errortext" in inner
        if status >= 400 or is_error:
            raise _api_error(command, status, headers, inner if isinstance(inner, dict) else {}, body, self._mask)
        return body


def _parse_json(raw: bytes) -> Any:
    """``json.loads`` with the cyclic garbage collector paused.

    A 500-row page is ~100,000 new containers; each allocation burst triggers collections that
    walk every row read so far, which made GC a third of a long listing's time. Parsed JSON holds
    no reference cycles, so pausing the collector for the parse defers nothing it could free.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return json.loads(raw)
    finally:
        if enabled:
            gc.enable()


def unwrap(body: Any) -> Any:
    """The reply without its ``<command>response`` wrapper (the body itself if it has none)."""
    if isinstance(body, dict) and len(body) == 1:
        (key, value), = body.items()
        if key.endswith("response"):
            return value
    return body


def _api_error(command: str, status: int, headers: Any, inner: dict[str, Any], body: Any,
               mask: Masker) -> CloudStackClientException:
    code = _int(inner.get("errorcode")) or status
    text = mask(_one_line(inner.get("errortext") or "")) or f"HTTP {status}"
    body = mask.value(body)
    cserrorcode = _int(inner.get("cserrorcode"))
    if code == 429 or status == 429:
        return _throttled(command, status, headers, text, code, cserrorcode, body, mask)
    detail = f"error {code}" + (f", cserrorcode {cserrorcode}" if cserrorcode else "")
    hint = ""
    if code == 401:
        hint = ": check the API key and secret, the command name's spelling and case, and the clock"
    error = error_for_status(code)(
        mask(f"{command}: {text} ({detail}){hint}"), code, text, body,
        status=status, cserrorcode=cserrorcode, command=command, retryable=status in _RETRY_STATUSES)
    return error


def _throttled(command: str, status: int, headers: Any, text: str, code: int | None,
               cserrorcode: int | None, body: Any, mask: Masker) -> ThrottledError:
    retry_after = _retry_after(headers.get("Retry-After"))
    wait = f"; retry after {retry_after:g} s" if retry_after is not None else ""
    error = ThrottledError(mask(f"{command}: {text} (error {code or status}){wait}"), code or status, text,
                           body, status=status, cserrorcode=cserrorcode, command=command,
                           retryable=True, retry_after=retry_after)
    return error


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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
