"""Peak Python memory (tracemalloc) while listing 20,000 VMs: this project's client against ``cs``.

The simulator runs in its own process, so only the client's allocations are traced: the JSON
pages in flight and the merged rows. Each side runs alone, traced from start to finish.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc

import cs

from benchmarks._figure import Figure
from benchmarks._sim_process import SimulatorProcess

VMS = 20_000
#: The merged rows dominate both; in-flight pages may cost the client a little more than cs.
TARGET_RATIO = 1 / 1.5
MB = 1 << 20


def _traced(function) -> float:  # type: ignore[no-untyped-def]
    gc.collect()
    tracemalloc.start()
    try:
        rows = function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if len(rows) < VMS * 0.9:
        raise RuntimeError(f"listed only {len(rows)} VMs")
    return peak / MB


def run() -> list[Figure]:
    from cloudstack_magic import CloudStack

    with SimulatorProcess(vms=VMS) as sim:
        def ours() -> list[dict]:
            async def listing() -> list[dict]:
                async with CloudStack(sim.endpoint, sim.api_key, sim.secret_key) as client:
                    return (await client.listVirtualMachines(listall=True))["virtualmachine"]

            return asyncio.run(listing())

        def theirs() -> list[dict]:
            client = cs.CloudStack(endpoint=sim.endpoint, key=sim.api_key, secret=sim.secret_key, timeout=120)
            return client.listVirtualMachines(listall=True, fetch_list=True)  # type: ignore[no-any-return]

        theirs()  # warm the simulator's caches and the imports
        cs_peak = _traced(theirs)
        our_peak = _traced(ours)
    ratio = cs_peak / our_peak
    return [Figure(f"peak memory listing {VMS:,} VMs", our_peak, "MiB", "cs fetch_list", cs_peak, ratio,
                   "<= 1.5x cs", ratio >= TARGET_RATIO)]
