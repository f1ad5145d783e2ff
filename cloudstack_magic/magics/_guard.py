"""The orphan guard, apart from the runner so ``%load_ext`` can register it without asyncio.

:class:`OrphanGuard` is a ``post_run_cell`` hook: in terminal IPython Ctrl-C aborts
``run_until_complete`` but leaves the task pending on IPython's loop; the hook cancels it and
lets it unwind, so it does not silently resume in the next async cell. It runs after every
cell, so with nothing tracked it does nothing and imports nothing (asyncio loads with the
first call, which is the only thing that gives it tasks to track).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

__all__ = ["OrphanGuard"]

#: Seconds a cancelled call gets to unwind (report its jobs) before we stop waiting for it.
UNWIND_TIMEOUT = 2.0


class OrphanGuard:
    """Tracks awaited work; after each cell cancels what an interrupt left pending on a stopped loop.

    Only loops that are *not* running are touched: in a kernel the loop keeps running and an
    interrupt already cancels the cell's task; a pending task on a stopped loop (terminal
    IPython after Ctrl-C) can only be an orphan.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[Any]] = set()

    def track(self, task: asyncio.Future[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def pending(self) -> list[asyncio.Future[Any]]:
        return [task for task in self._tasks if not task.done()]

    def __call__(self, result: object = None) -> None:
        """The ``post_run_cell`` hook."""
        for task in self.pending():
            loop = task.get_loop()
            if loop.is_running() or loop.is_closed():
                continue
            task.cancel()
            import asyncio  # loaded already: a tracked task exists

            try:  # let it unwind now (report its jobs), bounded
                loop.run_until_complete(asyncio.wait([task], timeout=UNWIND_TIMEOUT))
            except (RuntimeError, KeyboardInterrupt):
                pass
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: no "exception was never retrieved" noise

    def cancel_all(self) -> None:
        for task in self.pending():
            if not task.get_loop().is_closed():
                task.get_loop().call_soon_threadsafe(task.cancel)
