"""``--background``: start CloudStack work on the running loop and hand back a handle at once.

A :class:`BackgroundHandle` wraps an ``asyncio.Task`` running ``with reporter: await work``.
Displaying the handle shows the reporter's live row (a widget in a notebook, with a Cancel
button: the cell has ended, so any kernel delivers the click); when the work ends the row is
replaced by the static summary, and its widgets stay drawn in their final state for frontends
that do not apply display updates to earlier cells. The handle offers ``done()``, ``cancel()``,
``result()``, ``exception()`` and ``await handle`` — also when the magic had to start the work on
its fallback thread's loop (a call inside a ``def``): awaiting relays the outcome across loops.

Why a later cell must ``await`` it: the task only advances while the kernel's loop is free, and
under *Run All* the next cells run back to back. So::

    h = %cloudstack --background deployVirtualMachine …
    …
    vm = await h          # in a later cell, before using the result

``h.result()`` before it is done raises ``InvalidStateError`` saying exactly that. Awaiting is
shielded: interrupting the awaiting cell stops the wait, not the work (use ``h.cancel()``).
In terminal IPython and scripts there is no loop between cells, so background work is refused.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Generator
from typing import Any

from ..client._events import ProgressCallback
from ._reporter import ProgressReporter, reporter_for
from ._text import format_seconds

__all__ = ["BackgroundHandle", "start_background"]

Work = Awaitable[Any] | Callable[[ProgressCallback], Awaitable[Any]]


class BackgroundHandle:
    """A running piece of CloudStack work; display it for a live row, ``await`` it for its result."""

    def __init__(self, task: asyncio.Task[Any], reporter: ProgressReporter, title: str) -> None:
        self.title = title
        self.progress = reporter
        self._task = task
        task.add_done_callback(_mark_retrieved)

    @property
    def task(self) -> asyncio.Task[Any]:
        return self._task

    def done(self) -> bool:
        return self._task.done()

    def cancelled(self) -> bool:
        return self._task.cancelled()

    def cancel(self, msg: str | None = None) -> bool:
        """Stop the work (jobs already submitted keep running server-side; see ``pending_jobs``)."""
        if self._task.done():
            return False
        if _on_loop_of(self._task):
            return self._task.cancel(msg)
        self._task.get_loop().call_soon_threadsafe(self._task.cancel, msg)
        return True

    def result(self) -> Any:
        if not self._task.done():
            raise asyncio.InvalidStateError(
                f"{self.title} is still running: `await` the handle in a later cell "
                "(e.g. `result = await h`); under Run All cells do not wait for background work"
            )
        return self._task.result()

    def exception(self) -> BaseException | None:
        if not self._task.done():
            raise asyncio.InvalidStateError(
                f"{self.title} is still running: `await` the handle in a later cell first"
            )
        return self._task.exception()

    def pending_jobs(self) -> list[tuple[str, str]]:
        """``(command, jobid)`` of jobs still running server-side."""
        return self.progress.pending_jobs()

    @property
    def summary(self) -> str:
        return self.progress.summary

    def __await__(self) -> Generator[Any, None, Any]:
        return self._wait().__await__()

    async def _wait(self) -> Any:
        # Shielded: cancelling the awaiting cell must not cancel the work behind the handle.
        if _on_loop_of(self._task):
            return await asyncio.shield(self._task)
        # The work runs on another thread's loop (started from a position that could not be
        # awaited): relay its outcome to a future of this loop instead of blocking it.
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[Any] = loop.create_future()

        def relay(task: asyncio.Task[Any]) -> None:
            loop.call_soon_threadsafe(_copy_outcome, task, outcome)

        self._task.get_loop().call_soon_threadsafe(self._task.add_done_callback, relay)
        return await outcome

    def status(self) -> str:
        """One line: running for how long, or the final summary."""
        if self._task.done():
            return self.progress.summary
        elapsed = format_seconds(self.progress.snapshot().elapsed)
        return f"{self.title}: running in the background, {elapsed} so far"

    def __repr__(self) -> str:
        return f"<BackgroundHandle {self.status()}>"

    def _ipython_display_(self) -> None:
        if self._task.done() or not self.progress.show_live():
            from IPython.display import display

            display({"text/plain": repr(self)}, raw=True)  # type: ignore[no-untyped-call,unused-ignore]


def _on_loop_of(task: asyncio.Task[Any]) -> bool:
    try:
        return asyncio.get_running_loop() is task.get_loop()
    except RuntimeError:
        return False


def _copy_outcome(task: asyncio.Task[Any], into: asyncio.Future[Any]) -> None:
    if into.done():
        return
    if task.cancelled():
        into.cancel()
    elif (error := task.exception()) is not None:
        into.set_exception(error)
    else:
        into.set_result(task.result())


def _mark_retrieved(task: asyncio.Task[Any]) -> None:
    # The row already shows a failure; asyncio need not log "exception was never retrieved".
    if not task.cancelled():
        task.exception()


async def _run(reporter: ProgressReporter, work: Awaitable[Any]) -> Any:
    with reporter:
        return await work


def start_background(
    work: Work,
    *,
    title: str = "cloudstack",
    mode: str = "auto",
    reporter: ProgressReporter | None = None,
) -> BackgroundHandle:
    """Schedule ``work`` on the running loop and return its handle at once.

    ``work`` is a coroutine, or a function taking the progress callback and returning one (so
    the work reports into the handle's row: ``lambda progress: cs.call(..., progress=progress)``).
    Raises ``RuntimeError`` when no loop is running (terminal IPython, scripts).
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        if inspect.iscoroutine(work):
            work.close()  # never awaited: close it so Python does not warn about it
        raise RuntimeError(
            "background work needs a running event loop (a Jupyter kernel); "
            "in terminal IPython or a script, await the call instead"
        ) from None
    holder: list[BackgroundHandle] = []

    def cancel() -> None:  # the row's Cancel button; may run on another thread than the work
        if holder:
            holder[0].cancel()

    if reporter is None:
        # The cell has already finished when the button is clicked, so any kernel delivers it.
        reporter = reporter_for(
            mode, title, cancel, cancel_button=True, autoshow=False, reveal_after=0
        )
    if not inspect.isawaitable(work):
        work = work(reporter)
    task = loop.create_task(_run(reporter, work), name=f"cloudstack-magic background: {title}")
    holder.append(BackgroundHandle(task, reporter, title))
    return holder[0]
