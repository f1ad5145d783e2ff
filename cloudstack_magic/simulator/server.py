"""Running the simulator in-process: :class:`Simulator` on the current loop,
:class:`SimulatorThread` on a daemon thread's own loop (for sync code and shared test fixtures).
"""

from __future__ import annotations

import asyncio
import difflib
import threading
from dataclasses import fields
from typing import Any

from aiohttp import web

from .app import API_PATH, RUNTIME, make_app
from .runtime import Runtime, Settings

__all__ = ["Simulator", "SimulatorThread"]


class Simulator:
    """A CloudStack endpoint on 127.0.0.1 (port 0 picks a free port)::

        async with Simulator(vms=200, seed=42) as sim:
            sim.endpoint  # "http://127.0.0.1:PORT/client/api"
    """

    def __init__(self, **settings: Any) -> None:
        known = [f.name for f in fields(Settings)]
        unknown = [name for name in settings if name not in known]
        if unknown:
            hints = {name: difflib.get_close_matches(name, known, n=1) for name in unknown}
            shown = ", ".join(f"{name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                              for name, hint in hints.items())
            raise TypeError(f"unknown simulator setting {shown}; settings are: {', '.join(known)}")
        self.settings = Settings(**settings)
        self._runner: web.AppRunner | None = None
        self._runtime: Runtime | None = None
        self.port: int | None = None

    def __repr__(self) -> str:
        state = f"serving {self.endpoint}" if self._runner else "stopped"
        return f"<Simulator {state} vms={self.settings.vms} seed={self.settings.seed}>"

    @property
    def api_key(self) -> str:
        return self.settings.api_key

    @property
    def secret_key(self) -> str:
        return self.settings.secret_key

    @property
    def admin_token(self) -> str:
        """What POST admin requests carry when the simulator listens beyond loopback."""
        return self.settings.admin_token

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the simulator is not running: use `async with Simulator(...)` or start()")
        host = self.settings.host
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    @property
    def endpoint(self) -> str:
        return self.base_url + API_PATH

    def regions(self, base: str = "simulator") -> list[tuple[str, str, str]]:
        """``(region name, api key, secret key)`` for each key pair it accepts: ``base`` for the
        admin, then ``base-<account>`` per class account (``accounts=N``)."""
        regions = [(base, self.api_key, self.secret_key)]
        if self._runtime is not None:
            cloud = self._runtime.cloud
            for key, (secret, userid) in cloud.keys.items():
                user = cloud.users.get(userid)
                if key != self.api_key and user is not None:
                    regions.append((f"{base}-{user['account']}", key, secret))
        return regions

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the simulator is not running")
        return self._runtime

    async def start(self) -> Simulator:
        app = make_app(self.settings)
        runner = web.AppRunner(app, handle_signals=False, handler_cancellation=True, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.host, self.settings.port)
        await site.start()
        self._runner, self._runtime = runner, app[RUNTIME]
        self.port = runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
            self.port = None

    async def __aenter__(self) -> Simulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def stats(self) -> dict[str, Any]:
        """What ``GET /_simulator/stats`` answers (``commands``: name → requests received)."""
        return self.runtime.stats()

    def reset(self, inventory: bool = False) -> None:
        """Clear the counters; with ``inventory=True`` also rebuild the seeded cloud."""
        if inventory:
            self.runtime.reseed()
        self.runtime.reset_counters()

    def configure(self, **changes: Any) -> None:
        """Change latency_ms, job_seconds, fail_rate, drop_rate, throttle or page_size_limit."""
        self.runtime.configure(**changes)


class SimulatorThread:
    """The same object API as :class:`Simulator`, served from a daemon thread's event loop::

        with SimulatorThread(vms=120, job_seconds=0.3) as sim:
            cs.CloudStack(endpoint=sim.endpoint, key=sim.api_key, secret=sim.secret_key)
    """

    def __init__(self, **settings: Any) -> None:
        self.simulator = Simulator(**settings)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return repr(self.simulator).replace("<Simulator", "<SimulatorThread", 1)

    def __getattr__(self, name: str) -> Any:
        if name in ("settings", "api_key", "secret_key", "endpoint", "base_url", "port", "runtime", "regions",
                    "admin_token"):
            return getattr(self.simulator, name)
        raise AttributeError(name)

    def start(self, timeout: float = 120) -> SimulatorThread:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="cloudstack-simulator", daemon=True)
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.simulator.start(), loop).result(timeout)
        except BaseException:
            self._shutdown_loop()
            raise
        return self

    def stop(self, timeout: float = 30) -> None:
        if self._loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.simulator.stop(), self._loop).result(timeout)
        finally:
            self._shutdown_loop()

    def _shutdown_loop(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(10)
        loop.close()

    def _on_loop(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        if self._loop is None:
            raise RuntimeError("the simulator thread is not running")

        async def call() -> Any:
            return function(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(30)

    def stats(self) -> dict[str, Any]:
        return self._on_loop(self.simulator.stats)  # type: ignore[no-any-return]

    def reset(self, inventory: bool = False) -> None:
        self._on_loop(self.simulator.reset, inventory)

    def configure(self, **changes: Any) -> None:
        self._on_loop(self.simulator.configure, **changes)

    def __enter__(self) -> SimulatorThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
