"""The sentences of progress: status lines, summaries and hints, from snapshots."""

from __future__ import annotations

import pytest

from cloudstack_magic.progress._snapshot import Job, Listing, Snapshot
from cloudstack_magic.progress._text import (
    format_seconds,
    pending_hint,
    status_line,
    summary_text,
)


def snap(listings=(), jobs=(), elapsed=0.84, outcome="done", error=None, title="cell", region=None):
    return Snapshot(title, tuple(listings), tuple(jobs), elapsed, outcome, error, region)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0, "0.00 s"), (0.844, "0.84 s"), (9.994, "9.99 s"), (12.34, "12.3 s"),
     (125, "2 min 05 s"), (3725, "1 h 02 min"), (-1, "0.00 s")],
)
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


def test_summary_of_one_finished_listing_is_the_documented_line(ev):
    done = Listing("", ev.page(pages=25, of=25, rows=12345, total=12345, done=True))
    assert summary_text(snap([done])) == "listVirtualMachines: 12,345 rows, 25 pages in 0.84 s"


def test_summary_uses_singular_for_one_row_and_page(ev):
    done = Listing("", ev.page(pages=1, of=1, rows=1, total=1, done=True))
    assert summary_text(snap([done], elapsed=0.1)) == "listVirtualMachines: 1 row, 1 page in 0.10 s"


def test_summary_of_a_failed_listing_names_error_and_where_it_stopped(ev):
    partial = Listing("", ev.page(pages=3, of=25, rows=1500))
    text = summary_text(snap([partial], outcome="failed", error="ServerError", title="vms"))
    assert text == "vms: failed after 0.84 s (ServerError) — listVirtualMachines: 1,500 rows, 3 of 25 pages"


def test_summary_of_many_jobs_counts_each_outcome(ev):
    jobs = [Job("", ev.job("a", "succeeded", done=True)), Job("", ev.job("b", "succeeded", done=True)),
            Job("", ev.job("c", "failed", done=True)), Job("", ev.job("d"))]
    text = summary_text(snap(jobs=jobs, outcome="cancelled", elapsed=3.0, title="deploy"))
    assert text == ("deploy: cancelled after 3.00 s — deployVirtualMachine ×4: "
                    "2 succeeded, 1 failed, 1 still running on the server")


def test_summary_of_one_job(ev):
    text = summary_text(snap(jobs=[Job("", ev.job("j-1", "succeeded", done=True))], elapsed=2.5))
    assert text == "deployVirtualMachine: job j-1 succeeded in 2.50 s"


def test_summary_of_jobs_of_different_commands(ev):
    jobs = [Job("", ev.job("a", "succeeded", done=True)),
            Job("", ev.job("b", "succeeded", command="startVirtualMachine", done=True))]
    assert summary_text(snap(jobs=jobs, elapsed=1)).startswith("2 jobs: 2 succeeded in")


def test_summary_with_nothing_reported_uses_the_title():
    assert summary_text(snap(title="listZones", elapsed=0.01)) == "listZones: done in 0.01 s"


def test_summary_while_running_says_so(ev):
    text = summary_text(snap([Listing("", ev.page(pages=1, rows=500))], outcome="running", title="t"))
    assert text.startswith("t: running, 0.84 s so far — listVirtualMachines: 500 rows, 1 of 25 pages")


def test_summary_labels_fanout_parts(ev):
    parts = [Listing("eu", ev.page(pages=1, of=1, rows=3, total=3, done=True)),
             Listing("us", ev.page(pages=1, of=1, rows=4, total=4, done=True))]
    assert summary_text(snap(parts)) == (
        "listVirtualMachines [eu]: 3 rows, 1 page; listVirtualMachines [us]: 4 rows, 1 page in 0.84 s")


def test_status_line_of_one_listing_shows_rows_and_pages_of_totals(ev):
    line = status_line(snap([Listing("", ev.page(pages=3, rows=1200))], outcome="running", elapsed=0.4))
    assert line == "listVirtualMachines: 1,200 of 12,345 rows · 3 of 25 pages · 0.40 s"


def test_status_line_before_totals_are_known(ev):
    line = status_line(snap([Listing("", ev.page(of=None, total=None))], outcome="running"))
    assert line == "listVirtualMachines: 0 rows · 0 pages · 0.84 s"


def test_status_line_of_one_job_shows_state_and_procstatus(ev):
    line = status_line(snap(jobs=[Job("", ev.job("j-9", procstatus=2))], outcome="running", elapsed=3.1))
    assert line == "deployVirtualMachine job j-9: pending (jobprocstatus 2) · 3.10 s"


def test_status_line_of_several_units_counts_done(ev):
    jobs = [Job("", ev.job(str(n), "succeeded", done=True)) for n in range(3)]
    jobs += [Job("", ev.job(str(n))) for n in range(3, 5)]
    line = status_line(snap(jobs=jobs, outcome="running", elapsed=4.0, title="deploy"))
    assert line == "deploy: 3 of 5 done · 4.00 s"


def test_pending_hint_lists_ready_to_run_commands_for_running_jobs_only(ev):
    jobs = [Job("", ev.job("done-1", "succeeded", done=True)), Job("", ev.job("run-1")),
            Job("eu", ev.job("run-2", command="startVirtualMachine", done=True))]
    assert pending_hint(snap(jobs=jobs)).splitlines() == [
        "Still running server-side; check with:",
        "  %cloudstack queryAsyncJobResult jobid=run-1  # deployVirtualMachine",
        "  %cloudstack -r eu queryAsyncJobResult jobid=run-2  # startVirtualMachine",  # its region
    ]
    in_lab = snap(jobs=jobs[:2], region="lab")
    assert pending_hint(in_lab).splitlines()[1] == "  %cloudstack -r lab queryAsyncJobResult jobid=run-1  # deployVirtualMachine"


def test_pending_hint_is_empty_without_running_jobs(ev):
    assert pending_hint(snap(jobs=[Job("", ev.job("a", "failed", done=True))])) == ""


UUID = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"


def test_cancelled_summary_of_one_job_names_the_command_once(ev):
    job = Job("", ev.job(UUID, done=True))
    text = summary_text(snap(jobs=[job], outcome="cancelled", elapsed=2.88, title="deployVirtualMachine"))
    assert text == f"deployVirtualMachine: cancelled after 2.88 s — job {UUID} still running on the server"
    assert text.count("deployVirtualMachine") == 1


def test_cancelled_summary_of_several_jobs_of_one_command_counts_them_in_the_title(ev):
    jobs = [Job("", ev.job(f"j-{n}", done=True)) for n in range(3)]
    text = summary_text(snap(jobs=jobs, outcome="cancelled", elapsed=2.9, title="deployVirtualMachine"))
    assert text == "deployVirtualMachine ×3: cancelled after 2.90 s — 3 jobs still running on the server"


def test_cancelled_summary_with_mixed_outcomes_names_the_command_once(ev):
    jobs = [Job("", ev.job("a", "succeeded", done=True)), Job("", ev.job("b", done=True))]
    text = summary_text(snap(jobs=jobs, outcome="cancelled", elapsed=1, title="deployVirtualMachine"))
    assert text == ("deployVirtualMachine ×2: cancelled after 1.00 s — "
                    "1 succeeded, 1 still running on the server")


def test_failed_listing_summary_does_not_repeat_the_title(ev):
    partial = Listing("", ev.page(pages=3, of=25, rows=1500))
    text = summary_text(snap([partial], outcome="failed", error="ServerError", title="listVirtualMachines"))
    assert text == "listVirtualMachines: failed after 0.84 s (ServerError) — 1,500 rows, 3 of 25 pages"
