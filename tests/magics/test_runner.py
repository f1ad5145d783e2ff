"""The kernel-loop guards and the synchronous fallback, on plain asyncio (no shell needed)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from typing import Any

import pytest

from cloudstack_magic.magics._runner import OrphanGuard, SyncRunner, await_with_wakeups


def interrupt_main_after(seconds: float) -> threading.Timer:
    """A real SIGINT (Ctrl-C), which also wakes a main thread blocked in select or a lock."""
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


async def test_wakeups_let_a_cancel_without_wakeup_through() -> None:
    """ipykernel#881: a cancel scheduled without waking the selector waits for the next event;
    the wake-up timer makes it land within a tick."""
    loop = asyncio.get_running_loop()
    never = loop.create_future()
    outer = asyncio.ensure_future(await_with_wakeups(never, interval=0.05))
    await asyncio.sleep(0.1)
    # like a signal handler would: queue the cancel without writing to the self-pipe
    threading.Thread(target=lambda: loop.call_soon(outer.cancel)).start()
    started = time.monotonic()
    done, _ = await asyncio.wait([outer], timeout=3)
    assert outer in done and outer.cancelled()
    assert time.monotonic() - started < 1.0
    assert never.cancelled()  # cancelling the caller cancelled the work


async def test_wakeups_return_the_result() -> None:
    async def work() -> int:
        await asyncio.sleep(0.01)
        return 7

    assert await await_with_wakeups(work()) == 7


def test_orphan_guard_cancels_work_left_on_a_stopped_loop() -> None:
    loop = asyncio.new_event_loop()
    unwound: list[str] = []
    guard = OrphanGuard()

    async def work() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            unwound.append("yes")

    try:
        task = loop.create_task(work())
        guard.track(task)
        loop.run_until_complete(asyncio.sleep(0.01))  # the task started; then "Ctrl-C" stopped the loop
        assert guard.pending() == [task]
        guard()  # the post_run_cell hook
        assert task.cancelled() and unwound == ["yes"]
        assert guard.pending() == []
    finally:
        loop.close()


def test_runner_without_a_loop_keeps_its_loop_between_calls() -> None:
    runner = SyncRunner()
    try:
        async def current() -> asyncio.AbstractEventLoop:
            return asyncio.get_running_loop()

        first, second = runner.run(current()), runner.run(current())
        assert first is second and not first.is_closed()
        assert threading.current_thread() is threading.main_thread()
    finally:
        runner.close()


def test_runner_ctrl_c_cancels_the_work() -> None:
    runner = SyncRunner()
    cancelled: list[bool] = []

    async def long() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    timer = interrupt_main_after(0.2)
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.run(long())
    finally:
        timer.cancel()
        runner.close()
    assert cancelled == [True] and time.monotonic() - started < 5


async def test_runner_with_a_running_loop_uses_its_thread_and_cancels_on_interrupt() -> None:
    runner = SyncRunner()
    state: dict[str, Any] = {}

    async def long() -> None:
        state["thread"] = threading.current_thread().name
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            state["cancelled"] = True
            raise

    async def quick() -> str:
        return threading.current_thread().name

    # as in a kernel's synchronous cell: Ctrl-C raises KeyboardInterrupt (pytest-asyncio's own
    # runner would only cancel its task, which cannot happen while this thread blocks)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert runner.run(quick()) == "cloudstack-magic-loop"  # a loop runs here: the thread is used
        timer = interrupt_main_after(0.2)
        try:
            with pytest.raises(KeyboardInterrupt):
                runner.run(long())
        finally:
            timer.cancel()
        assert state == {"thread": "cloudstack-magic-loop", "cancelled": True}
        with pytest.raises(TimeoutError):
            runner.run_in_thread(asyncio.sleep(5), timeout=0.1)
    finally:
        signal.signal(signal.SIGINT, previous)
        runner.close()
