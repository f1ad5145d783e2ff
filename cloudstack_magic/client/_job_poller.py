"""Every job a client waits for, polled together: one ``listAsyncJobs`` per tick, not one poll per job.

Polling each job on its own schedule (``_jobs``) costs N requests per tick for N jobs: twenty
concurrent deployments were ~620 ``queryAsyncJobResult`` calls where ``cs`` needs ~120, load on
a management server that other users share. The poller keeps each job's schedule (a result
still arrives within about a tenth of the job's run time) but serves all jobs from one request:

* a job's first check is its own ``queryAsyncJobResult`` (many jobs end within a second; its
  reply also says when the server created the job);
* after that, a tick comes when the job that is most due wants one, and — when two or more
  jobs are waited for — one ``listAsyncJobs startdate=<oldest job's created>`` (paged, like
  every list) says which jobs finished; each finished one then costs one
  ``queryAsyncJobResult`` for its full result. Every job the listing showed still running
  counts as polled, so its next poll moves on by its own schedule;
* a single job, a job the listing does not show, and every job once the server refuses
  ``listAsyncJobs`` (401/432: the role may not allow it; or the live spec has no such
  command) are polled alone, as before.

Cancelling one waiter removes only its job; the poller stops when nobody waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .._errors import CloudStackClientException, CommandError, ListChangedError

__all__ = ["JobPoller", "JobWatch"]

QueryJob = Callable[[str], Awaitable[Any]]
ListJobs = Callable[[str], Awaitable[list[Any]]]
#: Server answers that mean "this key may not list jobs": stop trying for this client.
_REFUSED = frozenset({401, 432})
_CREATED_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


@dataclass(eq=False)
class JobWatch:
    """One waiter's view of its job: replies arrive on ``updates`` as the poller learns them."""

    jobid: str
    poll_initial: float
    poll_max: float
    schedule: Callable[[float, float, float], float]
    started: float = field(default_factory=time.monotonic)
    due: float = 0.0
    created: datetime | None = None
    created_text: str | None = None
    updates: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)

    def __post_init__(self) -> None:
        self.due = self.started + min(self.poll_initial, self.poll_max)

    def polled(self, now: float) -> None:
        self.due = now + self.schedule(now - self.started, self.poll_initial, self.poll_max)

    def learn_created(self, reply: Any) -> None:
        text = reply.get("created") if isinstance(reply, dict) else None
        if self.created is None and isinstance(text, str):
            try:
                self.created, self.created_text = datetime.strptime(text, _CREATED_FORMAT), text
            except ValueError:
                pass

    async def next(self, deadline: float) -> Any:
        """The next reply (a ``queryAsyncJobResult``-shaped dict) or raised error; None past
        ``deadline`` (monotonic)."""
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                item = await self.updates.get()
        except TimeoutError:
            return None
        if isinstance(item, BaseException):
            raise item
        return item


class JobPoller:
    """The jobs one client waits for, and the one task that polls them."""

    def __init__(self, query: QueryJob, list_jobs: ListJobs,
                 schedule: Callable[[float, float, float], float]) -> None:
        self._query = query
        self._list_jobs = list_jobs
        self._schedule = schedule
        self._watches: dict[int, JobWatch] = {}
        self._changed = asyncio.Event()
        self._driver: asyncio.Task[None] | None = None
        #: False once the server refused listAsyncJobs: every job is polled alone from then on.
        self.batching = True

    def watch(self, jobid: str, poll_initial: float, poll_max: float) -> JobWatch:
        watch = JobWatch(jobid, poll_initial, poll_max, self._schedule)
        self._watches[id(watch)] = watch
        self._changed.set()
        if self._driver is None or self._driver.done():
            self._driver = asyncio.ensure_future(self._drive())
        return watch

    def unwatch(self, watch: JobWatch) -> None:
        self._watches.pop(id(watch), None)
        self._changed.set()

    async def _drive(self) -> None:
        while self._watches:
            self._changed.clear()
            wait = min(w.due for w in self._watches.values()) - time.monotonic()
            if wait > 0:
                try:
                    async with asyncio.timeout(wait):
                        await self._changed.wait()  # a new or leaving waiter changes the next tick
                except TimeoutError:
                    pass
                continue
            try:
                await self._tick()
            except Exception as exc:  # pragma: no cover - a bug here must not hang every waiter
                for watch in list(self._watches.values()):
                    watch.updates.put_nowait(exc)  # each waiter raises it; a new watch restarts polling
                return

    async def _tick(self) -> None:
        now = time.monotonic()
        watches = list(self._watches.values())
        due = [w for w in watches if w.due <= now]
        dated = [w for w in watches if w.created is not None]
        alone: list[JobWatch] = [w for w in due if w.created is None]
        finished: list[JobWatch] = []
        if self.batching and len(dated) >= 2 and any(w.due <= now for w in dated):
            rows = await self._listed(min(dated, key=lambda w: w.created or datetime.max))
            if rows is None:
                alone = due
            else:
                for watch in dated:
                    row = rows.get(watch.jobid)
                    if row is None:
                        if watch.due <= now:
                            alone.append(watch)  # not listed (another account's job?): ask for it
                    elif _status(row) == 0:
                        watch.polled(time.monotonic())
                        watch.updates.put_nowait(row)
                    else:
                        finished.append(watch)
        else:
            alone = due
        await asyncio.gather(*(self._ask(w) for w in [*alone, *finished]))

    async def _listed(self, oldest: JobWatch) -> dict[str, Any] | None:
        """jobid -> listAsyncJobs row for jobs created since the oldest one waited for; None
        when the listing failed (the due jobs are then polled alone this tick)."""
        try:
            rows = await self._list_jobs(oldest.created_text or "")
        except CloudStackClientException as exc:
            if exc.status in _REFUSED or exc.error_code in _REFUSED or isinstance(exc, CommandError):
                self.batching = False  # refused by the server, or unknown to the live spec
            return None
        except ListChangedError:
            return None
        return {str(row.get("jobid")): row for row in rows if isinstance(row, dict)}

    async def _ask(self, watch: JobWatch) -> None:
        try:
            reply = await self._query(watch.jobid)
        except CloudStackClientException as exc:
            watch.updates.put_nowait(exc)
            return
        watch.learn_created(reply)
        watch.polled(time.monotonic())
        watch.updates.put_nowait(reply)


def _status(row: Any) -> int | None:
    try:
        return int(row["jobstatus"])
    except (KeyError, TypeError, ValueError):
        return None
