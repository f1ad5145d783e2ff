"""Transport: every failure lands in the exception tree, one line, no secrets; the retry rule.

Answer reading and retries go through the transport seam (a fake server); only the mapping of
aiohttp's own exceptions uses aioresponses, as it is about the aiohttp edge."""

from __future__ import annotations

import asyncio
import ssl
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses as Aioresponses

from cloudstack_magic import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CloudStack,
    CloudStackClientException,
    ConnectError,
    InvalidResponseError,
    RequestTimeout,
    ServerError,
    ThrottledError,
    TransportError,
)
from cloudstack_magic.client import _transport
from cloudstack_magic.client._answers import Reply
from cloudstack_magic.client._transport import is_read_only

from .conftest import ENDPOINT, KEY, SECRET, ZONE, FakeServer, command_url


def _error_body(code: int, text: str, cs: int | None = None, name: str = "listzonesresponse") -> dict[str, Any]:
    body: dict[str, Any] = {"uuidList": [], "errorcode": code, "errortext": text}
    if cs:
        body["cserrorcode"] = cs
    return {name: body}


@pytest.mark.parametrize(("status", "body", "cls", "message"), [
    (401, _error_body(401, "unable to verify user credentials and/or request signature"), AuthenticationError,
     "listZones: unable to verify user credentials and/or request signature (error 401): check the API key"),
    (431, _error_body(431, "Unable to execute API command listzones due to invalid value.\n Invalid parameter id",
                      4350), BadRequestError,
     "listZones: Unable to execute API command listzones due to invalid value. Invalid parameter id "
     "(error 431, cserrorcode 4350)"),
    (432, _error_body(432, "The given command does not exist", 9999, "errorresponse"), BadRequestError,
     "listZones: The given command does not exist (error 432, cserrorcode 9999)"),
    (530, _error_body(530, "Internal error executing command"), ServerError,
     "listZones: Internal error executing command (error 530)"),
    (533, _error_body(533, "Insufficient capacity"), ServerError, "listZones: Insufficient capacity (error 533)"),
    (200, _error_body(300, "odd"), APIError, "listZones: odd (error 300)"),
])
async def test_cloudstack_error_bodies(fake: FakeServer, fake_cs: CloudStack, status: int, body: dict[str, Any],
                                       cls: type[Exception], message: str) -> None:
    fake.answers["listZones"] = Reply(status, body)
    with pytest.raises(cls) as caught:
        await fake_cs.listZones()
    error = caught.value
    assert type(error) is cls and str(error).startswith(message)
    assert error.command == "listZones" and error.status == status and error.response == body
    inner = next(iter(body.values()))
    assert error.error_code == inner["errorcode"] and error.cserrorcode == inner.get("cserrorcode")
    assert error.error_text == " ".join(inner["errortext"].split())
    assert len(fake.sent()) == (4 if status == 530 else 1)  # only 530 is worth another try
    assert error.attempts == len(fake.sent())


async def test_throttled_with_retry_after_beyond_the_limit_is_not_retried(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listZones"] = Reply(429, _error_body(429, "API limit exceeded"), {"Retry-After": "3600"})
    with pytest.raises(ThrottledError, match=r"API limit exceeded \(error 429\); retry after 3600 s") as caught:
        await fake_cs.listZones()
    assert caught.value.retry_after == 3600 and len(fake.sent()) == 1


@pytest.mark.parametrize(("status", "content_type", "body", "retried"), [
    (502, "text/html", "<html><title>502 Bad Gateway</title></html>", True),
    (200, "text/html", "<html>login page</html>", False),
    (200, "application/json", "", False),
    (200, "application/json", "[1, 2]", False),
])
async def test_non_json_answers_name_the_endpoint_and_content_type(
        fake: FakeServer, fake_cs: CloudStack, status: int, content_type: str, body: str, retried: bool) -> None:
    fake.answers["listZones"] = Reply(status, body, {"Content-Type": content_type})
    with pytest.raises(InvalidResponseError) as caught:
        await fake_cs.listZones()
    message = str(caught.value)
    assert message.startswith(f"listZones: {ENDPOINT} answered HTTP {status} with {content_type}, not CloudStack JSON")
    assert "\n" not in message and caught.value.status == status
    assert len(fake.sent()) == (4 if retried else 1)


async def test_secrets_echoed_by_a_proxy_are_redacted(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listZones"] = Reply(400, f"<p>Bad request: /client/api?apiKey={KEY}&signature=abc%3D&command="
                                           "listZones</p>", {"Content-Type": "text/html"})
    with pytest.raises(InvalidResponseError) as caught:
        await fake_cs.listZones()
    assert KEY not in str(caught.value) and "abc%3D" not in str(caught.value) and "apiKey=***" in str(caught.value)


def _key() -> Any:
    return SimpleNamespace(host="cs.test", port=80, ssl=True, is_ssl=False)


EXCEPTIONS = [
    (aiohttp.ServerDisconnectedError(), TransportError, "broke before a full answer"),
    (aiohttp.ClientOSError(104, "Connection reset by peer"), TransportError, "broke before a full answer"),
    (aiohttp.ClientPayloadError("Response payload is not completed"), TransportError, "broke before a full answer"),
    (aiohttp.ClientConnectorError(_key(), OSError(111, "Connection refused")), ConnectError,
     f"listZones: cannot connect to {ENDPOINT}: Connection refused (nothing was sent)"),
    (aiohttp.ConnectionTimeoutError(), ConnectError, "timed out connecting after 10 s"),
    (aiohttp.ClientConnectorCertificateError(_key(), ssl.SSLCertVerificationError("self-signed certificate")),
     ConnectError, "TLS failed"),
    (aiohttp.SocketTimeoutError(), RequestTimeout, "no answer from"),
    (asyncio.TimeoutError(), RequestTimeout, "no answer from"),
    (aiohttp.TooManyRedirects(SimpleNamespace(real_url=ENDPOINT), ()), InvalidResponseError, "a redirect loop"),
    (aiohttp.InvalidURL("nonsense"), TransportError, "request to"),
    (aiohttp.ClientError("anything else"), TransportError, "request to"),
    (aiohttp.InvalidURL(f"{ENDPOINT}?apiKey={KEY}&signature=abc"), TransportError, "apiKey=***&signature=***"),
    (aiohttp.ClientError(f"echo {SECRET} and {KEY}"), TransportError, "echo *** and ***"),
    (ConnectionRefusedError(111, "refused"), ConnectError, "cannot connect"),
]


@pytest.mark.parametrize(("raised", "cls", "fragment"), EXCEPTIONS, ids=[type(e[0]).__name__ for e in EXCEPTIONS])
async def test_no_foreign_exception_leaks(http: Aioresponses, raised: Exception, cls: type[Exception],
                                          fragment: str) -> None:
    http.get(command_url("listZones"), exception=raised, repeat=True)
    async with CloudStack(ENDPOINT, KEY, SECRET, retries=0) as cs:
        with pytest.raises(CloudStackClientException) as caught:
            await cs.listZones()
    assert isinstance(caught.value, cls) and fragment in str(caught.value)
    assert "\n" not in str(caught.value) and KEY not in str(caught.value) and SECRET not in str(caught.value)
    # nothing of aiohttp's chained: its messages and reprs carry the signed URL
    assert caught.value.__cause__ is None and caught.value.__context__ is None


@pytest.mark.parametrize(("command", "read_only"), [
    ("listVirtualMachines", True), ("getVMPassword", True), ("queryAsyncJobResult", True),
    ("listvirtualmachines", True), ("deployVirtualMachine", False), ("getUploadParamsForTemplate", False),
    ("destroyVirtualMachine", False), ("login", False), ("updateConfiguration", False),
])
def test_read_only_rule(command: str, read_only: bool) -> None:
    assert is_read_only(command) is read_only


@pytest.mark.parametrize("command", ["deployVirtualMachine", "getUploadParamsForTemplate"])
async def test_state_changing_commands_are_never_repeated(fake: FakeServer, command: str) -> None:
    fake.answers[command] = Reply(503, "busy", {"Content-Type": "text/plain"})
    with pytest.raises(InvalidResponseError):
        async with CloudStack(ENDPOINT, KEY, SECRET, handler=fake, retry_backoff=0, validate=False) as cs:
            await cs.call(command, {"zoneid": ZONE}, wait=False)
    assert len(fake.sent()) == 1


async def test_retries_are_bounded_and_say_so(fake: FakeServer) -> None:
    fake.answers["listZones"] = ConnectionResetError(104, "Connection reset by peer")
    async with CloudStack(ENDPOINT, KEY, SECRET, handler=fake, retries=5, retry_backoff=0) as cs:
        with pytest.raises(TransportError, match="broke before a full answer.*gave up after 6 attempts") as caught:
            await cs.listZones()
    assert len(fake.sent()) == 6 and caught.value.attempts == 6
    assert "gave up" not in caught.value.args[0]  # the retries are a field, not a rewording


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the transport waits between attempts (recorded, not slept)."""
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr(_transport.asyncio, "sleep", record)
    return delays


async def test_backoff_grows_with_jitter_and_caps(fake: FakeServer, sleeps: list[float]) -> None:
    fake.answers["listZones"] = Reply(503, "busy", {"Content-Type": "text/plain"})
    async with CloudStack(ENDPOINT, KEY, SECRET, handler=fake, retries=4, retry_backoff=1,
                          retry_backoff_max=4) as cs:
        for _ in range(20):
            with pytest.raises(InvalidResponseError):
                await cs.listZones()
    rounds = [sleeps[i:i + 4] for i in range(0, len(sleeps), 4)]
    assert len(rounds) == 20 and all(len(r) == 4 for r in rounds)
    for attempt, (low, high) in enumerate([(0.5, 1), (1, 2), (2, 4), (2, 4)]):
        delays = {r[attempt] for r in rounds}
        assert all(low <= d <= high for d in delays) and len(delays) > 1  # spread, within the cap


async def test_retry_after_is_honoured_up_to_its_limit(fake: FakeServer, sleeps: list[float]) -> None:
    limited = Reply(429, _error_body(429, "API limit exceeded"), {"Retry-After": "7"})
    fake.answers["listZones"] = [limited, Reply(200, {"listzonesresponse": {}})]
    fake.answers["listHosts"] = Reply(429, _error_body(429, "API limit exceeded"), {"Retry-After": "61"})
    async with CloudStack(ENDPOINT, KEY, SECRET, handler=fake, retry_after_max=60) as cs:
        assert await cs.listZones() == {}
        with pytest.raises(ThrottledError):
            await cs.listHosts()
    assert sleeps == [7] and len(fake.sent("listHosts")) == 1


async def test_a_proxys_plain_429_is_throttling_and_retried(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["listZones"] = [Reply(429, "Too Many Requests", {"Content-Type": "text/plain", "Retry-After": "0"}),
                                 Reply(200, {"listzonesresponse": {}})]
    assert await fake_cs.listZones() == {}
    fake.answers["listHosts"] = Reply(429, "slow down", {"Content-Type": "text/plain"})
    async with CloudStack(ENDPOINT, KEY, SECRET, handler=fake, retries=0) as once:
        with pytest.raises(ThrottledError, match=r"listHosts: API rate limit exceeded \(error 429\)"):
            await once.listHosts()
