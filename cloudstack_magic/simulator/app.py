"""The aiohttp application: ``/client/api`` plus the ``/_simulator`` admin endpoints.

Request flow (the order ``ApiServlet``/``ApiServer`` use): parameters → command known (exact
case) and signature/expiry valid, else 401 → parameter checks (431) → handler → JSON or XML.
An error middleware turns every :class:`ApiError` into CloudStack's error body; faults sit in
their own middleware (``faults.py``); a ``cleanup_ctx`` stops pending job timers.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timezone

from aiohttp import web

from ..spec._spec import packaged_spec
from .commands import COMMAND_TABLE
from .dispatch import Call, dispatch, response_name
from .dispatch import Handler as CommandHandler
from .errors import CS_SERVER_API, UNAUTHORIZED, UNSUPPORTED_ACTION_ERROR, UNVERIFIED_TEXT, ApiError
from .faults import Handler, fault_middleware
from .render import JSON_TYPE, render, to_xml
from .runtime import Runtime, Settings
from .state import Caller
from .verify import check_expiry, signature_matches

__all__ = ["API_PATH", "RUNTIME", "make_app", "read_params"]

API_PATH = "/client/api"
RUNTIME = web.AppKey("runtime", Runtime)
#: The request's parameters once read (both middlewares and the handler need them).
PARAMS = web.RequestKey("cs_params", dict)
BAD_REQUEST = 400
SESSION_COMMANDS = frozenset({"login", "logout"})
FORBIDDEN = 403
DESCRIPTION_LIMIT = 256
TOKEN_HEADER = "X-Simulator-Token"
WARM_ROWS = 50_000  # beyond this the bytes (~1.7 kB a VM) cost more memory than they save
WARM_CHUNK = 200


async def read_params(request: web.Request) -> dict[str, str]:
    """The request's parameters as the servlet sees them: query first, then a form body; each
    name's first value; names as received (``+`` in a query is a space)."""
    cached: dict[str, str] | None = request.get(PARAMS)
    if cached is not None:
        return cached
    params: dict[str, str] = {}
    for name, value in request.query.items():
        params.setdefault(name, value)
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        for name, field in (await request.post()).items():
            if isinstance(field, str):
                params.setdefault(name, field)
    request[PARAMS] = params
    return params


def is_api_request(request: web.Request) -> bool:
    """``/client/api`` and ``/client/api/`` alike: the server maps its API servlet to ``/api/*``."""
    return request.path in (API_PATH, API_PATH + "/")


def _wants_json(params: dict[str, str]) -> bool:
    return (params.get("response") or "").lower() == "json"


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render an :class:`ApiError` the way ``ApiServer.getSerializedApiError`` does."""
    try:
        return await handler(request)
    except ApiError as error:
        params = request.get(PARAMS) or dict(request.query)
        name = error.response_name
        if name is None:
            command = params.get("command")
            known = command is not None and command in packaged_spec()
            name = response_name(command) if known and command else "errorresponse"
        data = {name: error.body()}
        if _wants_json(params):
            body, content_type = json.dumps(data, separators=(",", ":")).encode(), JSON_TYPE
        else:
            body, content_type = to_xml(name, error.body()), "text/xml"
        headers = {"X-Description": _header_safe(error.text), **error.headers}
        return web.Response(status=error.code, body=body, headers=headers, content_type=content_type.split(";")[0],
                            charset="UTF-8")


def _header_safe(text: str) -> str:
    """Error texts quote request values; a header must not carry their newlines or non-ASCII,
    nor grow with them (a 100,000-character value would overflow the client's header limit):
    the header keeps the first ``DESCRIPTION_LIMIT`` characters, the JSON body the whole text."""
    plain = "".join(c if " " <= c < "\x7f" else " " for c in text.encode("ascii", "backslashreplace").decode())
    return plain if len(plain) <= DESCRIPTION_LIMIT else plain[: DESCRIPTION_LIMIT - 3] + "..."


async def api(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    settings = runtime.settings
    params = await read_params(request)
    command = params.get("command")
    if command is None:
        raise ApiError(BAD_REQUEST, "no command specified", response_name="errorresponse")
    spec = packaged_spec()
    if command in SESSION_COMMANDS:  # authenticators, not signed API calls
        raise ApiError(UNSUPPORTED_ACTION_ERROR, f"{command} (session logins) is not simulated: sign each request"
                       " with the API key and secret key instead", CS_SERVER_API)
    if command not in spec:  # unknown or wrongly cased: the servlet says 401, not 432
        raise ApiError(UNAUTHORIZED, UNVERIFIED_TEXT, None, response_name="errorresponse")
    apikey = next((v for k, v in params.items() if k.lower() == "apikey"), None)
    cloud = runtime.cloud
    secret_and_user = cloud.keys.get(apikey) if apikey is not None else None
    if secret_and_user is None or not signature_matches(params, secret_and_user[0]):
        raise ApiError(UNAUTHORIZED, UNVERIFIED_TEXT, None)
    user = cloud.users.get(secret_and_user[1])
    if user is None or user["state"] != "enabled":  # a deleted or disabled user's keys stop working
        raise ApiError(UNAUTHORIZED, UNVERIFIED_TEXT, None)
    if check_expiry(params, lambda: datetime.now(timezone.utc)) is not None:
        raise ApiError(UNAUTHORIZED, UNVERIFIED_TEXT, None)
    lowered: dict[str, str] = {}
    for name, value in params.items():
        lowered.setdefault(name.lower(), value)
    cloud.caller = Caller.of(user)  # handlers run synchronously: the caller of this request
    call = Call(command, spec[command], lowered, cloud, runtime.jobs, settings.page_size_limit)
    result = dispatch(call, runtime.commands_table)
    body, content_type = render(response_name(command), result, _wants_json(params))
    return web.Response(body=body, content_type=content_type.split(";")[0], charset="UTF-8")


async def stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[RUNTIME].stats())


async def job_timing(request: web.Request) -> web.Response:
    """Per job: wall-clock ``submitted``/``finished`` times and how often it was queried."""
    return web.json_response(request.app[RUNTIME].jobs.timing)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (the address the simulator binds) is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def admin_only(handler: Handler) -> Handler:
    """Guard a state-changing admin endpoint: on a loopback-only simulator anyone on this
    machine may call it; otherwise the request must carry the admin token printed at start
    (``X-Simulator-Token: TOKEN`` or ``?token=TOKEN``), or it is refused with 403."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        settings = request.app[RUNTIME].settings
        if not is_loopback(settings.host):
            given = request.headers.get(TOKEN_HEADER) or request.query.get("token") or ""
            if not hmac.compare_digest(given.encode(), settings.admin_token.encode()):
                return web.json_response(
                    {"error": f"{request.path} needs the admin token the simulator printed at start"
                              f" ({TOKEN_HEADER} header or token= query): it listens on {settings.host}"},
                    status=FORBIDDEN)
        return await handler(request)

    return guarded


async def reset(request: web.Request) -> web.Response:
    """Clear the counters; ``?inventory=1`` also rebuilds the seeded cloud and drops jobs."""
    runtime = request.app[RUNTIME]
    if request.query.get("inventory", "").lower() in ("1", "true", "yes"):
        runtime.reseed()
    runtime.reset_counters()
    return web.json_response({"reset": True})


async def configure(request: web.Request) -> web.Response:
    """Change tunable settings (latency, faults, job duration) without a restart."""
    try:
        changes = await request.json()
        request.app[RUNTIME].configure(**changes)
    except (ValueError, TypeError) as error:
        return web.json_response({"error": str(error)}, status=BAD_REQUEST)
    return web.json_response(request.app[RUNTIME].settings.public())


async def _warm_json(runtime: Runtime) -> None:
    """Encode VM rows ahead of the first listing, a chunk per loop turn, so even first pages
    are served from cached bytes (a 500-row page then takes ~2 ms instead of ~8)."""
    table = runtime.cloud.vms
    rows = table.rows()[:WARM_ROWS]
    for start in range(0, len(rows), WARM_CHUNK):
        for row in rows[start : start + WARM_CHUNK]:
            if row["id"] in table:
                table.json_of(row)
        await asyncio.sleep(0)


def make_app(settings: Settings, commands: Mapping[str, CommandHandler] = COMMAND_TABLE) -> web.Application:
    """A ready-to-run application for ``settings``, its cloud already seeded; ``commands`` is
    the command table (API name -> handler) it serves."""
    app = web.Application(middlewares=[error_middleware, fault_middleware(RUNTIME, is_api_request, read_params)])
    app[RUNTIME] = Runtime(settings, commands)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        warming = asyncio.get_running_loop().create_task(_warm_json(app[RUNTIME]))
        yield
        warming.cancel()
        app[RUNTIME].jobs.cancel_timers()  # pending jobs must not fire on a closed loop

    app.cleanup_ctx.append(lifecycle)
    app.add_routes([
        web.get(API_PATH, api), web.post(API_PATH, api), web.get(API_PATH + "/", api), web.post(API_PATH + "/", api),
        web.get("/_simulator/stats", stats), web.get("/_simulator/jobs", job_timing),
        web.post("/_simulator/reset", admin_only(reset)),
        web.post("/_simulator/config", admin_only(configure)),
    ])
    return app
