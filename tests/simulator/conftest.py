"""Hand-built requests for the simulator tests, signed here independently of any client code.

``api(params, *, secret=None, method="GET", sign=True, encode=None)`` signs ``params`` with the
simulator's demo key (or ``secret``) the way CloudStack's documentation does and returns
``(status, headers, body_text)``. ``encode`` replaces the value encoder, to sign like a buggy
client (e.g. leaving ``~`` unencoded).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest


def doc_quote(value: str) -> str:
    """The documentation's encoder plus the one fix the server needs: ``~`` → ``%7E``."""
    return urllib.parse.quote(value, safe="*").replace("~", "%7E")


def sign(params: dict[str, str], secret: str, encode: Callable[[str], str] = doc_quote) -> str:
    text = "&".join(f"{k}={encode(v)}" for k, v in sorted(params.items())).lower()
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()).decode()


@pytest.fixture
def api(simulator: Any) -> Callable[..., tuple[int, Any, str]]:
    return make_api(simulator)


def make_api(sim: Any) -> Callable[..., tuple[int, Any, str]]:
    def call(params: dict[str, str], *, secret: str | None = None, method: str = "GET", sign_it: bool = True,
             encode: Callable[[str], str] = doc_quote, add_key: bool = True,
             query: dict[str, str] | None = None) -> tuple[int, Any, str]:
        params = dict(params)
        if add_key:
            params.setdefault("apiKey", sim.api_key)
        if sign_it:
            params["signature"] = sign(params, secret or sim.secret_key, encode)
        encoded = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        url, data = sim.endpoint, None
        if method == "GET":
            url += "?" + encoded
        else:
            data = encoded.encode()
            if query:
                url += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        request = urllib.request.Request(url, data=data, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    return call


def body(text: str) -> Any:
    return json.loads(text)
