"""Server-side request checks, written from CloudStack's ``ApiServer.verifyRequest``.

This module deliberately shares no code with the client's signing: if both were written from
the same misunderstanding, a test of one against the other would pass and prove nothing. It
models the Java server: names sorted case-sensitively as received, values encoded with
``java.net.URLEncoder`` (``~`` becomes ``%7E``), the whole string lower-cased, HMAC-SHA1,
base64, compared in constant time; ``signatureVersion=3`` needs an unexpired ``expires``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone

__all__ = [
    "canonical_string",
    "check_expiry",
    "compute_signature",
    "java_urlencode",
    "parse_expires",
    "signature_matches",
]

# java.net.URLEncoder leaves exactly these unencoded (and turns space into "+").
_JAVA_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-*_")


def java_urlencode(value: str) -> str:
    """``URLEncoder.encode(value, UTF-8).replaceAll("\\+", "%20")``, byte by byte."""
    return "".join(
        chr(b) if b in _JAVA_SAFE else "%20" if b == 0x20 else f"%{b:02X}"
        for b in value.encode("utf-8")
    )


def canonical_string(params: Mapping[str, str]) -> str:
    """The string the server signs: every parameter but ``signature`` (any case), names as
    received in case-sensitive order, values Java-encoded, lower-cased."""
    parts = [
        f"{name}={java_urlencode(params[name])}"
        for name in sorted(params)
        if name.lower() != "signature"
    ]
    return "&".join(parts).lower()


def compute_signature(params: Mapping[str, str], secret_key: str) -> str:
    digest = hmac.new(
        secret_key.encode("utf-8"), canonical_string(params).encode("utf-8"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(params: Mapping[str, str], secret_key: str) -> bool:
    signature = next((v for k, v in params.items() if k.lower() == "signature"), None)
    if signature is None:
        return False
    expected = compute_signature(params, secret_key)
    return hmac.compare_digest(signature.encode("utf-8"), expected.encode("utf-8"))


# DateUtil.parseTZDateString: ISO offset date-times ("Z", "+01:00"), "+0000" offsets, optional
# fractions (ISO_INSTANT / micro-second patterns) and the legacy "…ss'Z'Z" ("…00Z+0000").
_EXPIRES = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:(Z)|([+-])(\d{2}):?(\d{2})|Z([+-])(\d{2})(\d{2}))"
)


def parse_expires(text: str) -> datetime | None:
    """The instant ``text`` names, or None when the server could not parse it."""
    match = _EXPIRES.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()[:7]
    zulu, sign, off_h, off_m, legacy_sign, legacy_h, legacy_m = match.groups()[7:]
    if legacy_sign:
        sign, off_h, off_m = legacy_sign, legacy_h, legacy_m
    offset = timedelta(0)
    if not zulu and sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        if sign == "-":
            offset = -offset
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            int((fraction or "0")[:6].ljust(6, "0")), tzinfo=timezone(offset),
        )
    except ValueError:  # e.g. month 13: Java's strict parser refuses it too
        return None
    return moment


def check_expiry(params: Mapping[str, str], now: Callable[[], datetime]) -> str | None:
    """Why a ``signatureVersion=3`` request is refused (for the log), or None if it passes.

    Versions other than exactly ``"3"`` ignore ``expires``, as the server does by default
    (``enforce.post.requests.and.timestamps`` off)."""
    lowered = {k.lower(): v for k, v in reversed(list(params.items()))}
    if lowered.get("signatureversion") != "3":
        return None
    expires = lowered.get("expires")
    if expires is None:
        return "Missing Expires parameter"
    moment = parse_expires(expires)
    if moment is None:
        return f"Incorrect date format for Expires parameter: {expires}"
    if moment < now():
        return "Request expired"
    return None
