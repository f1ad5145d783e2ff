"""Listing 20,000 VMs at 50 ms simulated latency: this project's client against ``cs``.

Both list every VM (``listall=true``) from the same simulator process in the same run: ``cs``
with ``fetch_list=True`` (pages one after another), the client with its default bounded
concurrent paging. The round-trip limit is ``ceil(pages / concurrency) + 1`` latencies (the first
page tells how many there are); the figure prints how close the client gets.
"""

from __future__ import annotations

import asyncio
import math
import time

import cs

from benchmarks._figure import Figure
from benchmarks._sim_process import SimulatorProcess

VMS = 20_000
LATENCY_MS = 50
PAGE_SIZE = 500
ROUNDS = 2  # best of, for each side
TARGET = 6.0


def _time_cs(sim: SimulatorProcess) -> tuple[float, int]:
    client = cs.CloudStack(endpoint=sim.endpoint, key=sim.api_key, secret=sim.secret_key, timeout=120)
    began = time.perf_counter()
    rows = client.listVirtualMachines(listall=True, fetch_list=True)
    return time.perf_counter() - began, len(rows)


async def _time_client(sim: SimulatorProcess) -> tuple[float, int]:
    from cloudstack_magic import CloudStack

    async with CloudStack(sim.endpoint, sim.api_key, sim.secret_key) as client:
        await client.listZones()  # open the connection pool outside the timing, as cs's session does
        began = time.perf_counter()
        reply = await client.listVirtualMachines(listall=True)
        elapsed = time.perf_counter() - began
    return elapsed, len(reply["virtualmachine"])


def run() -> list[Figure]:
    with SimulatorProcess(vms=VMS, latency_ms=LATENCY_MS, page_size_limit=PAGE_SIZE) as sim:
        cs_best, ours_best, rows = math.inf, math.inf, set()
        for _ in range(ROUNDS):
            elapsed, count = _time_cs(sim)
            cs_best, rows = min(cs_best, elapsed), rows | {count}
            elapsed, count = asyncio.run(_time_client(sim))
            ours_best, rows = min(ours_best, elapsed), rows | {count}
    if len(rows) != 1:
        raise RuntimeError(f"the clients listed different numbers of VMs: {sorted(rows)}")
    pages = math.ceil(rows.pop() / PAGE_SIZE)
    concurrency = 8
    floor = (math.ceil((pages - 1) / concurrency) + 1) * LATENCY_MS / 1000
    ratio = cs_best / ours_best
    return [
        Figure(f"list {VMS:,} VMs @{LATENCY_MS} ms ({pages} pages)", ours_best, "s", "cs fetch_list", cs_best,
               ratio, f">= {TARGET:.0f}x faster", ratio >= TARGET),
        Figure("  same, vs round-trip limit", ours_best, "s", "latency floor", floor, floor / ours_best,
               "informative", True),
    ]
