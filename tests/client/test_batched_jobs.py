"""Batched job polling: every job a client waits for is polled by one listAsyncJobs a tick."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from cloudstack_magic import BadRequestError, CloudStack, JobProgress
from cloudstack_magic._errors import error_for_status
from cloudstack_magic.client._job_poller import JobPoller
from cloudstack_magic.client._jobs import next_poll_delay, wait_for_job

CREATED = "2026-12-01T10:00:00+0000"


class FakeJobs:
    """Jobs that finish at given monotonic times; counts both kinds of request."""

    def __init__(self, refuse_listing: int | None = None) -> None:
        self.finish_at: dict[str, float] = {}
        self.queries: list[str] = []
        self.listings: list[str] = []
        self.refuse_listing = refuse_listing

    def add(self, jobid: str, seconds: float) -> None:
        self.finish_at[jobid] = time.monotonic() + seconds

    def row(self, jobid: str) -> dict[str, Any]:
        done = time.monotonic() >= self.finish_at[jobid]
        row: dict[str, Any] = {"jobid": jobid, "jobstatus": int(done), "created": CREATED}
        if done:
            row["jobresult"] = {"virtualmachine": {"id": f"vm-of-{jobid}"}}
        return row

    async def query(self, jobid: str) -> dict[str, Any]:
        self.queries.append(jobid)
        await asyncio.sleep(0.001)
        return self.row(jobid)

    async def list_jobs(self, startdate: str) -> list[Any]:
        self.listings.append(startdate)
        await asyncio.sleep(0.001)
        if self.refuse_listing is not None:
            code = self.refuse_listing
            raise error_for_status(code)(f"listAsyncJobs: refused (error {code})", code, "refused", None,
                                         status=code, command="listAsyncJobs")
        return [self.row(jobid) for jobid in self.finish_at]


def poller_for(fake: FakeJobs) -> JobPoller:
    return JobPoller(fake.query, fake.list_jobs, next_poll_delay)


async def wait(fake: FakeJobs, poller: JobPoller | None, jobid: str, events: list[Any] | None = None,
               **kw: Any) -> Any:
    options = {"poll_initial": 0.02, "poll_max": 0.05, "timeout": 30.0, **kw}
    return await wait_for_job(fake.query, jobid, command="deployVirtualMachine", poller=poller,
                              progress=None if events is None else events.append, **options)


async def test_twenty_jobs_cost_one_listing_a_tick_and_two_queries_each() -> None:
    fake = FakeJobs()
    poller = poller_for(fake)
    for i in range(20):
        fake.add(f"j{i}", 0.5 + i * 0.03)
    results = await asyncio.gather(*(wait(fake, poller, f"j{i}") for i in range(20)))
    assert [r["virtualmachine"]["id"] for r in results] == [f"vm-of-j{i}" for i in range(20)]
    # the first check of each job is its own, then one query when the listing shows it finished
    assert len(fake.queries) <= 2 * 20 + 5
    assert all(fake.queries.count(f"j{i}") <= 3 for i in range(20))
    assert fake.listings and set(fake.listings) == {CREATED}  # bounded by the oldest job's start
    # alone, each job polls on its own schedule: about 20 x (ticks) queries
    alone = FakeJobs()
    for i in range(20):
        alone.add(f"j{i}", 0.5 + i * 0.03)
    await asyncio.gather(*(wait(alone, None, f"j{i}") for i in range(20)))
    assert len(fake.queries) + len(fake.listings) < len(alone.queries) / 2


async def test_a_single_job_is_polled_alone_as_before() -> None:
    fake = FakeJobs()
    fake.add("j1", 0.2)
    events: list[JobProgress] = []
    result = await wait(fake, poller_for(fake), "j1", events)
    assert result == {"virtualmachine": {"id": "vm-of-j1"}}
    assert fake.listings == [] and len(fake.queries) == events[-1].polls >= 2
    assert events[-1].done and events[-1].state == "succeeded"


@pytest.mark.parametrize("code", [401, 432])
async def test_a_refused_listing_falls_back_to_polling_each_job(code: int) -> None:
    fake = FakeJobs(refuse_listing=code)
    poller = poller_for(fake)
    for i in range(5):
        fake.add(f"j{i}", 0.3)
    results = await asyncio.gather(*(wait(fake, poller, f"j{i}") for i in range(5)))
    assert len(results) == 5 and not poller.batching
    assert len(fake.listings) == 1  # asked once, then never again
    assert all(fake.queries.count(f"j{i}") >= 2 for i in range(5))


async def test_a_failing_listing_is_retried_next_tick_and_jobs_still_finish() -> None:
    fake = FakeJobs()
    real = fake.list_jobs
    failures = [0]

    async def flaky(startdate: str) -> list[Any]:
        if failures[0] < 2:
            failures[0] += 1
            raise BadRequestError("listAsyncJobs: busy (error 530)", 530, "busy", None, status=530)
        return await real(startdate)

    poller = JobPoller(fake.query, flaky, next_poll_delay)
    for i in range(3):
        fake.add(f"j{i}", 0.4)
    results = await asyncio.gather(*(wait(fake, poller, f"j{i}") for i in range(3)))
    assert len(results) == 3 and poller.batching and fake.listings


async def test_cancelling_one_waiter_leaves_the_others_waiting() -> None:
    fake = FakeJobs()
    poller = poller_for(fake)
    for i in range(4):
        fake.add(f"j{i}", 0.4)
    fake.add("slow", 60)
    events: dict[str, list[Any]] = {name: [] for name in ["j0", "j1", "j2", "j3", "slow"]}
    tasks = {name: asyncio.ensure_future(wait(fake, poller, name, events[name])) for name in events}
    await asyncio.sleep(0.1)
    tasks["slow"].cancel()
    with pytest.raises(asyncio.CancelledError):
        await tasks["slow"]
    done = await asyncio.gather(*(tasks[f"j{i}"] for i in range(4)))
    assert len(done) == 4
    assert events["slow"][-1].state == "cancelled"
    for i in range(4):  # each job reports its own progress
        assert events[f"j{i}"][-1].state == "succeeded" and events[f"j{i}"][-1].jobid == f"j{i}"
        assert events[f"j{i}"][-1].polls >= 2
    queries_after = len(fake.queries)
    await asyncio.sleep(0.2)
    assert len(fake.queries) == queries_after  # nothing polls once nobody waits


async def test_a_job_the_listing_does_not_show_is_asked_for_directly() -> None:
    fake = FakeJobs()
    real = fake.list_jobs

    async def hiding(startdate: str) -> list[Any]:
        return [row for row in await real(startdate) if row["jobid"] != "hidden"]

    poller = JobPoller(fake.query, hiding, next_poll_delay)
    for name in ("a", "b", "hidden"):
        fake.add(name, 0.3)
    results = await asyncio.gather(*(wait(fake, poller, name) for name in ("a", "b", "hidden")))
    assert results[2] == {"virtualmachine": {"id": "vm-of-hidden"}}
    assert fake.queries.count("hidden") >= 2


async def test_a_timeout_still_applies_per_job() -> None:
    from cloudstack_magic import JobTimeoutError

    fake = FakeJobs()
    poller = poller_for(fake)
    fake.add("quick", 0.1)
    fake.add("never", 3600)
    quick = asyncio.ensure_future(wait(fake, poller, "quick"))
    with pytest.raises(JobTimeoutError, match="never did not finish within 0.5 s"):
        await wait(fake, poller, "never", timeout=0.5)
    assert await quick == {"virtualmachine": {"id": "vm-of-quick"}}


# -- against the simulator ---------------------------------------------------------------------


async def test_concurrent_deploys_on_the_simulator_are_polled_together(fresh_simulator: Callable[..., Any]) -> None:
    sim = fresh_simulator(vms=5, job_seconds=1.0)
    async with CloudStack(sim.endpoint, sim.api_key, sim.secret_key, poll_initial=0.2,
                          async_poll_latency=0.5) as cs:
        zone = (await cs.listZones())["zone"][0]
        template = (await cs.listTemplates(templatefilter="executable", zoneid=zone["id"]))["template"][0]
        offering = (await cs.listServiceOfferings())["serviceoffering"][0]
        args = {"zoneid": zone["id"], "templateid": template["id"], "serviceofferingid": offering["id"]}
        results = await asyncio.wait_for(asyncio.gather(
            *(cs.deployVirtualMachine(**args, name=f"b-{i}") for i in range(10))), 60)
    assert sorted(r["virtualmachine"]["name"] for r in results) == sorted(f"b-{i}" for i in range(10))
    commands = sim.stats()["commands"]
    assert commands["queryAsyncJobResult"] <= 2 * 10 + 2
    assert commands.get("listAsyncJobs", 0) >= 1


async def test_a_listing_the_live_spec_does_not_know_turns_batching_off() -> None:
    from cloudstack_magic import UnknownCommandError

    fake = FakeJobs()
    calls: list[str] = []

    async def unknown(startdate: str) -> list[Any]:
        calls.append(startdate)
        raise UnknownCommandError("no command 'listAsyncJobs'", command="listAsyncJobs")

    poller = JobPoller(fake.query, unknown, next_poll_delay)
    for i in range(3):
        fake.add(f"j{i}", 0.3)
    assert len(await asyncio.gather(*(wait(fake, poller, f"j{i}") for i in range(3)))) == 3
    assert not poller.batching and len(calls) == 1
