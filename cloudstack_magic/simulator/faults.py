"""Faults on demand, as one middleware factory: throttling, latency, failures, drops.

For API requests only (the admin endpoints stay reliable). Dice come from the runtime's seeded
``Random``, so a run with the same seed and request order fails the same requests. A request
whose client hangs up mid-way is counted as ``cancelled`` (the runner cancels handlers).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .errors import API_LIMIT_EXCEED, ApiError

__all__ = ["API_PATH", "PARAMS", "fault_middleware", "read_params"]

API_PATH = "/client/api"
#: The request's parameters once read (both middlewares and the handler need them).
PARAMS = web.RequestKey("cs_params", dict)
SERVICE_UNAVAILABLE = 503
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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


def fault_middleware(runtime_key: web.AppKey[Any]) -> Any:
    """The middleware, reading its settings from ``app[runtime_key]`` on every request (they
    can change while running)."""

    @web.middleware
    async def faults(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != API_PATH:
            return await handler(request)
        runtime = request.app[runtime_key]
        settings = runtime.settings
        params = await read_params(request)
        runtime.requests += 1
        runtime.methods[request.method] += 1
        runtime.commands[params.get("command", "<none>")] += 1
        seen: dict[str, Any] = {"command": params.get("command"), "method": request.method}
        seen.update((k, params[k]) for k in ("page", "pagesize", "jobid") if k in params)
        runtime.recent.append(seen)
        dropping = False
        runtime.in_flight += 1
        runtime.max_in_flight = max(runtime.max_in_flight, runtime.in_flight)
        try:
            if settings.throttle:
                now = time.monotonic()
                window = runtime.window
                while window and window[0] <= now - 1.0:
                    window.popleft()
                if len(window) >= settings.throttle:
                    runtime.throttled += 1
                    wait_ms = int((window[0] + 1.0 - now) * 1000) + 1
                    raise ApiError(API_LIMIT_EXCEED, "The given user has reached his/her account api limit,"
                                   f" please retry after {wait_ms} ms.", headers={"Retry-After": "1"})
                window.append(now)
            if settings.latency_ms:
                await asyncio.sleep(settings.latency_ms * runtime.dice.uniform(0.8, 1.2) / 1000)
            if settings.fail_rate and runtime.dice.random() < settings.fail_rate:
                runtime.failed += 1
                raise ApiError(SERVICE_UNAVAILABLE, "Simulated transient failure (--fail-rate); retry the request")
            response = await handler(request)
            if settings.drop_rate and runtime.dice.random() < settings.drop_rate and isinstance(response, web.Response):
                runtime.dropped += 1
                dropping = True
                return await _drop(request, response)
            runtime.statuses[response.status] += 1
            return response
        except ApiError as error:
            runtime.statuses[error.code] += 1
            raise
        except asyncio.CancelledError:
            if not dropping:  # the client went away mid-request
                runtime.cancelled += 1
            raise
        finally:
            runtime.in_flight -= 1

    return faults


async def _drop(request: web.Request, response: web.Response) -> web.StreamResponse:
    """Send the headers and half the body, then close the connection."""
    body = response.body if isinstance(response.body, bytes) else b""
    stream = web.StreamResponse(status=response.status, headers=response.headers)
    stream.content_length = len(body)
    await stream.prepare(request)
    await stream.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()
    raise asyncio.CancelledError  # nothing more can be sent; aiohttp drops the handler quietly
