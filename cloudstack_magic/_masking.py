"""Masking secrets by meaning: credential values where they stand, literal keys as whole tokens.

Used for every message, field and repr the package builds from something that may hold a
credential (a signed URL, a request body, a server's echo). Masking by substring was wrong
both ways: a short demo key "k" mangled "listVirtualMachines", and a signature echoed as JSON
(``"signature": "…"``) slipped through the ``name=value`` pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["REDACTED", "SECRET_HEADERS", "SECRET_PARAMS", "redact"]

#: Parameter names whose values are secrets wherever they appear (case-insensitive).
SECRET_PARAMS = frozenset(
    {"apikey", "signature", "secretkey", "secret", "password", "sessionkey", "api_secret", "api_key"}
)
#: HTTP header names whose values are credentials (a proxy's or gateway's).
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token"}
)
REDACTED = "***"


_NAMES = "|".join(sorted(SECRET_PARAMS, key=len, reverse=True))
_HEADERS = "|".join(re.escape(h) for h in sorted(SECRET_HEADERS, key=len, reverse=True))
#: ``apiKey=VALUE`` in a query string or form body (the name may be percent-encoded-free only).
_IN_QUERY = re.compile(rf"(?i)(?<![A-Za-z0-9_])({_NAMES})=([^&\s'\"<>]*)")
#: ``"apiKey": "VALUE"`` / ``'apiKey': 'VALUE'`` in JSON or a Python repr.
_IN_JSON = re.compile(rf"""(?i)(["'])({_NAMES})\1(\s*:\s*)(["'])(?:\\.|(?!\4).)*\4""")
#: ``Authorization: Bearer …`` as a header line.
_IN_HEADER = re.compile(rf"(?im)^(\s*(?:{_HEADERS})\s*:\s*)(.+)$")
#: A literal secret at least this long is masked wherever it appears; shorter ones only as a
#: whole token, so a demo key "k" leaves "listVirtualMachines" alone.
_SUBSTRING_MIN = 12


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of ``value`` with credentials masked by meaning.

    * Strings (URLs, query strings, bodies, messages): the value of every secret parameter
      (``apiKey=***``, ``"signature": "***"``) and of credential header lines.
    * Mappings: the values of secret parameter names and credential headers (recursively).
    * ``secrets``: literal values (the key and secret of a client) masked too, wherever they
      stand when long, and only as whole tokens when short.
    """
    literal = tuple(s for s in secrets if s)
    return _redact(value, literal)


def _redact(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return _redact_text(value, secrets)
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if _is_secret_name(k) else _redact(v, secrets)) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_redact(v, secrets) for v in value)
    return value


def _is_secret_name(name: Any) -> bool:
    lowered = str(name).lower()
    return lowered in SECRET_PARAMS or lowered in SECRET_HEADERS


def _redact_text(text: str, secrets: tuple[str, ...]) -> str:
    text = _IN_QUERY.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _IN_JSON.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)}"
                                  f"{REDACTED}{m.group(4)}", text)
    text = _IN_HEADER.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= _SUBSTRING_MIN:
            text = text.replace(secret, REDACTED)
        else:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", REDACTED, text)
    return text
