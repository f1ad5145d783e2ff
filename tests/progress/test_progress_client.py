"""The reporter fed by the real client against the simulator: the event contract end to end."""

from __future__ import annotations

import asyncio
import re

import pytest

from cloudstack_magic.client._client import CloudStack
from cloudstack_magic.client._windows import Tiling
from cloudstack_magic.progress._reporter import ProgressReporter


async def test_a_paged_listing_is_summarised_with_its_rows_and_pages(simulator):
    reporter = ProgressReporter("vms")
    async with CloudStack(simulator.endpoint, simulator.api_key, simulator.secret_key,
                          max_page_size=25) as cs:
        with reporter:
            reply = await cs.call("listVirtualMachines", {"listall": True}, progress=reporter)
    rows = len(reply["virtualmachine"])
    pages = Tiling(25).count_for(rows)  # overlapping reads of <= 25 rows (client/_windows.py)
    assert rows > 25
    assert reporter.summary.startswith(f"listVirtualMachines: {rows:,} rows, {pages} pages in ")
    (listing,) = reporter.snapshot().listings
    assert listing.event.done and listing.event.pages_total == pages


async def test_cancelling_a_job_wait_leaves_it_named_as_still_running(fresh_simulator):
    sim = fresh_simulator(job_seconds=60)
    vm = next(v for v in sim.runtime.cloud.vms if v.get("state") == "Running" and "projectid" not in v)
    reporter = ProgressReporter("stop")
    async with CloudStack(sim.endpoint, sim.api_key, sim.secret_key) as cs:

        async def stop() -> None:
            with reporter:
                await cs.call("stopVirtualMachine", {"id": vm["id"]}, progress=reporter)

        task = asyncio.ensure_future(stop())
        while not reporter.pending_jobs():
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    (command, jobid), = reporter.pending_jobs()
    assert command == "stopVirtualMachine"
    assert reporter.outcome == "cancelled"
    assert re.match(r"stop: cancelled after \d", reporter.summary)
    assert reporter.summary.endswith(f"stopVirtualMachine: job {jobid} still running on the server")
    assert f"%cloudstack queryAsyncJobResult jobid={jobid}" in reporter.pending_hint()

    def polls() -> int:
        commands = sim.stats()["commands"]
        return int(commands.get("queryAsyncJobResult", 0)) + int(commands.get("listAsyncJobs", 0))

    at_cancel = polls()
    await asyncio.sleep(1.0)
    settled = polls()  # a poll already on the wire when the wait was cancelled lands by now
    assert settled <= at_cancel + 1
    await asyncio.sleep(2.5)  # longer than the poller's longest interval (async_poll_latency=2)
    assert polls() == settled  # nobody polls on
