"""Fixtures for the client tests.

Two ways to answer the client, one per kind of test:

* **The transport seam** (``fake`` and ``fake_cs`` fixtures, :class:`FakeServer`): a plain handler answering
  each :class:`PreparedRequest` with a :class:`Reply`. Tests of the client's *logic* — paging,
  jobs, validation, retries, error reading, masking — use it: no HTTP mock, no aiohttp.
* **aioresponses** (``http`` fixture): only for tests of the aiohttp edge itself (how aiohttp
  exceptions and responses are mapped), together with the real loopback server of
  ``test_loopback.py``.

The aioresponses compatibility shim lives HERE and nowhere else: aioresponses 0.7.9 builds
``ClientResponse`` without the ``stream_writer`` argument that aiohttp 3.12+ requires (its
upstream issue #289); ``_CompatResponse`` supplies a stand-in. Drop it once a fixed release
is out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import aioresponses.core
import pytest
from aiohttp import ClientResponse, web
from aioresponses import aioresponses as Aioresponses

from cloudstack_magic.client._answers import Reply
from tests._ports import closed_port
from cloudstack_magic.client._client import _LIVE_SPECS, CloudStack
from cloudstack_magic.client._transport import PreparedRequest

ENDPOINT = "http://cs.test/client/api"
KEY = "test-api-key"
SECRET = "test-secret-key"
#: Ids as the server spells them (uuid parameters are checked before sending).
ZONE = "0e6a1f52-7a3b-4c1d-9e2f-3a4b5c6d7e01"
TEMPLATE = "0e6a1f52-7a3b-4c1d-9e2f-3a4b5c6d7e02"
OFFERING = "0e6a1f52-7a3b-4c1d-9e2f-3a4b5c6d7e03"
VM = "0e6a1f52-7a3b-4c1d-9e2f-3a4b5c6d7e04"
USER = "0e6a1f52-7a3b-4c1d-9e2f-3a4b5c6d7e05"
JOB = "0e6a1f52-7a3b-4c1d-9e2f-3a4b5c6d7e06"
#: The parameters deployVirtualMachine requires.
DEPLOY = {"zoneid": ZONE, "templateid": TEMPLATE, "serviceofferingid": OFFERING}


class _NoWriter:
    output_size = 0


class _CompatResponse(ClientResponse):
    def __init__(self, method: str, url: Any, **kw: Any) -> None:
        kw.setdefault("stream_writer", _NoWriter())
        super().__init__(method, url, **kw)


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aioresponses]:
    """aioresponses, working with this aiohttp; unmatched requests fail the test."""
    monkeypatch.setattr(aioresponses.core, "ClientResponse", _CompatResponse)
    with Aioresponses() as mocked:
        yield mocked


@pytest.fixture(autouse=True)
def _no_cached_specs() -> Iterator[None]:
    _LIVE_SPECS.clear()
    yield
    _LIVE_SPECS.clear()


@pytest.fixture
async def cs() -> AsyncIterator[CloudStack]:
    """A client with fast polling and no retry back-off, for mocked endpoints."""
    async with CloudStack(ENDPOINT, KEY, SECRET, retry_backoff=0, poll_initial=0.01,
                          async_poll_latency=0.02) as client:
        yield client


def command_url(command: str) -> re.Pattern[str]:
    """A URL pattern matching a GET of ``command`` on the test endpoint."""
    return re.compile(rf"^{re.escape(ENDPOINT)}\?(.*&)?command={command}(&.*)?$")


def sent_params(url: Any, kwargs: dict[str, Any] | None = None) -> dict[str, str]:
    """The decoded parameters of a mocked request (query string, or the POST form body)."""
    params = dict(parse_qsl(urlsplit(str(url)).query, keep_blank_values=True))
    body = (kwargs or {}).get("data")
    if body:
        params.update(parse_qsl(body.decode() if isinstance(body, bytes) else body, keep_blank_values=True))
    return params


def requests_of(mocked: Aioresponses, method: str = "GET") -> list[tuple[Any, dict[str, Any]]]:
    """Every (url, kwargs) the client sent with ``method``, in order."""
    return [(key[1], call.kwargs) for key, calls in mocked.requests.items() if key[0] == method for call in calls]


@pytest.fixture
def unused_port() -> Iterator[int]:
    """A loopback port nothing listens on (connections are refused at once), held for the test."""
    with closed_port() as port:
        yield port


def server_accepts(params: dict[str, str], secret: str = SECRET) -> bool:
    """The server's check written out independently: Java quoting (``~`` encoded, ``*`` kept),
    case-sensitive sort, lower-case, HMAC-SHA1, base64."""
    pairs = []
    for name in sorted(p for p in params if p.lower() != "signature"):
        pairs.append(name + "=" + quote(params[name], safe="*-._").replace("~", "%7E"))
    digest = hmac.new(secret.encode(), "&".join(pairs).lower().encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode() == params.get("signature")


Answer = Reply | Callable[[dict[str, str]], Reply] | BaseException


class FakeServer:
    """A transport handler: answers by command from ``answers``, records what was sent.

    An answer is a :class:`Reply`, a function of the sent parameters returning one, an
    exception to raise (``TimeoutError``, ``ConnectionResetError``…), or a list of those given
    in turn (the last one repeats). A command without an answer fails the test."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer | list[Answer]] = {}
        self.requests: list[PreparedRequest] = []

    def __call__(self, request: PreparedRequest) -> Reply:
        self.requests.append(request)
        params = dict(request.params)
        answer = self.answers[params["command"]]
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer(params) if callable(answer) else answer

    def sent(self, command: str | None = None) -> list[dict[str, str]]:
        """The parameters of every request (of ``command``), in order."""
        return [dict(r.params) for r in self.requests if command is None or r.params.get("command") == command]


def json_reply(command: str, body: dict[str, Any], status: int = 200) -> Reply:
    """CloudStack's JSON answer for ``command`` (wrapped in ``<command>response``)."""
    return Reply(status, {f"{command.lower()}response": body})


@pytest.fixture
def fake() -> FakeServer:
    return FakeServer()


@pytest.fixture
async def fake_cs(fake: FakeServer) -> AsyncIterator[CloudStack]:
    """A client answered by ``fake`` through the transport seam, with fast polling."""
    async with CloudStack(ENDPOINT, KEY, SECRET, handler=fake, retry_backoff=0, poll_initial=0.01,
                          async_poll_latency=0.02) as client:
        yield client


@asynccontextmanager
async def serving(handle: Callable[[web.Request], Awaitable[web.StreamResponse]], *,
                  ssl_context: ssl.SSLContext | None = None,
                  handler_cancellation: bool = False) -> AsyncIterator[str]:
    """A real aiohttp server on a free 127.0.0.1 port answering ``/client/api`` with ``handle``;
    yields its endpoint, and is cleaned up on the way out."""
    app = web.Application()
    app.router.add_route("*", "/client/api", handle)
    runner = web.AppRunner(app, handler_cancellation=handler_cancellation, shutdown_timeout=0.5)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"{'https' if ssl_context else 'http'}://{host}:{port}/client/api"
    finally:
        await runner.cleanup()
