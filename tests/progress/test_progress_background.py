"""--background handles: returned at once, awaited later, cancellable, displayed as a live row."""

from __future__ import annotations

import asyncio
import logging

import pytest

from cloudstack_magic.progress._background import BackgroundHandle, start_background
from cloudstack_magic.progress._reporter import ProgressReporter
from cloudstack_magic.progress._widget import WidgetView


async def finishes(value, delay=0.05):
    await asyncio.sleep(delay)
    return value


def test_without_a_running_loop_it_is_refused_and_the_coroutine_closed():
    coro = finishes(1)
    with pytest.raises(RuntimeError, match="needs a running event loop"):
        start_background(coro)
    assert coro.cr_frame is None  # closed: no "never awaited" warning


async def test_returns_at_once_and_a_later_await_gives_the_result():
    handle = start_background(finishes(42), title="listZones", mode="none")
    assert isinstance(handle, BackgroundHandle) and not handle.done()
    with pytest.raises(asyncio.InvalidStateError, match="await"):
        handle.result()
    assert await handle == 42
    assert handle.done() and handle.result() == 42 and handle.exception() is None
    assert handle.progress.outcome == "done"
    assert handle.summary.startswith("listZones: done in")
    assert repr(handle).startswith("<BackgroundHandle listZones: done in")


async def test_repr_while_running_says_so():
    handle = start_background(finishes(1), title="listZones", mode="none")
    assert "running in the background" in repr(handle)
    await handle


async def test_work_given_as_a_function_reports_into_the_handle(ev):
    async def deploy(progress):
        progress(ev.job("j-1"))
        await asyncio.sleep(0.01)
        progress(ev.job("j-2"))
        progress(ev.job("j-1", "succeeded", done=True))
        return "ok"

    handle = start_background(deploy, title="deploy", mode="none")
    assert await handle == "ok"
    assert handle.pending_jobs() == [("deployVirtualMachine", "j-2")]


async def test_cancel_stops_the_work_and_is_summarised(ev):
    started = asyncio.Event()

    async def forever(progress):
        progress(ev.job("j-1"))
        started.set()
        await asyncio.sleep(60)

    handle = start_background(forever, title="deploy", mode="none")
    await started.wait()
    assert handle.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handle
    assert handle.cancelled() and handle.progress.outcome == "cancelled"
    assert handle.pending_jobs() == [("deployVirtualMachine", "j-1")]


async def test_a_failure_is_kept_for_await(caplog):
    async def fails():
        raise ValueError("bad")

    handle = start_background(fails(), title="t", mode="none")
    with pytest.raises(ValueError):
        await handle
    assert isinstance(handle.exception(), ValueError)
    assert handle.progress.outcome == "failed"
    assert handle.summary == "t: failed after " + handle.summary.split("after ")[1]


async def test_an_unawaited_failure_is_not_logged_as_never_retrieved(caplog):
    async def fails():
        raise ValueError("bad")

    handle = start_background(fails(), title="t", mode="none")
    task = handle.task
    while not task.done():
        await asyncio.sleep(0)
    del handle, task
    import gc

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        gc.collect()
    assert "never retrieved" not in caplog.text


async def test_interrupting_the_awaiting_cell_does_not_cancel_the_work():
    handle = start_background(finishes("done", delay=0.1), title="t", mode="none")
    waiter = asyncio.ensure_future(asyncio.wait_for(handle, 0.01))
    with pytest.raises(TimeoutError):
        await waiter
    assert not handle.done()
    assert await handle == "done"


async def test_displaying_a_running_handle_shows_the_live_row_then_the_summary(
    monkeypatch, fake_display, ev
):
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", fake_display)
    gate = asyncio.Event()

    async def deploy(progress):
        progress(ev.job("j-1"))
        await gate.wait()
        progress(ev.job("j-1", "succeeded", done=True))
        return 1

    holder = []
    view = WidgetView("deploy", lambda: holder[0].cancel(), cancel_button=True,
                      close_on_finish=False, display=fake_display)
    reporter = ProgressReporter("deploy", view, reveal_after=0, autoshow=False)
    handle = start_background(deploy, title="deploy", reporter=reporter)
    holder.append(handle)
    await asyncio.sleep(0.01)
    assert fake_display.log == []  # nothing shown until the handle itself is displayed
    handle._ipython_display_()
    (kind, box, kwargs), = fake_display.log
    assert kind == "display" and box is view.box and kwargs == {"display_id": True}
    assert view.job_rows[("", "j-1")].status.value == "pending"
    gate.set()
    await handle
    assert fake_display.log[-1][0] == "update"
    assert fake_display.log[-1][1]["text/plain"].startswith("deployVirtualMachine: job j-1 succeeded")
    # left open in its final state, in case a frontend does not apply the update to that row
    assert view.box.comm is not None and view.cancel_button.disabled
    assert view.job_rows[("", "j-1")].status.value == "succeeded"
    handle._ipython_display_()  # once done, a display is the static summary
    assert fake_display.log[-1][1]["text/plain"].startswith("<BackgroundHandle deployVirtualMachine")


async def test_the_rows_cancel_button_cancels_the_background_work(ev):
    gate = asyncio.Event()

    async def slow(progress):
        progress(ev.job("j-1"))
        await gate.wait()

    handle = start_background(slow, title="deploy", mode="widget")
    await asyncio.sleep(0.01)
    assert isinstance(handle.progress.view, WidgetView)
    assert handle.progress.view._close_on_finish is False
    handle.progress.view.cancel_button.click()
    with pytest.raises(asyncio.CancelledError):
        await handle
    assert handle.cancelled()


@pytest.fixture
def thread_loop():
    """A loop running in another thread, like the magics' fallback runner."""
    import threading

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def started_on(loop, work, **kw):
    async def start():
        return start_background(work, mode="none", **kw)

    return asyncio.run_coroutine_threadsafe(start(), loop).result(5)


async def test_work_started_on_another_threads_loop_can_be_awaited_here(thread_loop):
    handle = started_on(thread_loop, finishes("there", delay=0.05), title="t")
    assert handle.task.get_loop() is thread_loop
    assert await handle == "there"
    assert await handle == "there"  # again, once done


async def test_work_on_another_threads_loop_is_cancelled_thread_safely(thread_loop):
    handle = started_on(thread_loop, finishes("never", delay=30), title="t")
    await asyncio.sleep(0.02)
    assert handle.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(handle, 5)
    assert handle.cancelled() and not handle.cancel()


async def test_a_failure_on_another_threads_loop_reaches_the_awaiting_cell(thread_loop):
    async def fails():
        raise ValueError("there")

    handle = started_on(thread_loop, fails(), title="t")
    with pytest.raises(ValueError, match="there"):
        await asyncio.wait_for(handle, 5)
