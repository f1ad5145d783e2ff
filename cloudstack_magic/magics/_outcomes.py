"""What the calls of one cell did, and running several at once without one hiding the others.

:class:`Outcome` follows one command of a cell (its job ids and their regions, what it created,
its error) so a failed multi-command cell can say what each command did, and a cancelled one
which jobs are left running where. :func:`gather_all` and :func:`gather_settled` are the two
fan-out rules: the first failure cancels the rest, or every task finishes and reports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from .._errors import CloudStackClientException
from ._messages import one_line, render, usage_error

if TYPE_CHECKING:
    from ..client._events import JobProgress, PageProgress, ProgressCallback

__all__ = ["CallsFailed", "CancelledByUser", "Outcome", "gather_all", "gather_settled", "usage_errors"]

T = TypeVar("T")


class CancelledByUser(Exception):
    """The progress widget's Cancel was clicked."""


class CallsFailed(Exception):
    """Some commands of a multi-command cell failed; the message has a line per command.

    ``first`` is the first failure itself (shown instead when ``short_errors`` is off).
    """

    def __init__(self, message: str, first: BaseException) -> None:
        super().__init__(message)
        self.first = first


@dataclass
class Outcome:
    """What one call of a cell did: its job ids (from its progress events) and its result."""

    command: str
    jobids: list[str] = field(default_factory=list)
    #: The region each job runs in (for check lines that ask the right cloud).
    job_regions: dict[str, str | None] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    error: BaseException | None = None
    finished: bool = False

    def track(self, progress: ProgressCallback | None, region: str | None = None) -> ProgressCallback:
        """``progress`` that also notes this call's job ids (several calls share one reporter)."""

        def tracking(event: PageProgress | JobProgress) -> None:
            jobid = getattr(event, "jobid", None)
            if jobid and jobid not in self.jobids:
                self.jobids.append(jobid)
                self.job_regions[jobid] = region
            if progress is not None:
                progress(event)

        return tracking

    def line(self) -> tuple[str, str, str]:
        if self.error is not None:
            return self.command, "failed", one_line(self.error)
        if not self.finished:
            return self.command, "not run", ""
        words = [f"job {', '.join(self.jobids)}"] if self.jobids else []
        return self.command, "succeeded", ", ".join(words + self.created)


async def gather_all(coros: Iterable[Awaitable[T]]) -> list[T]:
    """Run coroutines at once; the first failure cancels the rest and is raised as itself."""
    tasks: list[asyncio.Task[T]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_as_coroutine(coro)) for coro in coros]
    except BaseExceptionGroup as group_error:
        first: BaseException = group_error.exceptions[0]
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
    return [task.result() for task in tasks]


async def gather_settled(coros: Iterable[Awaitable[T]]) -> list[T | Exception]:
    """Run coroutines at once and let every one finish: each result, or the exception it raised.

    Cancellation is not a result: cancelling the caller cancels them all and propagates.
    """
    tasks = [asyncio.ensure_future(coro) for coro in coros]
    try:
        settled = await asyncio.gather(*tasks, return_exceptions=True)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    results: list[T | Exception] = []
    for item in settled:
        if isinstance(item, BaseException) and not isinstance(item, Exception):
            raise item  # a task's own cancellation or KeyboardInterrupt is not a region's failure
        results.append(item)
    return results


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


@contextmanager
def usage_errors(short_errors: bool) -> Iterator[None]:
    """The package's errors as one-line ``UsageError``; with ``short_errors`` off, the original
    exception (for several failed calls: the first, with every call's outcome as a note)."""
    try:
        yield
    except CloudStackClientException as exc:
        if not short_errors:
            raise
        raise usage_error(render(exc)) from None
    except CallsFailed as exc:
        if not short_errors:
            exc.first.add_note(str(exc))
            raise exc.first from None
        raise usage_error(str(exc)) from None
