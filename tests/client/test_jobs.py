"""Job polling: success, failure, server-side cancel, timeout, cancelling the wait, backoff."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudstack_magic import (
    JobCancelledError,
    JobError,
    JobFailedError,
    JobProgress,
    JobTimeoutError,
    abandoned_job,
    TransportError,
)
from cloudstack_magic.client._jobs import FASTEST_POLL, POLL_SHARE, next_poll_delay, wait_for_job


class FakeJob:
    def __init__(self, replies: list[dict[str, Any]]) -> None:
        self.replies = replies
        self.polls = 0
        self.times: list[float] = []

    async def __call__(self, jobid: str) -> dict[str, Any]:
        self.times.append(asyncio.get_running_loop().time())
        reply = self.replies[min(self.polls, len(self.replies) - 1)]
        self.polls += 1
        return {"jobid": jobid, **reply}


async def wait(job: FakeJob, events: list[Any] | None = None, **kw: Any) -> Any:
    options = {"poll_initial": 0.01, "poll_max": 0.04, "timeout": 5.0, **kw}
    return await wait_for_job(job, "job-1", command="deployVirtualMachine",
                              progress=None if events is None else events.append, **options)


RUNNING = {"jobstatus": 0, "jobprocstatus": 0}


async def test_success_returns_jobresult_and_reports_progress() -> None:
    job = FakeJob([RUNNING, RUNNING, {"jobstatus": 1, "jobresult": {"virtualmachine": {"id": "vm-1"}}}])
    events: list[JobProgress] = []
    assert await wait(job, events) == {"virtualmachine": {"id": "vm-1"}}
    assert [e.state for e in events] == ["pending", "pending", "pending", "succeeded"]
    assert [e.polls for e in events] == [0, 1, 2, 3]
    assert events[-1].done and not any(e.done for e in events[:-1])
    assert events[-1].jobstatus == 1 and events[1].jobprocstatus == 0


async def test_first_poll_is_fast_and_polls_follow_the_schedule() -> None:
    job = FakeJob([RUNNING] * 4 + [{"jobstatus": 1, "jobresult": {}}])
    start = asyncio.get_running_loop().time()
    await wait(job, poll_initial=0.03, poll_max=0.05)
    gaps = [b - a for a, b in zip([start, *job.times], job.times)]
    assert 0.029 <= gaps[0] < 0.06 and all(0.029 <= g < 0.08 for g in gaps[1:])


def test_schedule_grows_with_the_time_waited_and_is_capped() -> None:
    assert next_poll_delay(0.2, 0.2, 2.0) == FASTEST_POLL  # short waits: poll often
    assert next_poll_delay(10.0, 0.2, 2.0) == pytest.approx(POLL_SHARE * 10)
    assert next_poll_delay(100.0, 0.2, 2.0) == 2.0  # async_poll_latency caps it
    assert next_poll_delay(0.0, 0.01, 2.0) == 0.01  # a smaller poll_initial lowers the floor


@settings(max_examples=200, deadline=None)
@given(st.floats(0.05, 1800))
def test_a_result_is_late_by_at_most_a_tenth_of_the_job_or_150_ms(finished: float) -> None:
    # replay the schedule: the first poll at or after `finished` must come within the bound
    poll_initial, poll_max = 0.2, 2.0
    polls = [poll_initial]
    while polls[-1] < finished:
        polls.append(polls[-1] + next_poll_delay(polls[-1], poll_initial, poll_max))
    late = polls[-1] - finished
    if finished <= poll_initial:
        assert late <= poll_initial - finished
    else:
        assert late <= max(0.15, 0.1 * finished)
    if finished < 20:  # below the async_poll_latency cap, 1 % of the job is left for the round trip
        assert late <= max(0.15, 0.09 * finished) + 1e-9


def test_polls_for_a_thirty_minute_job_stay_few() -> None:
    t, polls = 0.2, 1
    while t < 1800:
        t += next_poll_delay(t, 0.2, 2.0)
        polls += 1
    assert polls < 1000


async def test_failed_job_carries_errorcode_and_text_from_jobresult() -> None:
    job = FakeJob([{"jobstatus": 2, "jobresultcode": 530, "jobresulttype": "object",
                    "jobresult": {"errorcode": 431, "errortext": "Unable to\nfind template"}}])
    with pytest.raises(JobFailedError) as caught:
        await wait(job)
    error = caught.value
    assert (error.error_code, error.error_text, error.jobid) == (431, "Unable to find template", "job-1")
    assert str(error) == "deployVirtualMachine job job-1 failed: Unable to find template (error 431)"


async def test_cancelled_on_the_server() -> None:
    with pytest.raises(JobCancelledError, match="job job-1 was cancelled on the server"):
        await wait(FakeJob([{"jobstatus": 3}]))


async def test_timeout_names_the_job_that_may_still_run() -> None:
    job = FakeJob([RUNNING])
    events: list[JobProgress] = []
    with pytest.raises(JobTimeoutError, match="did not finish within 0.1 s; it may still be running") as caught:
        await wait(job, events, timeout=0.1)
    assert caught.value.jobid == "job-1" and job.polls >= 2 and events[-1].done


async def test_cancelling_the_wait_stops_polling_and_names_the_job() -> None:
    job = FakeJob([RUNNING])
    events: list[JobProgress] = []
    task = asyncio.ensure_future(wait(job, events))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as caught:
        await task
    assert type(caught.value) is asyncio.CancelledError
    assert abandoned_job(caught.value) == ("deployVirtualMachine", "job-1")
    assert any("queryAsyncJobResult jobid=job-1" in note for note in caught.value.__notes__)
    polls = job.polls
    await asyncio.sleep(0.1)
    assert job.polls == polls  # no polling after the cancel
    assert events[-1].state == "cancelled" and events[-1].done


async def test_a_timeout_around_the_wait_raises_timeout_error() -> None:
    # asyncio.timeout on Python 3.11 converts only the exact CancelledError class into
    # TimeoutError; the job must not turn a caller's timeout into a stray cancellation.
    job = FakeJob([RUNNING])
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await wait(job)
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_many_jobs_gathered() -> None:
    jobs = [FakeJob([RUNNING] * (i % 4) + [{"jobstatus": 1, "jobresult": {"n": i}}]) for i in range(40)]
    results = await asyncio.gather(*(wait(job) for job in jobs))
    assert results == [{"n": i} for i in range(40)]


async def test_a_broken_poll_keeps_the_jobid_in_the_error() -> None:
    async def broken(jobid: str) -> dict[str, Any]:
        raise TransportError("listX: connection dropped")

    with pytest.raises(JobError, match="lost track of deployVirtualMachine job job-1: .*queryAsyncJobResult"):
        await wait_for_job(broken, "job-1", command="deployVirtualMachine", poll_initial=0.01, poll_max=0.01,
                           timeout=1)


async def test_garbage_jobstatus_is_an_invalid_response() -> None:
    from cloudstack_magic import InvalidResponseError

    with pytest.raises(InvalidResponseError, match="no valid jobstatus"):
        await wait(FakeJob([{"jobstatus": "weird"}]))


async def test_wait_for_timeout_around_a_job_is_a_timeout_and_stops_polling() -> None:
    job = FakeJob([RUNNING])
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(wait(job), 0.1)
    polls = job.polls
    await asyncio.sleep(0.08)
    assert job.polls == polls
