"""The client against the package's simulator (written separately; it shares no signing code):
several pages of VMs, a deployed VM's job awaited, jobs gathered, injected faults, live spec."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import pytest

from cloudstack_magic import CloudStack, JobProgress, PageProgress, UnknownCommandError


def own_vms(sim: Any) -> int:
    return len([vm for vm in sim.runtime.cloud.vms if "projectid" not in vm])


def client(sim: Any, **options: Any) -> CloudStack:
    return CloudStack(sim.endpoint, sim.api_key, sim.secret_key,
                      **{"poll_initial": 0.05, "async_poll_latency": 0.1, **options})


async def deploy_args(cs: CloudStack) -> dict[str, str]:
    zone = (await cs.listZones())["zone"][0]
    template = (await cs.listTemplates(templatefilter="executable", zoneid=zone["id"]))["template"][0]
    offering = (await cs.listServiceOfferings())["serviceoffering"][0]
    return {"zoneid": zone["id"], "templateid": template["id"], "serviceofferingid": offering["id"]}


async def test_lists_all_vms_over_several_pages(fresh_simulator: Callable[..., Any]) -> None:
    sim = fresh_simulator(vms=230, latency_ms=20)
    expected = own_vms(sim)
    events: list[PageProgress] = []
    async with client(sim, max_page_size=40, page_concurrency=3) as cs:
        result = await cs.call("listVirtualMachines", {"listall": True}, progress=events.append)
    rows = result["virtualmachine"]
    assert result["count"] == len(rows) == expected == len({vm["id"] for vm in rows})
    stats = sim.stats()
    assert stats["commands"]["listVirtualMachines"] == math.ceil(expected / 40) > 3
    assert stats["max_in_flight"] == 3  # concurrent, and bounded
    assert events[-1].done and events[-1].rows_done == expected


async def test_deploys_a_vm_and_awaits_its_job(fresh_simulator: Callable[..., Any]) -> None:
    sim = fresh_simulator(vms=10, job_seconds=0.3)
    events: list[JobProgress] = []
    async with client(sim) as cs:
        args = await deploy_args(cs)
        result = await cs.call("deployVirtualMachine", {**args, "name": "web-01"}, progress=events.append)
        vm = result["virtualmachine"]
        assert vm["name"] == "web-01" and vm["state"] == "Running"
        listed = await cs.listVirtualMachines(id=vm["id"])
    assert listed["virtualmachine"][0]["id"] == vm["id"]
    assert events[0].state == "pending" and events[-1].state == "succeeded" and events[-1].polls >= 1
    assert sim.stats()["commands"]["queryAsyncJobResult"] == events[-1].polls


async def test_many_jobs_gathered(fresh_simulator: Callable[..., Any]) -> None:
    sim = fresh_simulator(vms=5, job_seconds=0.2)
    async with client(sim) as cs:
        args = await deploy_args(cs)
        results = await asyncio.gather(*(cs.deployVirtualMachine(**args, name=f"batch-{i}") for i in range(12)))
    assert sorted(r["virtualmachine"]["name"] for r in results) == sorted(f"batch-{i}" for i in range(12))


async def test_read_only_calls_ride_out_injected_faults(fresh_simulator: Callable[..., Any]) -> None:
    sim = fresh_simulator(vms=120, fail_rate=0.25, drop_rate=0.1)
    expected = own_vms(sim)
    async with client(sim, max_page_size=20, retries=10, retry_backoff=0.01) as cs:
        result = await cs.listVirtualMachines(listall=True)
    assert result["count"] == expected
    stats = sim.stats()
    assert stats["commands"]["listVirtualMachines"] > math.ceil(expected / 20)  # some were retried


async def test_live_spec_from_the_simulator(fresh_simulator: Callable[..., Any]) -> None:
    sim = fresh_simulator(vms=5)
    async with client(sim) as cs:
        spec = await cs.fetch_spec()
        assert "listVirtualMachines" in spec
        sim.reset()
        with pytest.raises(UnknownCommandError, match="did you mean listVirtualMachines"):
            await cs.listVirtualMachine()
    assert sum(sim.stats()["commands"].values()) == 0  # refused before sending


async def test_a_server_with_a_lower_page_size_limit_lists_everything(fresh_simulator: Callable[..., Any]) -> None:
    sim = fresh_simulator(vms=260, page_size_limit=100)
    expected = own_vms(sim)
    assert expected > 200
    async with client(sim) as cs:  # asks 500 rows per page: refused once, then 100
        first = await cs.listVirtualMachines(listall=True)
        sizes = [(r.get("page"), r.get("pagesize")) for r in sim.stats()["recent"]]
        assert sizes[0] == ("1", "500") and sorted(sizes[1:]) == [(str(p), "100") for p in (1, 2, 3)]
        sim.reset()
        again = await cs.listVirtualMachines(listall=True)  # starts at the learned 100
        assert sorted((r.get("page"), r.get("pagesize")) for r in sim.stats()["recent"]) == [
            (str(p), "100") for p in (1, 2, 3)]
        sim.reset()
        halves = await cs.listVirtualMachines(listall=True, pagesize=50)  # pagesize alone: every page
        assert {r.get("pagesize") for r in sim.stats()["recent"]} == {"50"}
        assert sim.stats()["commands"]["listVirtualMachines"] == math.ceil(expected / 50)
    for result in (first, again, halves):
        rows = result["virtualmachine"]
        assert result["count"] == len(rows) == expected == len({vm["id"] for vm in rows})


async def test_a_misspelled_or_mistyped_parameter_never_reaches_the_server(
        fresh_simulator: Callable[..., Any]) -> None:
    from cloudstack_magic import InvalidParameterError

    sim = fresh_simulator(vms=5)
    async with client(sim) as cs:
        with pytest.raises(InvalidParameterError, match="did you mean state"):
            await cs.listVirtualMachines(listall=True, stat="Running")  # would list every state
        with pytest.raises(InvalidParameterError, match="is not a boolean"):
            await cs.listVirtualMachines(listall="maybe")  # the server reads it as false
        await cs.fetch_spec()
        with pytest.raises(InvalidParameterError, match="CloudMonkey"):
            await cs.listVirtualMachines(filter="name,state")
    assert set(sim.stats()["commands"]) == {"listApis"}
