"""The widget view: widget state after a sequence of callbacks, read from the traits."""

from __future__ import annotations

import asyncio

import pytest

from cloudstack_magic.progress._reporter import ProgressReporter
from cloudstack_magic.progress._widget import INTERRUPT_HINT, WidgetView, comm_messages_during_await, summary_bundle


def widget_reporter(clock, fake_display, on_cancel=None, cancel_button=True, **kw):
    view = WidgetView("deploy", on_cancel, cancel_button=cancel_button, display=fake_display)
    kw.setdefault("reveal_after", 0.5)
    return ProgressReporter("deploy", view, clock=clock, redraw_every=0.25, **kw), view


@pytest.mark.parametrize(
    ("version", "expected"),
    [("7.4.0", True), ("7.4.0rc1", True), ("7.10.1", True), ("8.0", True),
     ("7.3.0", False), ("6.31.0", False), ("garbage", False)],
)
def test_cancel_button_needs_ipykernel_7_4(version, expected):
    assert comm_messages_during_await(version) is expected


def test_paging_row_shows_command_bar_rows_and_pages(clock, fake_display, ev):
    reporter, view = widget_reporter(clock, fake_display)
    with reporter:
        reporter(ev.page(pages=0, of=None, total=None))
        clock.advance(0.6)
        reporter(ev.page(pages=3, of=25, rows=1500, elapsed=0.6))
        row = view.listing_rows[("", "listVirtualMachines")]
        assert row.name.value == "listVirtualMachines"
        assert (row.bar.value, row.bar.max, row.bar.bar_style) == (3, 25, "")
        assert row.text.value == "1,500 of 12,345 rows · 3 of 25 pages · 0.60 s"
        assert view.overall.value == "0.60 s"
        assert fake_display.log[0][0] == "display" and fake_display.log[0][1] is view.box
        assert fake_display.log[0][2] == {"display_id": True}
        clock.advance(0.3)
        reporter(ev.page(pages=25, of=25, rows=12345, elapsed=0.9, done=True))
        assert (row.bar.value, row.bar.bar_style) == (25, "success")


def test_job_rows_and_overall_count_for_a_parallel_cell(clock, fake_display, ev):
    reporter, view = widget_reporter(clock, fake_display, reveal_after=0)
    with reporter:
        for n in range(5):
            reporter(ev.job(f"j-{n}"))
        for n in range(3):
            clock.advance(0.3)
            reporter(ev.job(f"j-{n}", "succeeded", elapsed=1.0 + n, polls=3, done=True))
        clock.advance(0.3)
        reporter(ev.job("j-4", procstatus=7, elapsed=2.5, polls=4))
        assert view.overall.value == "3 of 5 done · 1.20 s"
        rows = view.job_rows
        assert len(rows) == 5 and len(view.box.children) == 6  # header + one row per job
        done, running = rows[("", "j-0")], rows[("", "j-4")]
        assert (done.name.value, done.jobid.value, done.status.value) == (
            "deployVirtualMachine", "j-0", "succeeded")
        assert done.elapsed.value == "0.30 s"  # on the reporter's clock, like the header
        assert 'value="1"' in done.bar.value
        assert (running.status.value, running.procstatus.value) == ("pending", "jobprocstatus 7")
        assert running.bar.value.startswith("<progress") and "value=" not in running.bar.value


def test_cancel_button_calls_on_cancel_once_and_disables_itself(clock, fake_display, ev):
    calls = []
    reporter, view = widget_reporter(clock, fake_display, on_cancel=lambda: calls.append(1))
    button = view.cancel_button
    assert view.stop_hint is None and button in view.header.children
    button.click()
    button._handle_custom_msg({"event": "click"}, [])  # what a frontend click delivers
    assert calls == [1]
    assert button.disabled and button.description == "Cancelling…"


def test_older_kernels_get_the_interrupt_hint_instead(clock, fake_display):
    _, view = widget_reporter(clock, fake_display, on_cancel=lambda: None, cancel_button=False)
    assert view.cancel_button is None
    assert view.stop_hint.value == INTERRUPT_HINT and view.stop_hint in view.header.children


def test_no_cancel_button_without_an_on_cancel(clock, fake_display):
    _, view = widget_reporter(clock, fake_display, on_cancel=None, cancel_button=True)
    assert view.cancel_button is None


def test_a_failing_cancel_callback_is_logged_not_raised(clock, fake_display, caplog):
    def boom():
        raise RuntimeError("no task")

    _, view = widget_reporter(clock, fake_display, on_cancel=boom)
    view.cancel_button.click()
    assert "cancel callback failed" in caplog.text


def test_end_replaces_every_display_with_the_summary_and_closes_widgets(clock, fake_display, ev):
    reporter, view = widget_reporter(clock, fake_display, on_cancel=lambda: None, reveal_after=0)
    with reporter:
        reporter(ev.page(pages=1, of=1, rows=3, total=3))
        clock.advance(0.84)
        reporter(ev.page(pages=1, of=1, rows=3, total=3, elapsed=0.84, done=True))
    kinds = [entry[0] for entry in fake_display.log]
    assert kinds == ["display", "update"]
    assert fake_display.log[1][1:] == (
        summary_bundle("listVirtualMachines: 3 rows, 1 page in 0.84 s"), {"raw": True})
    assert fake_display.log[1][1]["text/plain"] == "listVirtualMachines: 3 rows, 1 page in 0.84 s"
    row = view.listing_rows[("", "listVirtualMachines")]
    assert all(w.comm is None for w in (view.box, view.header, view.cancel_button, row.bar, row.text))


def test_fast_call_displays_nothing_at_all(clock, fake_display, ev):
    reporter, view = widget_reporter(clock, fake_display)
    with reporter:
        reporter(ev.page(pages=1, of=1, rows=3, total=3, done=True))
    assert fake_display.log == []


def test_cancel_before_reveal_still_displays_the_hint(clock, fake_display, ev):
    reporter, view = widget_reporter(clock, fake_display)
    with pytest.raises(asyncio.CancelledError), reporter:
        reporter(ev.job("j-1"))
        raise asyncio.CancelledError
    (kind, bundle, kwargs), = fake_display.log
    assert kind == "display" and kwargs == {"raw": True}
    assert "%cloudstack queryAsyncJobResult jobid=j-1" in bundle["text/plain"]
    assert "%cloudstack queryAsyncJobResult jobid=j-1" in bundle["text/html"]


def test_failure_turns_unfinished_bars_red_and_stops_job_animation(clock, fake_display, ev):
    reporter, view = widget_reporter(clock, fake_display, reveal_after=0)
    with pytest.raises(RuntimeError), reporter:
        reporter(ev.page(pages=2, rows=1000))
        reporter(ev.job("j-1"))
        raise RuntimeError("x")
    # the final draw happened in close's snapshot; rows were drawn live before
    view.render(reporter.snapshot())
    assert view.listing_rows[("", "listVirtualMachines")].bar.bar_style == "danger"
    job_row = view.job_rows[("", "j-1")]
    assert job_row.status.value == "still running" and job_row.bar.value == ""


def test_redrawing_the_same_state_sends_no_trait_changes(clock, fake_display, ev):
    reporter, view = widget_reporter(clock, fake_display, reveal_after=0)
    with reporter:
        reporter(ev.page(pages=2, rows=1000))
        reporter(ev.job("j-1", "succeeded", done=True))
        snapshot = reporter.snapshot()
        view.render(snapshot)
        changes = []
        widgets = [view.box, view.overall]
        for row in [*view.listing_rows.values(), *view.job_rows.values()]:
            widgets += [w for w in vars(row).values()]
        for w in widgets:
            w.observe(changes.append)
        view.render(snapshot)
        view.render(snapshot)
        assert changes == []


def test_the_box_text_form_is_the_status_line_never_a_vbox_repr(clock, fake_display, ev):
    reporter, view = widget_reporter(clock, fake_display, reveal_after=0)
    with reporter:
        clock.advance(0.3)
        reporter(ev.page(pages=3, rows=1500))
        bundle = view.box._repr_mimebundle_()
        assert bundle["text/plain"].startswith("listVirtualMachines: 1,500 of 12,345 rows")
        assert "application/vnd.jupyter.widget-view+json" in bundle
    assert not repr(view.box).startswith("VBox(")


def test_closing_leaves_no_widget_of_ours_open(clock, fake_display, ev):
    from ipywidgets.widgets.widget import _instances

    before = set(_instances)
    reporter, view = widget_reporter(clock, fake_display, on_cancel=lambda: None, reveal_after=0)
    with reporter:
        reporter(ev.page(pages=2, rows=1000))
        reporter(ev.job("j-1"))
        clock.advance(0.3)
        reporter(ev.job("j-2"))
    assert set(_instances) - before == set()


def test_many_jobs_draw_at_most_max_rows_and_count_the_rest(clock, fake_display, ev):
    from cloudstack_magic.progress._widget import MAX_ROWS

    reporter, view = widget_reporter(clock, fake_display, reveal_after=0)
    with reporter:
        for n in range(MAX_ROWS + 7):
            reporter(ev.job(f"j-{n}"))
        clock.advance(0.3)
        reporter(ev.job("j-0", "succeeded", done=True))
        assert len(view.job_rows) == MAX_ROWS
        assert view.more.value == "+ 7 more" and view.box.children[-1] is view.more
        assert len(view.box.children) == 1 + MAX_ROWS + 1
        assert view.overall.value.startswith(f"1 of {MAX_ROWS + 7} done")


def test_summary_html_wraps_at_word_boundaries_and_keeps_the_hint_lines():
    final = "deployVirtualMachine: cancelled after 2.88 s — job <a&b> still running on the server\n" \
            "  %cloudstack queryAsyncJobResult jobid=a  # deployVirtualMachine"
    html = summary_bundle(final)["text/html"]
    assert html.startswith("<pre style=") and html.endswith("</pre>")
    style = html.split('"')[1]
    assert "white-space: pre-wrap" in style and "word-break: normal" in style
    assert "overflow-wrap: normal" in style and "break-all" not in style
    assert "job &lt;a&amp;b&gt; still running" in html
    assert "\n  %cloudstack queryAsyncJobResult jobid=a  # deployVirtualMachine" in html


def test_job_id_field_fits_a_whole_uuid_and_does_not_shrink(clock, fake_display, ev):
    uuid = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
    reporter, view = widget_reporter(clock, fake_display, reveal_after=0)
    with reporter:
        reporter(ev.job(uuid))
        clock.advance(1)
        reporter._safe_refresh(clock())
        row = view.job_rows[("", uuid)]
        assert row.jobid.value == uuid
        assert "monospace" in row.jobid.style.font_family
        width = row.jobid.layout.width
        assert width.endswith("ch") and float(width[:-2]) >= len(uuid) + 1
        assert row.jobid.layout.min_width == width and row.jobid.layout.flex == "0 0 auto"
        reporter(ev.job(uuid, "succeeded", done=True))


def test_summary_html_keeps_a_job_uuid_on_one_line():
    uuid = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
    html = summary_bundle(f"x: cancelled after 1.00 s — job {uuid} still running on the server")["text/html"]
    assert f'<span style="white-space: nowrap">{uuid}</span> still running' in html
