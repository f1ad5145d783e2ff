"""The simulator's command-line options and its serve loop, for ``cloudstack-magic simulate``.

Prints the endpoint URL and a ``ready`` line once the port is bound (scripts wait for it). The
secret is never printed. What the package adds once the simulator listens (``--write-config``
writes a ``cloudstack.ini`` with the package's config writer) comes in as an ``on_ready``
callback from the package command line (``cloudstack_magic/__main__.py``), so this module
imports nothing of the package outside the simulator.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Callable

from .app import is_loopback as _is_loopback
from .runtime import DEMO_API_KEY, DEMO_SECRET_KEY, Settings
from .server import Simulator

__all__ = ["OnReady", "SetupError", "add_arguments", "run", "serve"]

READY = "ready"


class SetupError(Exception):
    """What an ``on_ready`` callback raises when it cannot do its part: one line, exit 1."""


#: Called once the simulator listens; returns lines to print (e.g. "config: ... written").
OnReady = Callable[["Simulator", argparse.Namespace], list[str]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    add("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    add("--vms", type=int, default=defaults.vms, help=f"virtual machines in the seeded cloud ({defaults.vms})")
    add("--accounts", type=int, default=0, help="user accounts for a class (student01...), each with its own"
        " key pair and resources; --write-config writes one region per account (0)")
    add("--seed", type=int, default=defaults.seed, help=f"seed for inventory and faults ({defaults.seed})")
    add("--latency-ms", type=float, default=0, help="added latency per API request, ±20%% jitter (0)")
    add("--job-seconds", type=float, default=defaults.job_seconds, help="how long async jobs run (2)")
    add("--page-size-limit", type=int, default=defaults.page_size_limit,
        help="default.page.size: the largest pagesize, and the page size when none is given (500)")
    add("--fail-rate", type=float, default=0, help="share of API requests answered 503 (0..1, default 0)")
    add("--drop-rate", type=float, default=0, help="share of responses cut off mid-body (0..1, default 0)")
    add("--throttle", type=int, default=0, help="API requests allowed per second before 429 (0: no limit)")
    add("--api-key", default=DEMO_API_KEY, help="API key to accept (default: the documented demo key)")
    add("--secret-key", default=DEMO_SECRET_KEY, help="secret key (default: the documented demo secret)")
    add("--admin-token", default="", help="token POST admin requests must carry when not on loopback"
        " (default: a fresh random one, printed at start)")
    add("--write-config", metavar="PATH", help="write a cloudstack.ini region for this simulator (mode 0600)")
    add("--region", default="simulator", help="region (section) name for --write-config (simulator)")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(vms=args.vms, seed=args.seed, latency_ms=args.latency_ms, job_seconds=args.job_seconds,
                    page_size_limit=args.page_size_limit, fail_rate=args.fail_rate, drop_rate=args.drop_rate,
                    throttle=args.throttle, host=args.host, port=args.port, api_key=args.api_key,
                    secret_key=args.secret_key, admin_token=args.admin_token,
                    accounts=args.accounts)


async def serve(settings: Settings, args: argparse.Namespace, on_ready: OnReady | None = None) -> None:
    """Run until SIGINT/SIGTERM (or cancellation)."""
    began = time.perf_counter()
    simulator = Simulator(**vars(settings))
    await simulator.start()
    try:
        print(f"CloudStack 4.18 API simulator: {settings.vms} VMs, seed {settings.seed},"
              f" started in {time.perf_counter() - began:.1f} s", flush=True)
        print(f"endpoint: {simulator.endpoint}")
        if settings.accounts:
            print(f"accounts: {settings.accounts} class accounts (student01...), each with its own key pair")
        print(f"api key:  {simulator.api_key}")
        demo = settings.secret_key == DEMO_SECRET_KEY
        print(f"secret:   {'the demo secret (cloudstack_magic.simulator.DEMO_SECRET_KEY)' if demo else 'as given'}")
        print(f"admin token: {simulator.admin_token} (POST /_simulator/config and /_simulator/reset"
              " need it in an X-Simulator-Token header unless the simulator listens on loopback only)")
        if not _is_loopback(settings.host):
            print(f"warning: listening on {settings.host}: other machines can reach this simulator")
        for line in on_ready(simulator, args) if on_ready is not None else []:
            print(line)
        print(f"{READY}: serving {simulator.endpoint} (Ctrl-C stops)", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await simulator.stop()
        print("simulator stopped", flush=True)




def run(args: argparse.Namespace, parser: argparse.ArgumentParser, on_ready: OnReady | None = None) -> int:
    """Serve with the parsed ``args``; the exit status (1 with one error line on failure)."""
    try:
        settings = _settings(args)
    except ValueError as error:
        parser.error(str(error))
    try:
        asyncio.run(serve(settings, args, on_ready))
    except OSError as error:  # port taken, address not available, config not writable
        print(f"error: {error.strerror or error}", file=sys.stderr)
        return 1
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
