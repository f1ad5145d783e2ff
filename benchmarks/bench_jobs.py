"""How soon after an async job finishes does the caller get its result, and at what poll cost.

Jobs of about 2 s, 10 s and 30 s run concurrently (three of each, slightly offset) on one simulator process; the
simulator records when each job really finished and counts its ``queryAsyncJobResult`` calls.
Lateness = result in the caller's hands − job finished. Target: lateness ≤ max(10 % of the
duration, 150 ms) for every job, at no more than about one poll per second on average. ``cs``
(``fetch_result=True``, its default 2 s poll interval) is measured the same way as the baseline.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import cs

from benchmarks._figure import Figure
from benchmarks._sim_process import SimulatorProcess

DURATIONS = (2.0, 10.0, 30.0)
#: Each duration runs as three jobs offset by these seconds, so no poll schedule (cs polls every
#: 2 s) lines up with job ends by accident.
OFFSETS = (0.0, 0.37, 0.81)
POLLS_PER_SECOND_TARGET = 1.0
BOUND_SECONDS = 120  # the whole benchmark gives up past this


def _bound(duration: float) -> float:
    return max(0.10 * duration, 0.150)


def _deploy_args(sim: SimulatorProcess) -> dict[str, str]:
    client = cs.CloudStack(endpoint=sim.endpoint, key=sim.api_key, secret=sim.secret_key)
    zone = client.listZones()["zone"][0]["id"]
    template = client.listTemplates(templatefilter="featured")["template"][0]["id"]
    offering = client.listServiceOfferings()["serviceoffering"][0]["id"]
    return {"zoneid": zone, "templateid": template, "serviceofferingid": offering}


async def _client_jobs(sim: SimulatorProcess, args: dict[str, str]) -> dict[str, float]:
    """jobid -> wall-clock time the client returned the job's result."""
    from cloudstack_magic import CloudStack

    returned: dict[str, float] = {}
    async with CloudStack(sim.endpoint, sim.api_key, sim.secret_key) as client:
        async def one(jobid: str) -> None:
            await client.wait_for_job(jobid, command="deployVirtualMachine")
            returned[jobid] = time.time()

        waits = []
        for duration in DURATIONS:
            for offset in OFFSETS:
                sim.configure(job_seconds=duration + offset)
                accepted = await client.call("deployVirtualMachine", args, wait=False)
                waits.append(asyncio.ensure_future(one(accepted["jobid"])))
        await asyncio.wait_for(asyncio.gather(*waits), BOUND_SECONDS)
    return returned


def _cs_jobs(sim: SimulatorProcess, args: dict[str, str]) -> dict[str, float]:
    returned: dict[str, float] = {}
    client = cs.CloudStack(endpoint=sim.endpoint, key=sim.api_key, secret=sim.secret_key,
                           job_timeout=BOUND_SECONDS)
    threads = []
    for duration in DURATIONS:
        for offset in OFFSETS:
            sim.configure(job_seconds=duration + offset)
            jobid = client.deployVirtualMachine(**args)["jobid"]

            def wait(jobid: str = jobid) -> None:
                client._jobresult(jobid=jobid, headers={})
                returned[jobid] = time.time()

            threads.append(threading.Thread(target=wait, daemon=True))
            threads[-1].start()
    for thread in threads:
        thread.join(BOUND_SECONDS)
    return returned


def _measure(timing: dict[str, Any], returned: dict[str, float]) -> tuple[float, float, bool]:
    """(worst lateness as a share of its bound, polls per second, every job within bound)."""
    worst, polls, seconds, ok = 0.0, 0, 0.0, True
    for jobid, when in returned.items():
        job = timing[jobid]
        late = when - job["finished"]
        worst = max(worst, late / _bound(job["seconds"]))
        ok = ok and late <= _bound(job["seconds"])
        polls += job["queries"]
        seconds += when - job["submitted"]
    return worst, polls / seconds, ok


def run() -> list[Figure]:
    with SimulatorProcess(vms=200) as sim:
        args = _deploy_args(sim)
        ours = _client_jobs_sync(sim, args)
        theirs = _cs_jobs(sim, args)
        timing = sim.job_timing()
    our_worst, our_rate, our_ok = _measure(timing, ours)
    cs_worst, cs_rate, _ = _measure(timing, theirs)
    lateness = {d: max(ours[j] - timing[j]["finished"] for j in ours if round(timing[j]["seconds"]) == d)
                for d in DURATIONS}
    detail = ", ".join(f"~{d:.0f}s: {late * 1000:.0f} ms" for d, late in lateness.items())
    return [
        Figure(f"job result lateness / bound (worst late {detail})", our_worst, "x bound", "cs", cs_worst,
               cs_worst / our_worst if our_worst else float("inf"), "<= 1.0 (max(10%, 150 ms))", our_ok),
        Figure("  polls per second while waiting", our_rate, "polls/s", "cs", cs_rate,
               cs_rate / our_rate if our_rate else float("inf"), f"<= ~{POLLS_PER_SECOND_TARGET:.0f}/s",
               our_rate <= POLLS_PER_SECOND_TARGET * 1.1),
    ]


def _client_jobs_sync(sim: SimulatorProcess, args: dict[str, str]) -> dict[str, float]:
    return asyncio.run(_client_jobs(sim, args))
