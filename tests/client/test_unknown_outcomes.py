"""A state-changing call whose outcome is unknown says so, with how to check, and is sent once.

Logic through the transport seam (no HTTP); the aiohttp edge (redirects, oversized headers)
against a real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from cloudstack_magic import (
    BadRequestError,
    CloudStack,
    CloudStackClientException,
    InvalidResponseError,
    RequestTimeout,
    TransportError,
)
from cloudstack_magic.client._answers import Reply, how_to_check

from .conftest import DEPLOY, KEY, SECRET, VM, FakeServer, json_reply, serving

HTML_504 = Reply(504, "<html><body><h1>504 Gateway Time-out</h1></body></html>", {"Content-Type": "text/html"})
NON_CLOUDSTACK = {
    "proxy HTML 504": HTML_504,
    "empty 502": Reply(502, b""),
    "HTML 500": Reply(500, "<html>Internal Server Error</html>", {"Content-Type": "text/html"}),
    "invalid JSON 200": Reply(200, "{not json", {"Content-Type": "application/json"}),
    "redirect": Reply(302, b"", {"Location": "https://cs.test/client/api"}),
    "dropped": ConnectionResetError(104, "Connection reset by peer"),
    "timeout": TimeoutError(),
}


@pytest.mark.parametrize("answer", NON_CLOUDSTACK.values(), ids=NON_CLOUDSTACK.keys())
async def test_a_deploy_with_an_unknown_outcome_says_so_and_is_sent_once(
        fake: FakeServer, fake_cs: CloudStack, answer: Any) -> None:
    fake.answers["deployVirtualMachine"] = answer
    with pytest.raises(TransportError) as caught:
        await fake_cs.deployVirtualMachine(**DEPLOY, name="web-1")
    error = caught.value
    assert error.outcome_unknown and len(fake.sent("deployVirtualMachine")) == 1
    assert "may or may not have run" in str(error)
    assert "check with listAsyncJobs or listVirtualMachines name=web-1 before sending it again" in str(error)
    assert "\n" not in str(error)


@pytest.mark.parametrize("answer", NON_CLOUDSTACK.values(), ids=NON_CLOUDSTACK.keys())
async def test_a_read_with_the_same_answer_is_no_unknown_outcome(
        fake: FakeServer, fake_cs: CloudStack, answer: Any) -> None:
    fake.answers["listZones"] = answer
    with pytest.raises(TransportError) as caught:
        await fake_cs.listZones()
    assert not caught.value.outcome_unknown and "may or may not" not in str(caught.value)


async def test_a_cloudstack_refusal_is_a_known_outcome(fake: FakeServer, fake_cs: CloudStack) -> None:
    fake.answers["deployVirtualMachine"] = json_reply(
        "deployVirtualMachine", {"errorcode": 431, "errortext": "Unable to find template"}, status=431)
    with pytest.raises(BadRequestError) as caught:
        await fake_cs.deployVirtualMachine(**DEPLOY)
    assert not caught.value.outcome_unknown and "may or may not" not in str(caught.value)


def test_how_to_check_names_the_list_command_and_the_object() -> None:
    assert how_to_check("createNetwork", {"name": "n1"}) == (  # listNetworks has no name=: keyword=
        "check with listAsyncJobs or listNetworks keyword=n1 before sending it again")
    assert how_to_check("registerTemplate", {}) == "check with listAsyncJobs or listTemplates before sending it again"
    assert how_to_check("updateVirtualMachine", {"id": VM}).endswith(f"listVirtualMachines id={VM} before sending it again")
    assert how_to_check("deployVirtualMachine", {"displayname": "web"}).endswith(  # no displayname= there
        "listVirtualMachines keyword=web before sending it again")
    assert how_to_check("frobnicate", {}) == (
        "check with listAsyncJobs or the matching list command before sending it again")


# --- the aiohttp edge -----------------------------------------------------------------------------

class Edge:
    """A real server on 127.0.0.1 answering /client/api with ``answer`` and counting requests."""

    def __init__(self) -> None:
        self.hits = 0
        self.endpoint = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        return await self.answer(request)

    async def answer(self, request: web.Request) -> web.StreamResponse:  # replaced per test
        raise NotImplementedError


@pytest.fixture
async def edge() -> AsyncIterator[Edge]:
    edge = Edge()
    async with serving(edge.handle) as edge.endpoint:
        yield edge


def client(edge: Edge) -> CloudStack:
    return CloudStack(edge.endpoint, KEY, SECRET, retry_backoff=0, validate=False)


async def test_a_redirect_loop_is_reported_as_one(edge: Edge) -> None:
    async def loop(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(location=request.path_qs)

    edge.answer = loop  # type: ignore[method-assign]
    async with client(edge) as cs:
        with pytest.raises(InvalidResponseError, match="a redirect loop") as caught:
            await cs.listZones()
        assert "broke" not in str(caught.value) and not caught.value.retryable
        edge.hits = 0
        with pytest.raises(InvalidResponseError, match="a redirect") as changing:
            await cs.deployVirtualMachine(**DEPLOY)
    assert edge.hits == 1  # a state-changing command follows no redirect: sent once
    assert changing.value.outcome_unknown and "listAsyncJobs" in str(changing.value)
    assert "signature=" not in str(changing.value).replace("signature=***", "")


async def test_a_refusal_with_a_long_header_is_read_as_the_refusal(edge: Edge) -> None:
    async def refuse(request: web.Request) -> web.StreamResponse:
        return web.json_response({"errorresponse": {"errorcode": 431, "errortext": "value too long"}},
                                 status=431, headers={"X-Description": "x" * 100_000})

    edge.answer = refuse  # type: ignore[method-assign]
    async with client(edge) as cs:
        with pytest.raises(BadRequestError, match="value too long") as caught:
            await cs.updateVirtualMachine(id=VM, displayname="y" * 1000)
        with pytest.raises(BadRequestError):
            await cs.listZones()
    assert edge.hits == 2 and not caught.value.outcome_unknown  # each sent once: a refusal is final


async def test_an_answer_too_large_to_read_is_unreadable_and_sent_once(edge: Edge) -> None:
    async def huge(request: web.Request) -> web.StreamResponse:
        return web.json_response({}, status=431, headers={"X-Description": "x" * 400_000})

    edge.answer = huge  # type: ignore[method-assign]
    async with client(edge) as cs:
        with pytest.raises(InvalidResponseError, match="sent an answer that cannot be read") as caught:
            await cs.updateVirtualMachine(id=VM)
    assert edge.hits == 1 and caught.value.outcome_unknown and "listVirtualMachines" in str(caught.value)
    assert "broke" not in str(caught.value)


async def test_errors_chain_nothing_from_aiohttp(edge: Edge) -> None:
    async def drop(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.abort()
        return web.Response()

    edge.answer = drop  # type: ignore[method-assign]
    async with client(edge) as cs:
        with pytest.raises(CloudStackClientException) as caught:
            await cs.destroyVirtualMachine(id=VM)
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    assert caught.value.outcome_unknown and edge.hits == 1
