"""Lists complete or loud against the simulator while another client changes the list.

Another client expunges one VM and deploys one every 30 ms while ``listVirtualMachines
listall=true pagesize=20`` reads. Each listing must either raise ``ListChangedError`` or hold
every VM that existed for the whole listing, none twice. Bounded: a few listings, each a few
seconds at most.
"""

from __future__ import annotations

import asyncio
import random
import warnings
from collections.abc import Callable
from typing import Any

from cloudstack_magic import CloudStack, ListChangedError, ListChangedWarning

LISTINGS = 6
CHURN_EVERY = 0.03


def client(sim: Any, **options: Any) -> CloudStack:
    return CloudStack(sim.endpoint, sim.api_key, sim.secret_key,
                      **{"poll_initial": 0.05, "async_poll_latency": 0.1, **options})


async def vm_ids(cs: CloudStack) -> list[str]:
    reply = await cs.call("listVirtualMachines", {"listall": "true", "pagesize": "20"})
    return [vm["id"] for vm in reply.get("virtualmachine", [])]


async def test_a_list_read_while_vms_come_and_go_is_complete_or_raises(
        fresh_simulator: Callable[..., Any]) -> None:
    sim = fresh_simulator(vms=400, latency_ms=20, job_seconds=0.0)
    rng = random.Random(7)
    outcomes: list[str] = []
    async with client(sim, page_concurrency=4) as reader, client(sim) as churner:
        zone = (await reader.listZones())["zone"][0]
        template = (await reader.listTemplates(templatefilter="executable", zoneid=zone["id"]))["template"][0]
        offering = (await reader.listServiceOfferings())["serviceoffering"][0]
        args = {"zoneid": zone["id"], "templateid": template["id"], "serviceofferingid": offering["id"]}
        running = asyncio.Event()
        known: list[str] = await vm_ids(reader)

        async def churn() -> None:
            for step in range(2_000):  # bounded: far more than the listings need
                await running.wait()
                victim = known.pop(rng.randrange(len(known)))  # a VM of the start, never one deployed
                await churner.call("destroyVirtualMachine", {"id": victim, "expunge": "true"}, wait=False)
                await churner.call("deployVirtualMachine", {**args, "name": f"churn-{step}"}, wait=False)
                await asyncio.sleep(CHURN_EVERY)

        churning = asyncio.ensure_future(churn())
        try:
            for _ in range(LISTINGS):
                before = set(await vm_ids(reader))  # nothing changes while this is read
                running.set()
                await asyncio.sleep(CHURN_EVERY * 2)
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", ListChangedWarning)
                        listed = await asyncio.wait_for(vm_ids(reader), 60)
                except ListChangedError:
                    outcomes.append("raised")
                    listed = None
                running.clear()
                await asyncio.sleep(CHURN_EVERY * 4)  # let the churn step under way finish
                after = set(await vm_ids(reader))
                if listed is not None:
                    assert len(listed) == len(set(listed)), "a VM listed twice"
                    missing = (before & after) - set(listed)
                    assert not missing, f"{len(missing)} VMs that existed throughout are missing, silently"
                    outcomes.append("exact")
        finally:
            churning.cancel()
            await asyncio.gather(churning, return_exceptions=True)
    assert len(outcomes) == LISTINGS
    assert sim.stats()["commands"]["destroyVirtualMachine"] >= LISTINGS  # the list really changed
