"""Reading one HTTP answer: CloudStack JSON, a CloudStack error, or something else.

Pure: no I/O and no aiohttp. The transport hands over the status, headers and body bytes of
an answer (from aiohttp, or from a test's handler) and gets back the decoded body or one
exception of the tree, its message built here, once, with credentials masked.

An answer that is not CloudStack's own (a proxy's HTML 504, an empty 502, a redirect) says
nothing about whether a state-changing command ran; such errors carry ``outcome_unknown`` and a
message that says how to check (:func:`how_to_check`) before sending the command again.
"""

from __future__ import annotations

import email.utils
import gc
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from ..spec._spec import Api
from .._errors import (
    CloudStackClientException,
    InvalidResponseError,
    ThrottledError,
    error_for_status,
    readable,
    redact,
)

__all__ = ["Answer", "Call", "Masker", "Reply", "how_to_check", "read_answer", "unwrap"]

#: Statuses worth a second try for a read-only command.
RETRY_STATUSES = frozenset({429, *range(500, 531)}) - {501, 505}
#: CloudStack verbs whose object can be looked up with ``list<Object>s`` afterwards.
_VERB = re.compile(r"^([a-z]+)([A-Z]\w*)$")


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: what a transport handler returns (see ``Transport``'s ``handler``).

    ``body`` may be bytes, text, or a JSON-able value (a dict or list: sent as JSON with
    ``Content-Type: application/json`` unless ``headers`` says otherwise).
    """

    status: int = 200
    body: Any = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    def raw(self) -> tuple[Mapping[str, str], bytes]:
        """The headers and body bytes, as they would arrive over HTTP."""
        headers = {str(k): str(v) for k, v in self.headers.items()}
        if isinstance(self.body, bytes):
            return headers, self.body
        if isinstance(self.body, str):
            return headers, self.body.encode("utf-8")
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        return headers, json.dumps(self.body).encode("utf-8")


@dataclass(frozen=True)
class Masker:
    """Masks credentials by meaning, and one client's key and secret as whole tokens.

    Every message built from what the server sent goes through it, so no text it echoes
    (its error text, a proxy's page, a redirect's location) carries a credential into an
    exception. Its repr names no secret."""

    secrets: tuple[str, ...] = ()

    def __call__(self, text: str) -> str:
        return str(redact(text, self.secrets))

    def value(self, value: Any) -> Any:
        """A decoded body (or any value) with credentials masked."""
        return redact(value, self.secrets)

    def __repr__(self) -> str:
        return f"Masker({len(self.secrets)} secrets)"


@dataclass(frozen=True)
class Call:
    """What an answer is read for: the command, whether it changes state, its parameters (for
    the "how to check" advice), where it went, and how to mask."""

    command: str
    read_only: bool
    params: Mapping[str, str]
    shown: str
    mask: Masker

    def __repr__(self) -> str:  # a traceback local (%xmode Verbose): the signed params, masked
        return f"Call({self.command!r}, read_only={self.read_only}, params={self.mask.value(dict(self.params))!r})"

    def unknown_outcome(self) -> str:
        """``""`` for a read-only command, else the sentence saying the outcome is unknown."""
        if self.read_only:
            return ""
        return f"; the command may or may not have run on the server: {how_to_check(self.command, self.params)}"


def how_to_check(command: str, params: Mapping[str, str]) -> str:
    """Advice for a state-changing call whose outcome is unknown: where to look before resending.

    Names the list command of the object (``deployVirtualMachine`` → ``listVirtualMachines``) with
    a filter it really takes (``name=``, else ``keyword=``, or ``id=``) when the call gave one.

    >>> how_to_check("deployVirtualMachine", {"name": "web-1"})
    'check with listAsyncJobs or listVirtualMachines name=web-1 before sending it again'
    """
    listing = _list_api_for(command)
    if listing is None:
        return "check with listAsyncJobs or the matching list command before sending it again"
    given = {k.lower(): v for k, v in params.items() if v}
    taken = {p.name.lower() for p in listing.params}
    where = ""
    for field_name in ("name", "displayname", "id"):
        value = given.get(field_name)
        if value is None:
            continue
        if field_name in taken:
            where = f" {field_name}={value}"
        elif field_name != "id" and "keyword" in taken:
            where = f" keyword={value}"
        if where:
            break
    return f"check with listAsyncJobs or {listing.name}{where} before sending it again"


def _list_api_for(command: str) -> Api | None:
    from ..spec._spec import packaged_spec

    match = _VERB.match(command)
    if not match:
        return None
    noun = match.group(2)
    spec = packaged_spec()
    for plural in (noun + "s", noun + "es", noun[:-1] + "ies", noun):
        api = spec.find("list" + plural)
        if api is not None:
            return api
    return None


@dataclass(frozen=True)
class Answer:
    """What one exchange brought back, as plain data. Its repr shows no byte of the body or
    headers: a proxy's page may echo the signed URL, and this object is a traceback local."""

    status: int
    headers: Mapping[str, str]
    raw: bytes

    def __repr__(self) -> str:
        return f"Answer(status={self.status}, {len(self.raw)} bytes)"


@dataclass(frozen=True)
class _Decoded:
    body: Any

    def __repr__(self) -> str:
        return "_Decoded(...)"


def read_answer(answer: Answer, call: Call) -> Any:
    """The decoded JSON body of a CloudStack answer; an exception of the tree for anything else.

    The error is raised here, from a frame whose locals all mask (the body is read in a frame
    that has returned), so a verbose traceback shows nothing the server echoed."""
    outcome = _read(answer, call)
    if isinstance(outcome, CloudStackClientException):
        raise outcome
    return outcome.body


def _read(answer: Answer, call: Call) -> _Decoded | CloudStackClientException:
    try:
        body = _parse_json(answer.raw) if answer.raw and not answer.raw.isspace() else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        if answer.status == 429:
            return _throttled(call, answer, "API rate limit exceeded", None, None, None)
        return _not_cloudstack(call, answer)
    inner = unwrap(body)
    is_error = isinstance(inner, dict) and "errorcode" in inner and "errortext" in inner
    if answer.status >= 400 or is_error:
        return _api_error(call, answer, inner if isinstance(inner, dict) else {}, body)
    return _Decoded(body)


def _not_cloudstack(call: Call, answer: Answer) -> InvalidResponseError:
    status, headers = answer.status, answer.headers
    content_type = _header(headers, "Content-Type")
    sample = _one_line(answer.raw[:120].decode("utf-8", "replace"))
    what = f"answered HTTP {status} with {content_type or 'no content type'}, not CloudStack JSON"
    location = _header(headers, "Location")
    if 300 <= status < 400:
        what = f"answered HTTP {status}, a redirect" + (f" to {location}" if location else "")
        what += " (not followed for a state-changing command; point the endpoint at the target)"
    elif sample:
        what += f": {sample!r}"
    else:
        what += " (empty body)"
    return InvalidResponseError(
        call.mask(f"{call.command}: {call.shown} {what}{call.unknown_outcome()}"),
        status=status, command=call.command, retryable=status in RETRY_STATUSES,
        outcome_unknown=not call.read_only)


_decode = msgspec.json.Decoder().decode


def _parse_json(raw: bytes) -> Any:
    """The JSON body, parsed by msgspec, with the cyclic garbage collector paused.

    Parsing is most of a listing's CPU, and the event loop parses one page while the others
    travel: msgspec does it in about half json's time (a 500-VM page: 4.9 ms against 8.8 ms),
    which is what lets the pages of a long listing arrive back to back. It reads every value
    exactly as ``json`` does (integers of any size stay exact: orjson turns those beyond 64
    bits into floats) and refuses the rest, which goes to ``json``: NaN, ``1e400``, lone
    surrogates, a byte-order mark, UTF-16. So no answer reads differently.

    A 500-row page is ~100,000 new containers; each allocation burst triggers collections that
    walk every row read so far, and parsed JSON holds no reference cycles, so pausing the
    collector for the parse defers nothing it could free.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        try:
            return _decode(raw)
        except msgspec.DecodeError:
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


def _api_error(call: Call, answer: Answer, inner: dict[str, Any], body: Any) -> CloudStackClientException:
    status = answer.status
    code = _int(inner.get("errorcode")) or status
    text = call.mask(readable(inner.get("errortext") or "")) or f"HTTP {status}"
    body = call.mask.value(body)
    cserrorcode = _int(inner.get("cserrorcode"))
    if code == 429 or status == 429:
        return _throttled(call, answer, text, code, cserrorcode, body)
    detail = f"error {code}" + (f", cserrorcode {cserrorcode}" if cserrorcode else "")
    hint = ""
    if code == 401:
        hint = ": check the API key and secret, the command name's spelling and case, and the clock"
    return error_for_status(code)(
        call.mask(f"{call.command}: {text} ({detail}){hint}"), code, text, body,
        status=status, cserrorcode=cserrorcode, command=call.command, retryable=status in RETRY_STATUSES)


def _throttled(call: Call, answer: Answer, text: str, code: int | None, cserrorcode: int | None,
               body: Any) -> ThrottledError:
    status = answer.status
    retry_after = _retry_after(_header(answer.headers, "Retry-After"))
    wait = f"; retry after {retry_after:g} s" if retry_after is not None else ""
    return ThrottledError(call.mask(f"{call.command}: {text} (error {code or status}){wait}"), code or status,
                          text, body, status=status, cserrorcode=cserrorcode, command=call.command,
                          retryable=True, retry_after=retry_after)


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), "")
    return str(value)


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
