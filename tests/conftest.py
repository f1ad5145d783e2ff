"""Shared fixtures: a running CloudStack simulator for every test area.

``simulator`` (session scope)
    A :class:`~cloudstack_magic.simulator.SimulatorThread` with ``vms=120, seed=42,
    job_seconds=0.3`` serving on 127.0.0.1 from a daemon thread, so sync and async tests (any
    event loop) can use it. Use ``simulator.endpoint``, ``simulator.api_key``,
    ``simulator.secret_key``; ``simulator.stats()["commands"]`` counts API requests per command
    (also ``methods``, ``statuses``, ``max_in_flight``, ``recent`` requests with their
    ``page``/``pagesize``/``jobid``, ``jobs``, ``inventory`` sizes). It is shared: call
    ``simulator.reset()`` first when you assert on counters, and ``simulator.reset(inventory=True)``
    if your test changed the cloud in a way others could notice. Do not ``configure()`` faults on
    it; use ``fresh_simulator`` for that.

``fresh_simulator`` (function scope)
    A factory: ``sim = fresh_simulator(vms=30, latency_ms=50, fail_rate=0.2, throttle=5, ...)``
    starts a private ``SimulatorThread`` (same keywords as ``Simulator``; defaults ``vms=40``,
    ``job_seconds=0.2``) that is stopped when the test ends. ``sim.configure(...)`` changes
    latency_ms, job_seconds, fail_rate, drop_rate, throttle or page_size_limit while it runs.

Facts worth knowing when asserting: the demo caller is the root admin account ``admin``. As on
a real CloudStack, a list without ``listall=true`` shows only the caller's own resources, and
project resources only appear with ``projectid=<id>`` or ``projectid=-1``. The VM count seen with
``listall=true`` is ``len([v for v in sim.runtime.cloud.vms if "projectid" not in v])``;
``sim.runtime.cloud`` holds every table (read it only from the test thread when idle).
``fresh_simulator(accounts=N)`` adds class accounts ``student01``...; ``sim.regions()`` gives
``(region, api key, secret key)`` for the admin and each of them (a student sees only its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cloudstack_magic.simulator import SimulatorThread

SHARED_SETTINGS = {"vms": 120, "seed": 42, "job_seconds": 0.3}
FRESH_DEFAULTS = {"vms": 40, "seed": 42, "job_seconds": 0.2}


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimulatorThread]:
    with SimulatorThread(**SHARED_SETTINGS) as sim:
        yield sim


@pytest.fixture
def fresh_simulator() -> Iterator[Callable[..., SimulatorThread]]:
    started: list[SimulatorThread] = []

    def start(**settings: Any) -> SimulatorThread:
        sim = SimulatorThread(**{**FRESH_DEFAULTS, **settings}).start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()
