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

__all__ = ["fault_middleware"]

SERVICE_UNAVAILABLE = 503
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: How the app reads a request's parameters (query, then form body), and which requests are API calls.
ParamsReader = Callable[[web.Request], Awaitable[dict[str, str]]]
IsApiRequest = Callable[[web.Request], bool]


def fault_middleware(runtime_key: web.AppKey[Any], is_api: IsApiRequest, read_params: ParamsReader) -> Any:
    """The middleware, reading its settings from ``app[runtime_key]`` on every request (they
    can change while running); ``is_api`` and ``read_params`` come from the app, which owns
    how requests are read."""

    @web.middleware
    async def faults(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_api(request):
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
