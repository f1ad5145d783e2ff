"""A loopback HTTP server that answers the way broken clouds and proxies do.

Each *mode* is a path prefix: ``http://127.0.0.1:PORT/<mode>/client/api`` answers every request
with that mode's canned reply (an HTML 504 from a proxy, invalid JSON, a CloudStack 431 with an
oversized header, a dropped connection, a redirect loop, no answer at all, async jobs that fail
or never end…). Every request is recorded per mode — method, parameters, signature — so a test
can count how often a command was really sent and search outputs for the signatures it saw.

It runs on its own event loop in a daemon thread (like ``SimulatorThread``), so the tests' own
loops, the in-process clients and a Jupyter kernel in another process can all reach it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

__all__ = ["ANSWER_MODES", "AnswerServer", "FAILING_JOB", "HANGING_JOB", "UUID"]

#: A well-formed UUID for parameters the canned servers do not look at.
UUID = "6f1d7a3e-0c4b-4f6e-9a51-3d2b8c7e1f00"
FAILING_JOB = "0b6c2d4e-1111-4a5b-8c9d-00000000f41d"
HANGING_JOB = "0b6c2d4e-2222-4a5b-8c9d-0000000a11e5"
DONE_JOB = "0b6c2d4e-3333-4a5b-8c9d-00000000d0e5"
#: Seconds the ``slow`` mode waits before answering (clients give up sooner).
SLOW_SECONDS = 4.0
LONG_HEADER = 100_000

Handler = Callable[[web.Request, dict[str, str]], Awaitable[web.StreamResponse]]


def _cs_error(params: dict[str, str], status: int, text: str, *, headers: dict[str, str] | None = None,
              cserrorcode: int = 9999) -> web.Response:
    """A CloudStack error body, as ``ApiServer.getSerializedApiError`` writes it."""
    command = (params.get("command") or "error").lower()
    body = {f"{command}response": {"uuidList": [], "errorcode": status, "cserrorcode": cserrorcode,
                                   "errortext": text}}
    return web.Response(status=status, text=json.dumps(body), content_type="application/json",
                        headers=headers or {})


def _html(status: int, title: str) -> Callable[[web.Request, dict[str, str]], Awaitable[web.Response]]:
    async def answer(request: web.Request, params: dict[str, str]) -> web.Response:
        page = f"<html><head><title>{status} {title}</title></head><body><h1>{title}</h1><hr>nginx</body></html>"
        return web.Response(status=status, text=page, content_type="text/html")

    return answer


async def _bad_json(request: web.Request, params: dict[str, str]) -> web.Response:
    return web.Response(status=200, text='{"listzonesresponse": {"count": 1, "zone": [', content_type="application/json")


async def _empty(request: web.Request, params: dict[str, str]) -> web.Response:
    return web.Response(status=200, body=b"", content_type="application/json")


async def _not_found(request: web.Request, params: dict[str, str]) -> web.Response:
    return web.Response(status=404, text="404 page not found", content_type="text/plain")


def _status(status: int, text: str, **extra: Any) -> Handler:
    async def answer(request: web.Request, params: dict[str, str]) -> web.Response:
        return _cs_error(params, status, text, **extra)

    return answer


async def _oversized_431(request: web.Request, params: dict[str, str]) -> web.Response:
    """The refusal of a 100,000-character value, its X-Description echoing the whole value."""
    text = "Value too long for parameter displayname: " + "x" * LONG_HEADER
    return _cs_error(params, 431, "Value too long for parameter displayname (max 255)",
                     headers={"X-Description": text})


async def _redirect(request: web.Request, params: dict[str, str]) -> web.Response:
    raise web.HTTPFound(location=str(request.rel_url))  # to itself, for ever


async def _drop(request: web.Request, params: dict[str, str]) -> web.StreamResponse:
    if request.transport is not None:
        request.transport.close()
    raise asyncio.CancelledError  # nothing can be sent any more; aiohttp drops the handler quietly


async def _slow(request: web.Request, params: dict[str, str]) -> web.Response:
    await asyncio.sleep(SLOW_SECONDS)
    return web.json_response({"listzonesresponse": {}})


async def _jobs(request: web.Request, params: dict[str, str]) -> web.Response:
    """Async commands whose jobs fail (``name=failme``), never end (``name=hang``) or succeed."""
    command = (params.get("command") or "").lower()
    if command == "queryasyncjobresult":
        jobid = params.get("jobid", "")
        reply: dict[str, Any] = {"jobid": jobid, "cmd": "org.apache.cloudstack.api.command.admin.vm.DeployVMCmdByAdmin",
                                 "jobprocstatus": 0, "jobinstancetype": "VirtualMachine", "jobinstanceid": UUID}
        if jobid == FAILING_JOB:
            reply.update(jobstatus=2, jobresultcode=530, jobresulttype="object",
                         jobresult={"errorcode": 533, "errortext": "Unable to create a deployment for VM "
                                    "[VM instance {\"id\": 77, \"name\": \"failme\"}]: insufficient capacity"})
        elif jobid == HANGING_JOB:
            reply.update(jobstatus=0, jobresultcode=0)
        else:
            reply.update(jobstatus=1, jobresultcode=0, jobresulttype="object",
                         jobresult={"virtualmachine": {"id": UUID, "name": "fine", "state": "Running"}})
        return web.json_response({"queryasyncjobresultresponse": reply})
    if command == "listzones":
        return web.json_response({"listzonesresponse": {"count": 1, "zone": [{"id": UUID, "name": "canned"}]}})
    name = params.get("name", "")
    jobid = {"failme": FAILING_JOB, "hang": HANGING_JOB}.get(name, DONE_JOB)
    return web.json_response({f"{command}response": {"id": UUID, "jobid": jobid}})


ANSWER_MODES: dict[str, Handler] = {
    "html502": _html(502, "Bad Gateway"),
    "html503": _html(503, "Service Unavailable"),
    "html504": _html(504, "Gateway Time-out"),
    "html500": _html(500, "Internal Server Error"),
    "html200": _html(200, "Sign in"),
    "badjson": _bad_json,
    "empty": _empty,
    "notfound": _not_found,
    "s401": _status(401, "unable to verify user credentials and/or request signature"),
    "s431": _status(431, "Unable to execute API command listzones due to invalid value. Invalid parameter id "
                    "value=zzz due to incorrect long value format, or entity does not exist or due to incorrect "
                    "parameter annotation for the field in api cmd class."),
    "s432": _status(432, "The given command does not exist or it is not available for the user"),
    "s429": _status(429, "The given user has reached his/her account api limit, please retry after 1000 ms.",
                    headers={"Retry-After": "1"}),
    "s530": _status(530, "Internal error executing command, please contact your system administrator"),
    "s431big": _oversized_431,
    "redirect": _redirect,
    "drop": _drop,
    "slow": _slow,
    "jobs": _jobs,
}


class AnswerServer:
    """Start with ``with AnswerServer() as server:``; ``server.endpoint(mode)``; ``server.sent(mode)``."""

    def __init__(self) -> None:
        self.port = 0
        self.requests: dict[str, list[dict[str, str]]] = defaultdict(list)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None

    def endpoint(self, mode: str) -> str:
        assert mode in ANSWER_MODES, mode
        return f"http://127.0.0.1:{self.port}/{mode}/client/api"

    def sent(self, mode: str, command: str | None = None) -> int:
        """How many requests reached ``mode`` (of ``command``, case-insensitive, when given)."""
        with self._lock:
            seen = list(self.requests[mode])
        return sum(1 for r in seen if command is None or (r.get("command") or "").lower() == command.lower())

    def signatures(self) -> set[str]:
        with self._lock:
            return {r["signature"] for rs in self.requests.values() for r in rs if r.get("signature")}

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        mode = request.match_info["mode"]
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        with self._lock:
            self.requests[mode].append(params)
        handler = ANSWER_MODES.get(mode)
        if handler is None:
            return web.Response(status=404, text=f"no mode {mode}")
        return await handler(request, params)

    async def _serve(self) -> None:
        app = web.Application()
        app.add_routes([web.route("*", "/{mode}/client/api", self._handle)])
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._stop = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # noqa: BLE001 -- reported to the starting thread
            self._failure = exc
            self._ready.set()

    def __enter__(self) -> AnswerServer:
        self._thread = threading.Thread(target=self._run, name="answer-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(30) or self._failure is not None:
            raise RuntimeError(f"the answer server did not start: {self._failure!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        stop = self._stop
        if stop is not None and self._thread is not None:
            if self._loop is not None:
                self._loop.call_soon_threadsafe(stop.set)
            self._thread.join(30)
