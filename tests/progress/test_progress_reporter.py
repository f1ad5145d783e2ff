"""ProgressReporter: when a view appears, how often it redraws, what it ends with."""

from __future__ import annotations

import asyncio
import io
import logging
import threading

import pytest

from cloudstack_magic._errors import ServerError
from cloudstack_magic.progress._reporter import NoView, ProgressReporter, reporter_for
from cloudstack_magic.progress._text import TextView


def make(view, clock, **kw):
    kw.setdefault("reveal_after", 0.5)
    kw.setdefault("redraw_every", 0.25)
    return ProgressReporter("listVirtualMachines", view, clock=clock, **kw)


def test_a_fast_call_shows_nothing_but_still_knows_its_summary(view, clock, ev):
    reporter = make(view, clock)
    with reporter:
        reporter(ev.page(pages=0, of=None, total=None))
        clock.advance(0.3)
        reporter(ev.page(pages=1, of=1, rows=5, total=5, elapsed=0.3, done=True))
    assert view.names() == ["close"]
    snapshot, final, display_if_hidden = view.calls[0][1]
    assert final == reporter.summary == "listVirtualMachines: 5 rows, 1 page in 0.30 s"
    assert display_if_hidden is False
    assert reporter.outcome == "done"


def test_view_appears_after_the_reveal_delay_drawn_before_shown(view, clock, ev):
    reporter = make(view, clock)
    with reporter:
        reporter(ev.page())
        clock.advance(0.49)
        reporter(ev.page(pages=1, rows=500))
        assert view.calls == []
        clock.advance(0.02)
        reporter(ev.page(pages=2, rows=1000))
        assert view.names() == ["render", "show"]
        assert view.renders()[0].listings[0].event.rows_done == 1000


def test_redraws_are_coalesced_to_the_interval(view, clock, ev):
    reporter = make(view, clock, reveal_after=0)
    with reporter:
        for n in range(1000):  # one event per millisecond for one second
            reporter(ev.page(pages=n % 25, rows=n))
            clock.advance(0.001)
    renders = view.renders()
    assert 3 <= len(renders) <= 5, len(renders)
    assert view.names().count("show") == 1


def test_events_outside_the_with_block_are_kept_but_never_drawn(view, clock, ev):
    reporter = make(view, clock, reveal_after=0)
    reporter(ev.job("j-1"))
    assert view.calls == []
    assert reporter.pending_jobs() == [("deployVirtualMachine", "j-1")]


def test_pending_jobs_include_jobs_no_longer_waited_for(view, clock, ev):
    reporter = make(view, clock)
    with reporter:
        reporter(ev.job("a"))
        reporter(ev.job("b"))
        reporter(ev.job("c"))
        reporter(ev.job("a", "succeeded", done=True))
        reporter(ev.job("b", done=True))  # waiting stopped; the job runs on
        reporter(ev.job("c", "failed", done=True))
    assert reporter.pending_jobs() == [("deployVirtualMachine", "b")]


def test_running_job_elapsed_advances_between_polls(view, clock, ev):
    reporter = make(view, clock)
    with reporter:
        clock.advance(0.7)  # submitting the job took a while: the client's clock starts later
        reporter(ev.job("a", elapsed=0.0))
        clock.advance(2.0)
        snap = reporter.snapshot()
        assert snap.jobs[0].event.elapsed == pytest.approx(2.7) == snap.elapsed  # one clock
        clock.advance(0.8)
        reporter(ev.job("a", "succeeded", elapsed=2.8, done=True))
        clock.advance(5.0)
        assert reporter.snapshot().jobs[0].event.elapsed == pytest.approx(3.5)  # stopped at the end


def test_a_later_job_counts_from_when_the_client_says_it_began(view, clock, ev):
    reporter = make(view, clock)
    with reporter:
        reporter(ev.job("a", "succeeded", elapsed=1.0, done=True))
        clock.advance(4.0)
        reporter(ev.job("b", elapsed=1.5))
        clock.advance(1.0)
        snap = reporter.snapshot()
    assert [job.event.elapsed for job in snap.jobs] == [pytest.approx(0.0), pytest.approx(2.5)]
    assert snap.elapsed == pytest.approx(5.0)


def test_failure_propagates_and_is_summarised(view, clock, ev):
    reporter = make(view, clock)
    with pytest.raises(ServerError), reporter:
        reporter(ev.page(pages=3, rows=1500))
        clock.advance(1.0)
        raise ServerError("boom")
    assert reporter.outcome == "failed"
    assert reporter.summary.startswith("listVirtualMachines: failed after 1.00 s (ServerError)")


def test_cancelled_wait_shows_hint_even_if_never_shown(view, clock, ev):
    reporter = make(view, clock)
    with pytest.raises(asyncio.CancelledError), reporter:
        reporter(ev.job("j-7"))
        raise asyncio.CancelledError()
    assert reporter.outcome == "cancelled"
    (name, (snapshot, final, display_if_hidden)), = view.calls
    assert name == "close" and display_if_hidden is True
    assert final.splitlines() == [
        "listVirtualMachines: cancelled after 0.00 s — deployVirtualMachine: job still running on the server; check with:",
        "  %cloudstack queryAsyncJobResult jobid=j-7  # deployVirtualMachine",
    ]
    assert reporter.summary.endswith("job j-7 still running on the server")  # alone, it names the job


def test_keyboard_interrupt_counts_as_cancelled(view, clock):
    reporter = make(view, clock)
    with pytest.raises(KeyboardInterrupt), reporter:
        raise KeyboardInterrupt
    assert reporter.outcome == "cancelled"


def test_scoped_callbacks_keep_same_command_listings_apart(view, clock, ev):
    reporter = make(view, clock)
    with reporter:
        reporter.scope("eu")(ev.page(pages=1, of=1, rows=3, total=3, done=True))
        reporter.scope("us")(ev.page(pages=1, of=1, rows=4, total=4, done=True))
    assert [(item.label, item.event.rows_done) for item in reporter.snapshot().listings] == [
        ("eu", 3), ("us", 4)]


def test_a_broken_view_is_dropped_without_raising_into_the_client(clock, ev, caplog):
    class Broken:
        redisplayable = False

        def render(self, snapshot):
            raise ValueError("frontend gone")

        def show(self):
            pass

        def close(self, *args):
            raise AssertionError("must not be called after being dropped")

    reporter = ProgressReporter("t", Broken(), reveal_after=0, clock=clock)
    with caplog.at_level(logging.WARNING), reporter:
        reporter(ev.page())
    assert isinstance(reporter.view, NoView)
    assert "progress display failed" in caplog.text


def test_entering_twice_is_refused(view, clock):
    reporter = make(view, clock)
    with reporter:
        pass
    with pytest.raises(RuntimeError, match="only once"), reporter:
        pass


def test_unknown_events_are_ignored(view, clock):
    reporter = make(view, clock, reveal_after=0)
    with reporter:
        reporter("not an event")  # type: ignore[arg-type]
    assert reporter.snapshot().units_total == 0


async def test_timer_reveals_and_redraws_without_new_events(ev):
    view_calls: list[str] = []

    class View:
        redisplayable = False
        last = None

        def show(self):
            view_calls.append("show")

        def render(self, snapshot):
            view_calls.append("render")
            View.last = snapshot

        def close(self, *args, **kwargs):
            view_calls.append("close")

    reporter = ProgressReporter("t", View(), reveal_after=0.05, redraw_every=0.02, tick_every=0.02)
    with reporter:
        reporter(ev.job("a", elapsed=0.0))  # then silence: the timer must do the rest
        await asyncio.sleep(0.2)
        assert view_calls[:2] == ["render", "show"]
        assert view_calls.count("render") >= 3
        assert View.last.elapsed >= 0.15
    count = len(view_calls)
    await asyncio.sleep(0.1)
    assert len(view_calls) == count and view_calls[-1] == "close"  # timer stopped


async def test_timer_draws_the_last_state_after_a_burst(ev):
    seen = []

    class View:
        redisplayable = False

        def show(self):
            pass

        def render(self, snapshot):
            seen.append(snapshot.listings[0].event.rows_done if snapshot.listings else None)

        def close(self, *args, **kwargs):
            pass

    reporter = ProgressReporter("t", View(), reveal_after=0, redraw_every=0.05, tick_every=1)
    with reporter:
        for rows in range(100):
            reporter(ev.page(rows=rows))
        await asyncio.sleep(0.12)
    assert seen[0] is None  # drawn at once on entry (reveal_after=0), before any event
    assert seen[1:] and seen[-1] == 99 and len(seen) <= 5


async def test_events_from_another_thread_while_the_timer_runs(ev):
    reporter = reporter_for("text", "t", stream=io.StringIO(), reveal_after=0, redraw_every=0.005)

    def pages():
        for rows in range(2000):
            reporter(ev.page(rows=rows))

    with reporter:
        worker = threading.Thread(target=pages)
        worker.start()
        while worker.is_alive():
            await asyncio.sleep(0.002)
        worker.join()
    assert reporter.snapshot().listings[0].event.rows_done == 1999


def test_text_mode_writes_one_carriage_return_line_then_the_summary(clock, ev):
    stream = io.StringIO()
    reporter = ProgressReporter("t", TextView(stream), reveal_after=0.5, redraw_every=0.25, clock=clock)
    with reporter:
        reporter(ev.page(pages=0, rows=0))
        clock.advance(0.6)
        reporter(ev.page(pages=20, rows=10000, elapsed=0.6))
        clock.advance(0.3)
        reporter(ev.page(pages=25, rows=12345, elapsed=0.9, done=True))
    out = stream.getvalue()
    assert out.count("\n") == 1 and out.rstrip(" \n").endswith("in 0.90 s")
    frames = out.rstrip("\n").split("\r")[1:]
    assert frames[0].startswith("listVirtualMachines: 10,000 of 12,345 rows · 20 of 25 pages")
    assert frames[-1].rstrip() == "listVirtualMachines: 12,345 rows, 25 pages in 0.90 s"
    # the summary blanks out what is left of a longer live line
    assert len(frames[-1]) >= len(frames[-2])


def test_text_mode_prints_nothing_for_a_fast_call(clock, ev):
    stream = io.StringIO()
    with ProgressReporter("t", TextView(stream), clock=clock) as reporter:
        reporter(ev.page(pages=1, of=1, rows=3, total=3, done=True))
    assert stream.getvalue() == ""


def test_text_mode_prints_the_hint_when_cancelled_early(clock, ev):
    stream = io.StringIO()
    with pytest.raises(asyncio.CancelledError):
        with ProgressReporter("deploy", TextView(stream), clock=clock) as reporter:
            reporter(ev.job("j-3"))
            raise asyncio.CancelledError
    assert stream.getvalue().splitlines() == [
        "deploy: cancelled after 0.00 s — deployVirtualMachine: job still running on the server; check with:",
        "  %cloudstack queryAsyncJobResult jobid=j-3  # deployVirtualMachine",
    ]


def test_after_cancel_each_job_id_appears_once_with_its_region(clock, ev):
    stream = io.StringIO()
    with pytest.raises(asyncio.CancelledError):
        with ProgressReporter("deploy", TextView(stream), clock=clock, region="lab") as reporter:
            reporter(ev.job("j-3"))
            reporter(ev.job("j-4", "succeeded", done=True))
            reporter.scope("eu")(ev.job("j-5"))
            raise asyncio.CancelledError
    text = stream.getvalue()
    assert [text.count(jobid) for jobid in ("j-3", "j-4", "j-5")] == [1, 0, 1]
    assert text.splitlines()[1:] == [
        "  %cloudstack -r lab queryAsyncJobResult jobid=j-3  # deployVirtualMachine",
        "  %cloudstack -r eu queryAsyncJobResult jobid=j-5  # deployVirtualMachine",
    ]


def test_a_cancelled_wait_as_the_client_reports_it_is_still_running(view, clock):
    from cloudstack_magic.client._events import JobProgress

    reporter = make(view, clock)
    with pytest.raises(asyncio.CancelledError), reporter:
        reporter(JobProgress("stopVirtualMachine", "j-1", "pending", 0, None, 0.0, 0))
        # the client's last event when its wait is cancelled: state "cancelled", jobstatus 0
        reporter(JobProgress("stopVirtualMachine", "j-1", "cancelled", 0, None, 0.4, 2, True))
        raise asyncio.CancelledError()
    assert reporter.pending_jobs() == [("stopVirtualMachine", "j-1")]
    assert reporter.summary.endswith("stopVirtualMachine: job j-1 still running on the server")


def test_a_job_cancelled_on_the_server_is_not_running(view, clock):
    from cloudstack_magic.client._events import JobProgress

    reporter = make(view, clock)
    with reporter:
        reporter(JobProgress("stopVirtualMachine", "j-1", "cancelled", 3, None, 0.4, 2, True))
    assert reporter.pending_jobs() == []
    assert reporter.summary == "stopVirtualMachine: job j-1 cancelled in 0.00 s"


async def test_without_events_only_the_slow_tick_redraws(ev):
    renders = []

    class View:
        redisplayable = False

        def show(self):
            pass

        def render(self, snapshot):
            renders.append(snapshot.elapsed)

        def close(self, *args, **kwargs):
            pass

    reporter = ProgressReporter("t", View(), reveal_after=0, redraw_every=0.01, tick_every=0.1)
    with reporter:
        reporter(ev.job("a"))
        await asyncio.sleep(0.35)
    # one draw on entry, then about one per tick_every; at redraw_every pace it would be ~35
    assert 2 <= len(renders) <= 6, renders
