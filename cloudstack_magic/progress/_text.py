"""The words of progress: status lines, summaries, hints — and the text-line view that prints them.

Both views say the same thing, so every sentence is built here from a ``_snapshot.Snapshot``:

* :func:`status_line` — the one updating line of terminal IPython (and of widget-less frontends);
* :func:`summary_text` — the static line left behind when the work ends, e.g.
  ``listVirtualMachines: 12,345 rows, 25 pages in 0.84 s``;
* :func:`pending_hint` — ready-to-run ``%cloudstack queryAsyncJobResult jobid=…`` lines for jobs that
  keep running server-side after waiting for them stopped.

:class:`TextView` rewrites one line with a carriage return, so it never scrolls the terminal.
"""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ._snapshot import Job, Listing, Snapshot

__all__ = [
    "TextView",
    "format_seconds",
    "job_status",
    "listing_progress",
    "pending_hint",
    "status_line",
    "summary_text",
]

#: Order in which job outcomes are counted in a summary ("4 succeeded, 1 failed").
_STATUS_ORDER = ("succeeded", "failed", "cancelled", "pending", "still running")


def format_seconds(seconds: float) -> str:
    """``0.84 s``, ``12.3 s``, ``2 min 05 s``, ``1 h 02 min``: precise when short, calm when long."""
    seconds = max(seconds, 0.0)
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def display_name(label: str, command: str) -> str:
    """A command, with the fan-out label (e.g. region) it was reported under, if any."""
    return f"{command} [{label}]" if label else command


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def listing_progress(listing: Listing) -> str:
    """``1,200 of 12,345 rows · 3 of 25 pages`` while running; totals left out until known."""
    ev = listing.event
    if ev.rows_total is not None and not ev.done:
        rows = f"{ev.rows_done:,} of {ev.rows_total:,} rows"
    else:
        rows = _plural(ev.rows_done, "row")
    if ev.pages_total is not None and not ev.done:
        pages = f"{ev.pages_done:,} of {ev.pages_total:,} pages"
    else:
        pages = _plural(ev.pages_done, "page")
    return f"{rows} · {pages}"


def job_status(job: Job, outcome: str = "running") -> str:
    """pending / succeeded / failed / cancelled, or "still running" once nobody waits for it."""
    ev = job.event
    if job.running:
        return "still running" if ev.done or outcome != "running" else "pending"
    return ev.state


def status_line(snapshot: Snapshot) -> str:
    """The single live line: the one listing or job in detail, else "3 of 5 done"."""
    elapsed = format_seconds(snapshot.elapsed)
    if snapshot.units_total == 1 and snapshot.listings:
        listing = snapshot.listings[0]
        name = display_name(listing.label, listing.event.command)
        return f"{name}: {listing_progress(listing)} · {elapsed}"
    if snapshot.units_total == 1:
        job = snapshot.jobs[0]
        name = display_name(job.label, job.event.command)
        line = f"{name} job {job.event.jobid}: {job_status(job, snapshot.outcome)}"
        if job.event.jobprocstatus is not None:
            line += f" (jobprocstatus {job.event.jobprocstatus})"
        return f"{line} · {elapsed}"
    if snapshot.units_total == 0:
        return f"{snapshot.title}: working · {elapsed}"
    return f"{snapshot.title}: {snapshot.units_done} of {snapshot.units_total} done · {elapsed}"


def _listing_summary(listing: Listing, title: str = "") -> str:
    ev = listing.event
    name = display_name(listing.label, ev.command)
    pages = _plural(ev.pages_done, "page")
    if not ev.done and ev.pages_total is not None:
        pages = f"{ev.pages_done:,} of {ev.pages_total:,} pages"
    counts = f"{_plural(ev.rows_done, 'row')}, {pages}"
    return counts if name == title else f"{name}: {counts}"


def _jobs_head(jobs: tuple[Job, ...]) -> tuple[str, str | None]:
    """("deployVirtualMachine ×3", name) when all jobs share one name, else ("3 jobs", None)."""
    names = {display_name(job.label, job.event.command) for job in jobs}
    name = names.pop() if len(names) == 1 else None
    if len(jobs) == 1:
        return name or "", name
    return (f"{name} ×{len(jobs)}" if name else f"{len(jobs)} jobs"), name


def _jobs_summary(jobs: tuple[Job, ...], outcome: str, title: str = "") -> str:
    """The jobs' part of a summary; the command name is left out when the title already says it."""
    head, name = _jobs_head(jobs)
    prefix = "" if name is not None and name == title else f"{head}: "
    where = " on the server" if outcome in ("failed", "cancelled") else ""
    if len(jobs) == 1:
        return f"{prefix}job {jobs[0].event.jobid} {job_status(jobs[0], outcome)}{where}"
    counts = Counter(job_status(job, outcome) for job in jobs)
    if prefix == "" and len(counts) == 1:  # "3 jobs still running on the server"
        return f"{len(jobs)} jobs {next(iter(counts))}{where}"
    words = ", ".join(f"{counts[word]} {word}" for word in _STATUS_ORDER if counts[word])
    return f"{prefix}{words}{where if counts['still running'] else ''}"


def summary_text(snapshot: Snapshot) -> str:
    """One static line saying what happened (or is happening) and how long it took.

    When the work ended early the title leads ("deployVirtualMachine: cancelled after 2.88 s")
    and the parts after it do not repeat a command name the title already gives.
    """
    elapsed = format_seconds(snapshot.elapsed)
    if snapshot.outcome == "done":
        parts = [_listing_summary(listing) for listing in snapshot.listings]
        if snapshot.jobs:
            parts.append(_jobs_summary(snapshot.jobs, snapshot.outcome))
        return f"{'; '.join(parts) or snapshot.title + ': done'} in {elapsed}"
    title = snapshot.title
    parts = [_listing_summary(listing, title) for listing in snapshot.listings]
    if snapshot.jobs:
        head, name = _jobs_head(snapshot.jobs)
        if not snapshot.listings and name == title and len(snapshot.jobs) > 1:
            title = head  # "deployVirtualMachine ×3: cancelled after …"
        parts.append(_jobs_summary(snapshot.jobs, snapshot.outcome, snapshot.title))
    body = "; ".join(parts)
    tail = f" — {body}" if body else ""
    if snapshot.outcome == "failed":
        reason = f" ({snapshot.error})" if snapshot.error else ""
        return f"{title}: failed after {elapsed}{reason}{tail}"
    if snapshot.outcome == "cancelled":
        return f"{title}: cancelled after {elapsed}{tail}"
    return f"{title}: running, {elapsed} so far{tail}"


def pending_hint(snapshot: Snapshot) -> str:
    """What to run later for each job still running server-side; empty if there is none."""
    running = [job for job in snapshot.jobs if job.running]
    if not running:
        return ""
    lines = ["Still running server-side; check with:"]
    for job in running:
        note = display_name(job.label, job.event.command)
        lines.append(f"  %cloudstack queryAsyncJobResult jobid={job.event.jobid}  # {note}")
    return "\n".join(lines)


class TextView:
    """One carriage-return line on ``stream`` (default: the current ``sys.stderr``)."""

    redisplayable = False

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream
        self._shown = False
        self._width = 0  # length of the last line written, to blank its leftovers
        self._line: str | None = None  # last rendered line, written once shown

    @property
    def stream(self) -> IO[str]:
        # Looked up on every write: a kernel swaps sys.stderr for each cell.
        return self._stream if self._stream is not None else sys.stderr

    def show(self) -> None:
        self._shown = True
        if self._line is not None:
            self._write_line(self._line)

    def render(self, snapshot: Snapshot) -> None:
        line = status_line(snapshot)
        limit = max(shutil.get_terminal_size((100, 20)).columns - 1, 40)
        if len(line) > limit:
            line = line[: limit - 1] + "…"
        self._line = line
        if self._shown:
            self._write_line(line)

    def _write_line(self, line: str) -> None:
        pad = " " * max(self._width - len(line), 0)
        self.stream.write(f"\r{line}{pad}")
        self.stream.flush()
        self._width = max(self._width, len(line))  # what is visible on the line now

    def close(self, snapshot: Snapshot, final: str, display_if_hidden: bool) -> None:
        if self._shown and not final:
            self.stream.write("\r" + " " * self._width + "\r")  # nothing to keep: erase the live line
        elif self._shown:
            first, _, rest = final.partition("\n")
            pad = " " * max(self._width - len(first), 0)
            self.stream.write(f"\r{first}{pad}\n" + (f"{rest}\n" if rest else ""))
        elif display_if_hidden:
            self.stream.write(final + "\n")
        else:
            return
        self.stream.flush()
        self._shown = False
