"""Running a magic's coroutine: awaited on the kernel's loop with wake-ups, or synchronously.

Calls the cell rewrite could not make awaitable run through :class:`SyncRunner`:
``asyncio.Runner`` semantics when no loop is running (terminal IPython, scripts; Ctrl-C cancels
the work), else a private loop in a daemon thread, cancelled on ``KeyboardInterrupt``.

Two guards, each measured to be needed:

* :func:`await_with_wakeups` keeps a short timer ticking while awaiting. Without it *Interrupt
  kernel* waits for the next network event before the cell notices (ipykernel issue 881).
* :class:`OrphanGuard` is a ``post_run_cell`` hook: in terminal IPython Ctrl-C aborts
  ``run_until_complete`` but leaves the task pending on IPython's loop; the hook cancels it and
  lets it unwind, so it does not silently resume in the next async cell.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["OrphanGuard", "SyncRunner", "await_with_wakeups", "ctrl_c_cancels", "interrupted_by_kernel"]

T = TypeVar("T")

#: Seconds between wake-ups while awaiting (how fast *Interrupt kernel* is noticed).
WAKEUP_INTERVAL = 0.1
#: Seconds a cancelled call gets to unwind (report its jobs) before we stop waiting for it.
UNWIND_TIMEOUT = 2.0


# -- awaiting on the running loop -----------------------------------------------------------------
async def await_with_wakeups(
    work: Awaitable[T], *, interval: float = WAKEUP_INTERVAL, guard: OrphanGuard | None = None
) -> T:
    """Await ``work`` as a task while a timer wakes the loop every ``interval`` seconds.

    Cancelling the caller cancels the work (asyncio propagates it into the awaited task).
    """
    task: asyncio.Future[T] = asyncio.ensure_future(work)
    if guard is not None:
        guard.track(task)

    async def tick() -> None:
        while True:
            await asyncio.sleep(interval)

    ticker = asyncio.ensure_future(tick())
    try:
        return await task
    finally:
        ticker.cancel()


@contextmanager
def ctrl_c_cancels(task: asyncio.Task[Any] | None) -> Iterator[Callable[[], bool]]:
    """Terminal IPython: the first Ctrl-C cancels the awaited cell's ``task``, as a kernel's
    interrupt does, so the call unwinds (reports its jobs) and ends in one line, not in a
    ``KeyboardInterrupt`` raised somewhere inside asyncio. A second Ctrl-C is the default one.

    Yields ``fired()``: whether Ctrl-C is what cancelled the task. Only where Python's default
    handler is in place, in the main thread; anywhere else nothing changes.
    """
    import signal

    fired: list[bool] = []
    if (
        task is None
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield lambda: False
        return
    loop = task.get_loop()

    def on_sigint(signum: int, frame: Any) -> None:
        if fired or task.done():
            raise KeyboardInterrupt
        fired.append(True)
        loop.call_soon_threadsafe(task.cancel)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield lambda: bool(fired)
    finally:
        signal.signal(signal.SIGINT, previous)


def interrupted_by_kernel() -> bool:
    """True when ipykernel's *Interrupt kernel* is what cancelled the cell now running.

    ipykernel runs an async cell as one task and, while it runs, installs a SIGINT handler
    (``handle_sigint`` in ``_cancel_on_sigint``) whose future gets a result on interrupt and
    then cancels the cell's task. Any other cancellation — a user's ``asyncio.timeout``,
    terminal IPython's Ctrl-C, unload — leaves that future pending (or the handler absent).
    """
    import signal

    try:
        handler = signal.getsignal(signal.SIGINT)
    except (ValueError, OSError):
        return False
    if not str(getattr(handler, "__module__", "")).startswith("ipykernel") or getattr(
        handler, "__name__", ""
    ) != "handle_sigint":
        return False
    for cell in getattr(handler, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, asyncio.Future) and value.done() and not value.cancelled():
            return True
    return False


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


# -- the synchronous fallback ---------------------------------------------------------------------
class SyncRunner:
    """Runs a coroutine to completion from synchronous code, whatever the thread's loop state.

    * No loop running in this thread: a persistent ``asyncio.Runner`` (``asyncio.run`` semantics —
      Ctrl-C cancels the work, then ``KeyboardInterrupt`` — but the loop, and so the clients bound
      to it, survive between calls).
    * A loop running (a kernel's sync cell, inside ``def``/``%%time``): a private loop in a daemon
      thread; ``KeyboardInterrupt`` while waiting cancels the work there, lets it unwind briefly
      (so it reports its jobs) and re-raises.
    """

    def __init__(self, thread_name: str = "cloudstack-magic-loop") -> None:
        self._thread_name = thread_name
        self._runner: asyncio.Runner | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, coro: Coroutine[Any, Any, T], *, timeout: float | None = None) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if timeout is None and threading.current_thread() is threading.main_thread():
                if self._runner is None:
                    self._runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)
                return self._runner.run(coro)
        return self.run_in_thread(coro, timeout=timeout)

    def thread_loop(self) -> asyncio.AbstractEventLoop:
        """The daemon thread's loop, started on first use."""
        with self._lock:
            if self._thread_loop is None or self._thread_loop.is_closed():
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                thread = threading.Thread(target=serve, name=self._thread_name, daemon=True)
                thread.start()
                ready.wait()
                self._thread_loop, self._thread = loop, thread
            return self._thread_loop

    def run_in_thread(self, coro: Coroutine[Any, Any, T], *, timeout: float | None = None) -> T:
        finished = threading.Event()

        async def tracked() -> T:
            try:
                return await coro
            finally:
                finished.set()

        future = asyncio.run_coroutine_threadsafe(tracked(), self.thread_loop())
        try:
            return future.result(timeout)
        except KeyboardInterrupt:
            future.cancel()  # marks the future at once; the task unwinds on its loop:
            finished.wait(UNWIND_TIMEOUT)  # give it a moment to report its jobs
            raise
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no answer within {timeout} s") from None

    def loops(self) -> list[asyncio.AbstractEventLoop]:
        """The loops this runner owns (for closing what is bound to them)."""
        found = []
        if self._runner is not None:
            found.append(self._runner.get_loop())
        if self._thread_loop is not None:
            found.append(self._thread_loop)
        return found

    def call_on(
        self, loop: asyncio.AbstractEventLoop, make: Callable[[], Coroutine[Any, Any, Any]]
    ) -> None:
        """Run ``make()`` on ``loop`` now if we can, else schedule it there (best effort)."""
        if loop.is_closed():
            return
        if loop is self._thread_loop:
            try:
                asyncio.run_coroutine_threadsafe(make(), loop).result(UNWIND_TIMEOUT)
            except Exception:
                pass
        elif loop.is_running():
            loop.call_soon_threadsafe(lambda: loop.create_task(make()))
        else:
            try:
                loop.run_until_complete(make())
            except Exception:
                pass

    def close(self) -> None:
        """Stop the thread loop and close the runner; call after closing what runs on them."""
        if self._thread_loop is not None and not self._thread_loop.is_closed():
            loop, thread = self._thread_loop, self._thread
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(UNWIND_TIMEOUT)
            if not loop.is_running():
                loop.close()
        self._thread_loop = self._thread = None
        if self._runner is not None:
            try:
                self._runner.close()
            except RuntimeError:
                pass
            self._runner = None
