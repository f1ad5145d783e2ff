"""Request signing exactly as Apache CloudStack's ``ApiServer.verifyRequest`` checks it.

Pure functions, no I/O. The server takes every parameter except ``signature``, sorts the
names case-sensitively (Java ``String.compareTo``, UTF-16 code units) as they were sent, keeps
each name as is, encodes each value with ``java.net.URLEncoder`` (UTF-8) and replaces ``+`` by
``%20``, joins ``name=value`` pairs with ``&``, lower-cases the whole string, and compares the
base64 HMAC-SHA1 of it with the ``signature`` it received. Python's ``urllib.parse.quote``
keeps ``~`` while Java encodes it, which is why most clients fail on ``~``: the quoting here is
written to Java's rules, not borrowed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

__all__ = [
    "canonical_string",
    "expires_at",
    "java_urlencode",
    "query_string",
    "sign",
    "signed_params",
]

#: Bytes java.net.URLEncoder leaves alone (everything else becomes %XX, space becomes +).
_JAVA_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-*_")
_ENCODED = tuple(chr(b) if b in _JAVA_SAFE else f"%{b:02X}" for b in range(256))

#: The ``expires`` format the server parses (``yyyy-MM-dd'T'HH:mm:ssZ``).
EXPIRES_FORMAT = "%Y-%m-%dT%H:%M:%S+0000"


def java_urlencode(value: str) -> str:
    """``URLEncoder.encode(value, UTF_8).replaceAll("\\\\+", "%20")``.

    Unpaired surrogates become ``?`` (``%3F``), as Java's encoder replaces malformed input.
    """
    return "".join(_ENCODED[b] for b in value.encode("utf-8", "replace"))


def _java_order(name: str) -> bytes:
    # Java compares strings by UTF-16 code units; big-endian UTF-16 bytes sort the same way.
    return name.encode("utf-16-be", "surrogatepass")


def canonical_string(params: Mapping[str, str]) -> str:
    """The string the server signs: every parameter but ``signature``, sorted, lower-cased."""
    names = sorted((n for n in params if n.lower() != "signature"), key=_java_order)
    return "&".join(f"{name}={java_urlencode(params[name])}" for name in names).lower()


def sign(params: Mapping[str, str], secret: str) -> str:
    """The base64 HMAC-SHA1 signature of ``params`` with ``secret``."""
    digest = hmac.new(secret.encode("utf-8"), canonical_string(params).encode("utf-8"), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode("ascii")


def expires_at(seconds: float, now: datetime | None = None) -> str:
    """The ``expires`` value ``seconds`` from ``now`` (UTC), in the format the server parses."""
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc) + timedelta(seconds=seconds)
    return moment.strftime(EXPIRES_FORMAT)


def signed_params(
    params: Mapping[str, str],
    api_key: str,
    secret: str,
    *,
    signature_version: int | None = 3,
    expires_in: float = 600,
    now: datetime | None = None,
) -> dict[str, str]:
    """``params`` plus ``apiKey``, ``response=json``, (``signatureVersion``, ``expires``) and
    ``signature``: everything a request carries. Caller values for those names are replaced."""
    reserved = {"apikey", "response", "signature", "signatureversion", "expires"}
    out = {name: value for name, value in params.items() if name.lower() not in reserved}
    out["apiKey"] = api_key
    out["response"] = "json"
    if signature_version is not None:
        out["signatureVersion"] = str(signature_version)
        out["expires"] = expires_at(expires_in, now)
    out["signature"] = sign(out, secret)
    return out


def query_string(params: Mapping[str, str]) -> str:
    """``params`` as a query string / form body, every name and value percent-encoded.

    Names are encoded too (``tags[0].key`` → ``tags%5B0%5D.key``): the server decodes them
    before it signs, so the signature is unchanged, and no proxy sees a raw bracket.
    """
    return "&".join(f"{java_urlencode(name)}={java_urlencode(value)}" for name, value in params.items())
