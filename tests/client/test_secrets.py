"""Secrets are masked by meaning, never by substring, and never leave in a message, a field, a
repr, a traceback local or a chained exception."""

from __future__ import annotations

import logging
import traceback
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from cloudstack_magic import CloudStack, CloudStackClientException
from cloudstack_magic._errors import redact
from cloudstack_magic.client._answers import Reply

from .conftest import DEPLOY, ENDPOINT, FakeServer, json_reply, serving

KEY = "AUDIT-KEY-7f3c9e1b2a"
SECRET = "AUDIT-SECRET-d41d8cd98f00"


def test_values_are_masked_where_they_stand() -> None:
    text = ('GET /client/api?command=listZones&apiKey=abc&signature=xyz%3D&name=web '
            '{"apikey": "abc", "signature": "x\\"y", "name": "web"} '
            "{'password': 'p4ss', 'secretkey': 'sk'}")
    masked = redact(text)
    assert "apiKey=***&signature=***&name=web" in masked
    assert '{"apikey": "***", "signature": "***", "name": "web"}' in masked
    assert "{'password': '***', 'secretkey': '***'}" in masked
    assert redact("Authorization: Bearer t0ken\nX-Other: fine") == "Authorization: ***\nX-Other: fine"
    assert redact({"headers": {"Authorization": "Bearer t", "Accept": "json"}, "signature": "s"}) == {
        "headers": {"Authorization": "***", "Accept": "json"}, "signature": "***"}


def test_short_literal_secrets_are_masked_only_as_whole_tokens() -> None:
    assert redact("listVirtualMachines: unable to verify user credentials", ("k", "s")) == (
        "listVirtualMachines: unable to verify user credentials")
    assert redact("key k and secret s echoed", ("k", "s")) == "key *** and secret *** echoed"
    assert redact("prefix-AUDIT-KEY-7f3c9e1b2a-suffix", (KEY,)) == "prefix-***-suffix"  # long: anywhere


async def test_a_short_demo_key_does_not_mangle_messages() -> None:
    fake = FakeServer()
    fake.answers["listVirtualMachines"] = json_reply("listVirtualMachines", {
        "errorcode": 401, "errortext": "unable to verify user credentials and/or request signature"}, 401)
    async with CloudStack(ENDPOINT, "k", "s", handler=fake) as cs:
        with pytest.raises(CloudStackClientException) as caught:
            await cs.listVirtualMachines()
    assert str(caught.value).startswith(
        "listVirtualMachines: unable to verify user credentials and/or request signature (error 401)")


async def test_an_error_text_echoing_the_request_as_json_is_masked() -> None:
    fake = FakeServer()

    def echo(params: dict[str, str]) -> Reply:
        return json_reply("listZones", {"errorcode": 431, "errortext": (
            f'bad request {{"apiKey": "{params["apiKey"]}", "signature": "{params["signature"]}"}} '
            f"secret {SECRET}")}, 431)

    fake.answers["listZones"] = echo
    async with CloudStack(ENDPOINT, KEY, SECRET, handler=fake) as cs:
        with pytest.raises(CloudStackClientException) as caught:
            await cs.listZones()
    signature = fake.sent()[0]["signature"]
    for where in (str(caught.value), repr(caught.value), caught.value.error_text, repr(caught.value.response)):
        assert KEY not in where and SECRET not in where and signature not in where, where
    assert '"apiKey": "***", "signature": "***"' in str(caught.value)


# --- traceback locals (%xmode Verbose) and chained exceptions, over real HTTP ---------------------

class Server:
    def __init__(self) -> None:
        self.endpoint = ""
        self.signatures: list[str] = []
        self.mode = "html"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.post()).items()})
        self.signatures.append(params.get("signature", ""))
        if self.mode == "drop":
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        if self.mode == "redirect":
            raise web.HTTPFound(location=request.path_qs)
        if self.mode == "echo":  # CloudStack's own error, echoing the request as JSON
            return web.json_response({"errorresponse": {"errorcode": 431, "errortext": f"bad request {params}"}},
                                     status=431)
        return web.Response(status=504, text=f"<html>gateway timeout for {request.path_qs}</html>",
                            content_type="text/html")


@pytest.fixture
async def audited() -> AsyncIterator[Server]:
    server = Server()
    async with serving(server.handle) as server.endpoint:
        yield server


def everything_shown(exc: BaseException) -> str:
    """What a verbose traceback shows: every frame's locals, and every chained exception."""
    shown = "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())
    parts = [shown, repr(exc), str(exc)]
    parts += [repr(value) for value in vars(exc).values()]
    chained = exc.__context__ or exc.__cause__
    while chained is not None:
        parts.append(repr(chained))
        chained = chained.__context__ or chained.__cause__
    return "\n".join(parts)


@pytest.mark.parametrize("mode", ["html", "drop", "redirect", "echo"])
@pytest.mark.parametrize("command", ["listZones", "deployVirtualMachine"])
async def test_no_traceback_local_or_chained_error_holds_a_secret(
        audited: Server, mode: str, command: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    audited.mode = mode
    async with CloudStack(audited.endpoint, KEY, SECRET, retries=1, retry_backoff=0) as cs:
        with pytest.raises(CloudStackClientException) as caught:
            await cs.call(command, DEPLOY if command.startswith("deploy") else {})
    # DEBUG log records of the client side too (the test server's own access log is not ours)
    client_side = [r.getMessage() for r in caplog.records if not r.name.startswith(("aiohttp.access",
                                                                                    "aiohttp.server", "aiohttp.web"))]
    shown = everything_shown(caught.value) + "\n".join(client_side)
    assert "PreparedRequest(" in shown or "Call(" in shown  # the locals really are in the audit
    assert KEY not in shown and SECRET not in shown
    for signature in audited.signatures:
        assert signature and signature not in shown


async def test_reprs_hold_no_secret() -> None:
    async with CloudStack(ENDPOINT, KEY, SECRET, headers={"Authorization": "Bearer tok-123"}) as cs:
        request = cs.prepare("listZones")
        shown = " ".join(repr(x) for x in (cs, cs.options, request, cs._transport))  # noqa: SLF001
    assert KEY not in shown and SECRET not in shown and request.params["signature"] not in shown
    assert "tok-123" not in shown


