"""Waiting for an async job: ``queryAsyncJobResult`` polling with backoff, timeout and cancel.

The first poll comes fast (``poll_initial``, 0.2 s) because many jobs finish in a second. After
that the next poll comes after :data:`POLL_SHARE` (9 %) of the time waited so far, never sooner
than :data:`FASTEST_POLL` and never later than ``async_poll_latency`` (2 s): a result reaches
the caller within about a tenth of the job's run time (150 ms for short jobs), and a long job
costs few polls (a thirty-minute deployment: about 930 polls instead of 9000 at 0.2 s). ``jobstatus`` is 0 running,
1 succeeded, 2 failed, 3 cancelled (``JobInfo.Status``). Cancelling the waiting task stops
polling at once; the CancelledError propagates unchanged in type, carrying the job (see
:func:`~cloudstack_magic.abandoned_job`), which keeps running on the server.

Given a :class:`~._job_poller.JobPoller`, the same schedule is kept but the polls of every job
the client waits for are served together (one ``listAsyncJobs`` per tick, see ``_job_poller``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .._errors import (
    CloudStackClientException,
    InvalidResponseError,
    JobCancelledError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    mark_abandoned_job,
    readable,
)
from ._events import JobProgress, JobState, ProgressCallback
from ._job_poller import JobPoller, JobWatch

__all__ = ["FASTEST_POLL", "POLL_SHARE", "next_poll_delay", "wait_for_job"]

#: The next poll comes after this share of the time waited so far ...
POLL_SHARE = 0.09
#: ... but never sooner than this many seconds after the previous one (after the first poll).
FASTEST_POLL = 0.15

QueryJob = Callable[[str], Awaitable[Any]]
_STATES: dict[int, JobState] = {0: "pending", 1: "succeeded", 2: "failed", 3: "cancelled"}


async def wait_for_job(
    query: QueryJob,
    jobid: str,
    *,
    command: str,
    poll_initial: float,
    poll_max: float,
    timeout: float,
    progress: ProgressCallback | None = None,
    poller: JobPoller | None = None,
) -> Any:
    """Poll until the job ends; its ``jobresult`` on success, a :class:`JobError` otherwise.

    ``query(jobid)`` returns the unwrapped ``queryAsyncJobResult`` reply. With ``poller`` the
    job is polled together with every other job waited on through it.
    """
    started = time.monotonic()
    deadline = started + timeout
    polls = 0
    status = 0
    procstatus: int | None = None

    def report(state: JobState, done: bool = False) -> None:
        if progress is not None:
            progress(JobProgress(command, jobid, state, status, procstatus, time.monotonic() - started, polls, done))

    report("pending")
    delay = min(poll_initial, poll_max)
    watch: JobWatch | None = poller.watch(jobid, poll_initial, poll_max) if poller is not None else None
    try:
        while True:
            now = time.monotonic()
            if now >= deadline:
                report("pending", done=True)
                raise JobTimeoutError(
                    f"{command} job {jobid} did not finish within {timeout:g} s; it may still be running "
                    f"(check with queryAsyncJobResult jobid={jobid}, or raise job_timeout=)",
                    jobid=jobid, command=command)
            try:
                if watch is None:
                    await asyncio.sleep(min(delay, deadline - now))
                    delay = next_poll_delay(time.monotonic() - started, poll_initial, poll_max)
                    reply = await query(jobid)
                else:
                    reply = await watch.next(deadline)
                    if reply is None:
                        continue  # the deadline passed: the check above says so
            except CloudStackClientException as exc:
                raise JobError(f"lost track of {command} job {jobid}: {exc.message}; it may still be running "
                               f"(check with queryAsyncJobResult jobid={jobid})", jobid=jobid, command=command,
                               status=exc.status, response=exc.response) from exc
            polls += 1
            status, procstatus = _status(reply, command, jobid)
            state = _STATES[status]
            if status == 0:
                report(state)
                continue
            report(state, done=True)
            return _finish(reply, status, command, jobid)
    except asyncio.CancelledError as cancelled:
        report("cancelled", done=True)
        mark_abandoned_job(cancelled, jobid, command)
        raise
    finally:
        if watch is not None and poller is not None:
            poller.unwatch(watch)


def next_poll_delay(elapsed: float, poll_initial: float, poll_max: float) -> float:
    """Seconds until the next poll of a job waited on for ``elapsed`` seconds."""
    return min(poll_max, max(min(FASTEST_POLL, poll_initial), POLL_SHARE * elapsed))


def _status(reply: Any, command: str, jobid: str) -> tuple[int, int | None]:
    try:
        status = int(reply["jobstatus"])
    except (KeyError, TypeError, ValueError):
        status = -1
    if status not in _STATES:
        raise InvalidResponseError(f"queryAsyncJobResult for {command} job {jobid} has no valid jobstatus "
                                   f"(got {reply.get('jobstatus') if isinstance(reply, dict) else reply!r})",
                                   command="queryAsyncJobResult", response=reply)
    try:
        procstatus = int(reply["jobprocstatus"])
    except (KeyError, TypeError, ValueError):
        procstatus = None
    return status, procstatus


def _finish(reply: dict[str, Any], status: int, command: str, jobid: str) -> Any:
    result = reply.get("jobresult")
    if status == 1:
        return result if result is not None else {}
    details = result if isinstance(result, dict) else {}
    code = _int(details.get("errorcode")) or _int(reply.get("jobresultcode"))
    text = readable(details.get("errortext") or result or "")
    if status == 3:
        raise JobCancelledError(f"{command} job {jobid} was cancelled on the server" + (f": {text}" if text else ""),
                                error_code=code, error_text=text or None, response=reply, jobid=jobid, command=command,
                                cserrorcode=_int(details.get("cserrorcode")))
    raise JobFailedError(f"{command} job {jobid} failed: {text or 'no error text'}" + (f" (error {code})" if code else ""),
                         error_code=code, error_text=text or None, response=reply, jobid=jobid, command=command,
                         cserrorcode=_int(details.get("cserrorcode")))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
