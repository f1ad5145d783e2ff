"""The client against a tiny real aiohttp.web server on 127.0.0.1, where sockets matter:
timeouts, dropped connections, POST bodies, keep-alive, retries, TLS and client certificates."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from cloudstack_magic import (
    CloudStack,
    ConnectError,
    RequestTimeout,
    ServerError,
    TransportError,
)

from .conftest import DEPLOY, JOB, OFFERING, TEMPLATE, USER, VM, ZONE, KEY, SECRET, server_accepts, serving

TLS = Path(__file__).parent / "tls"
Handler = Callable[[web.Request, dict[str, str]], Awaitable[web.StreamResponse]]


class Loopback:
    """Answers /client/api by command; checks every signature like the server would."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.methods: list[str] = []
        self.query_strings: list[str] = []
        self.peers: set[Any] = set()
        self.handlers: dict[str, Handler] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.endpoint = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.post()).items()})
        self.seen.append(params)
        self.methods.append(request.method)
        self.query_strings.append(request.query_string)
        self.peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        if not server_accepts(params):
            return web.json_response({"errorresponse": {"errorcode": 401, "errortext": "unable to verify user "
                                                        "credentials and/or request signature"}}, status=401)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self.handlers[params["command"]](request, params)
        finally:
            self.in_flight -= 1

    def count(self, command: str) -> int:
        return sum(1 for p in self.seen if p.get("command") == command)


@pytest.fixture
async def server() -> AsyncIterator[Loopback]:
    loopback = Loopback()
    async with serving(loopback.handle, handler_cancellation=True) as loopback.endpoint:
        yield loopback


def ok(body: dict[str, Any], status: int = 200) -> Handler:
    async def handler(request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response(body, status=status)
    return handler


async def dropped(request: web.Request, params: dict[str, str]) -> web.StreamResponse:
    assert request.transport is not None
    request.transport.abort()
    await asyncio.sleep(0.05)
    return web.Response()


async def slow(request: web.Request, params: dict[str, str]) -> web.StreamResponse:
    await asyncio.sleep(1.5)
    return web.json_response({})


def client(server: Loopback, **options: Any) -> CloudStack:
    return CloudStack(server.endpoint, KEY, SECRET, **{"retry_backoff": 0, **options})


VMS = [{"id": f"vm-{i}"} for i in range(12)]


async def vm_pages(request: web.Request, params: dict[str, str]) -> web.StreamResponse:
    await asyncio.sleep(0.02)
    page, size = int(params["page"]), int(params["pagesize"])
    return web.json_response({"listvirtualmachinesresponse": {
        "count": len(VMS), "virtualmachine": VMS[(page - 1) * size:page * size]}})


async def test_paging_over_sockets_with_keep_alive_and_bounded_concurrency(server: Loopback) -> None:
    server.handlers["listVirtualMachines"] = vm_pages
    async with client(server, max_page_size=2, page_concurrency=3) as cs:
        result = await cs.listVirtualMachines()
        await cs.listVirtualMachines()
    assert result == {"count": 12, "virtualmachine": VMS}
    # 6 pages of 2 and 5 boundary checks (two 1-row reads each) per listing, each kind <= 3 at once
    assert server.count("listVirtualMachines") == 12 + 20 and 3 <= server.max_in_flight <= 6
    assert len(server.peers) <= 6  # connections are kept alive and reused, not one per request


async def test_post_body_carries_every_parameter(server: Loopback) -> None:
    server.handlers["deployVirtualMachine"] = ok({"deployvirtualmachineresponse": {"id": "vm", "jobid": "j"}})
    async with client(server) as cs:
        reply = await cs.call("deployVirtualMachine", {**DEPLOY, "userdata": "IyEvYmluL3No" * 600,
                                                       "details": {"cpuNumber": 2}}, wait=False)
    assert reply == {"id": "vm", "jobid": "j"}
    assert server.methods == ["POST"] and server.query_strings == [""]
    assert server.seen[0]["details[0].cpuNumber"] == "2" and server.seen[0]["apiKey"] == KEY


async def test_wrong_secret_is_an_authentication_error(server: Loopback) -> None:
    from cloudstack_magic import AuthenticationError

    async with CloudStack(server.endpoint, KEY, "wrong") as cs:
        with pytest.raises(AuthenticationError, match=r"listZones: unable to verify .* \(error 401\): check") as caught:
            await cs.listZones()
    assert caught.value.status == 401 and caught.value.error_code == 401 and "wrong" not in str(caught.value)


async def test_read_timeout_is_not_retried_and_says_how_to_fix(server: Loopback) -> None:
    server.handlers["listZones"] = slow
    async with client(server, timeout=0.3) as cs:
        with pytest.raises(RequestTimeout, match=r"listZones: no answer from http://127.0.0.1:\d+/client/api "
                                                 r"within 0.3 s; raise timeout="):
            await cs.listZones()
    assert server.count("listZones") == 1


async def test_timeout_of_a_state_changing_command_says_the_outcome_is_unknown(server: Loopback) -> None:
    server.handlers["destroyVirtualMachine"] = slow
    async with client(server, timeout=0.3) as cs:
        with pytest.raises(RequestTimeout, match="may or may not have run on the server: check with listAsyncJobs"):
            await cs.destroyVirtualMachine(id=VM)
    assert server.count("destroyVirtualMachine") == 1


async def test_dropped_connection_is_retried_for_reads_only(server: Loopback) -> None:
    server.handlers["listZones"] = dropped
    server.handlers["destroyVirtualMachine"] = dropped
    async with client(server, retries=2) as cs:
        with pytest.raises(TransportError, match="broke before a full answer.*gave up after 3 attempts"):
            await cs.listZones()
        with pytest.raises(TransportError, match="may or may not have run") as caught:
            await cs.destroyVirtualMachine(id=VM)
    assert "gave up" not in str(caught.value)
    assert server.count("listZones") == 3 and server.count("destroyVirtualMachine") == 1


async def test_transient_failures_then_success(server: Loopback) -> None:
    answers = iter([dropped, ok({"error": "<html>"}, 503), ok({"listzonesresponse": {"count": 1, "zone": [{"id": 1}]}})])

    async def flaky(request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        return await next(answers)(request, params)

    server.handlers["listZones"] = flaky
    async with client(server) as cs:
        assert await cs.listZones() == {"count": 1, "zone": [{"id": 1}]}
    assert server.count("listZones") == 3


async def test_throttling_honours_retry_after(server: Loopback) -> None:
    first = True

    async def throttled(request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        nonlocal first
        if first:
            first = False
            return web.json_response({"listzonesresponse": {"errorcode": 429, "errortext": "limit"}}, status=429,
                                     headers={"Retry-After": "0.3"})
        return web.json_response({"listzonesresponse": {}})

    server.handlers["listZones"] = throttled
    async with client(server) as cs:
        started = time.monotonic()
        assert await cs.listZones() == {}
    assert time.monotonic() - started >= 0.3 and server.count("listZones") == 2


async def test_cloudstack_errors_are_answers_not_retried(server: Loopback) -> None:
    server.handlers["listHosts"] = ok({"listhostsresponse": {"errorcode": 531, "cserrorcode": 4365,
                                                             "errortext": "not allowed"}}, 531)
    async with client(server) as cs:
        with pytest.raises(ServerError, match=r"listHosts: not allowed \(error 531, cserrorcode 4365\)"):
            await cs.listHosts()
    assert server.count("listHosts") == 1


async def test_connection_refused_says_nothing_was_sent(unused_port: int) -> None:
    async with CloudStack(f"http://127.0.0.1:{unused_port}/client/api", KEY, SECRET, retry_backoff=0) as cs:
        with pytest.raises(ConnectError, match=rf"listZones: cannot connect to http://127.0.0.1:{unused_port}/"
                                               r"client/api: .* \(nothing was sent\) \(gave up after 4 attempts\)"):
            await cs.listZones()
        with pytest.raises(ConnectError, match=r"\(nothing was sent\)$"):
            await cs.deployVirtualMachine(**DEPLOY)  # not retried


# -- TLS -------------------------------------------------------------------------------------------
def _server_tls(require_client_cert: bool = False) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS / "server.pem", TLS / "server.key")
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(TLS / "ca.pem")
    return context


@pytest.fixture(params=[False, True], ids=["tls", "mutual-tls"])
async def tls_server(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Loopback, bool]]:
    loopback = Loopback()
    loopback.handlers["listZones"] = ok({"listzonesresponse": {"count": 1, "zone": [{"id": "z"}]}})
    async with serving(loopback.handle, ssl_context=_server_tls(request.param),
                       handler_cancellation=True) as loopback.endpoint:
        yield loopback, request.param


async def test_tls_verification(tls_server: tuple[Loopback, bool]) -> None:
    server, mutual = tls_server
    cert = {"cert": str(TLS / "client.pem"), "cert_key": str(TLS / "client.key")} if mutual else {}
    async with client(server, retries=0, **cert) as cs:  # verify=True: the private CA is not trusted
        with pytest.raises(ConnectError, match="TLS failed .*verify='/path/to/ca.pem'"):
            await cs.listZones()
    async with client(server, verify=str(TLS / "ca.pem"), **cert) as cs:
        assert (await cs.listZones())["count"] == 1
    async with client(server, verify=False, **cert) as cs:
        assert (await cs.listZones())["count"] == 1
    if mutual:
        async with client(server, verify=str(TLS / "ca.pem"), retries=0) as cs:
            with pytest.raises(TransportError):
                await cs.listZones()  # no client certificate: the server refuses


def test_missing_or_unreadable_tls_files_are_a_config_error(tmp_path: Path) -> None:
    from cloudstack_magic import ConfigError

    with pytest.raises(ConfigError, match="verify='/nonexistent/ca.pem': expected true, false or a CA bundle "
                                          "path; no such file /nonexistent/ca.pem"):
        CloudStack("https://cloud.example.com/client/api", KEY, SECRET, verify="/nonexistent/ca.pem")
    junk = tmp_path / "ca.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ConfigError, match="cannot load the TLS files given as verify/cert"):
        CloudStack("https://cloud.example.com/client/api", KEY, SECRET, verify=str(junk))
