"""Live progress for listings and async jobs: the reporter the client calls, and the one detector.

The client reports through one plain callable (``_events``). A :class:`ProgressReporter` is that
callable: it keeps the latest state of every listing and job of a call, decides *when* to show it
and hands snapshots to a view — an ipywidgets box (``_widgets``), one carriage-return text line
(``_textprogress``) or nothing. Words (status lines, summaries) live in ``_textprogress`` so the
widget and text views say the same thing.

Why the timing rules: a fast call must not flicker, so nothing is shown before ``REVEAL_AFTER``
seconds; a slow one must not flood the frontend, so views are redrawn at most every
``REDRAW_EVERY`` seconds when events came in (events in between only update state; a timer on
the running loop draws the last state), and only every ``TICK_EVERY`` seconds when nothing but
the elapsed time moved (a long job polled every 2 s). On exit of the ``with`` the live view
is replaced by a static one-line summary, so a saved notebook shows text, not a dead widget; if
waiting stopped while jobs still run server-side, ready-to-run ``queryAsyncJobResult`` lines
follow it.

Usage (what ``%cloudstack`` does)::

    reporter = reporter_for("auto", "listVirtualMachines", on_cancel=task.cancel)
    with reporter:
        await cs.call("listVirtualMachines", progress=reporter)
    reporter.summary         # "listVirtualMachines: 12,345 rows, 25 pages in 0.84 s"
    reporter.pending_jobs()  # [(command, jobid), ...] still running server-side

Several listings of the same command at once (a fan-out over regions) need told apart:
pass ``progress=reporter.scope("eu")`` to each; jobs are already told apart by job id.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any, Literal

from ..client._events import JobProgress, PageProgress, ProgressCallback
from ._snapshot import Job, Listing, NoView, Outcome, ProgressView, Snapshot
from ._text import pending_hint, summary_text

__all__ = [
    "MODES",
    "Job",
    "Listing",
    "NoView",
    "ProgressReporter",
    "Snapshot",
    "detect_frontend",
    "reporter_for",
    "resolve_mode",
]

_log = logging.getLogger(__name__)

MODES: tuple[str, ...] = ("auto", "widget", "text", "none")

#: Seconds of work before a live view appears (fast calls show nothing).
REVEAL_AFTER = 0.5
#: Least seconds between two redraws of a live view (coalescing: a few updates per second).
REDRAW_EVERY = 0.25
#: Seconds between redraws when no event came in: only the elapsed time moves.
TICK_EVERY = 1.0


class ProgressReporter:
    """The progress callback of one call (or one cell): state, timing, and the view it drives.

    Thread-safe: events may arrive from a runner thread while the timer runs on the kernel loop.
    Never raises from ``__call__``: a failing view is logged once and replaced by nothing.
    """

    def __init__(
        self,
        title: str,
        view: ProgressView | None = None,
        *,
        reveal_after: float = REVEAL_AFTER,
        redraw_every: float = REDRAW_EVERY,
        tick_every: float = TICK_EVERY,
        autoshow: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.title = title
        self.view: ProgressView = view if view is not None else NoView()
        self._reveal_after = reveal_after
        self._redraw_every = redraw_every
        self._tick_every = max(tick_every, redraw_every)
        self._changed = False  # an event came in since the last draw
        self._autoshow = autoshow  # False: someone else displays the view (background handles)
        self._clock = clock
        self._lock = threading.RLock()
        self._listings: dict[tuple[str, str], tuple[PageProgress, float]] = {}
        self._jobs: dict[tuple[str, str], tuple[JobProgress, float]] = {}
        self._started: float | None = None
        self._ended: float | None = None
        self._outcome: Outcome = "running"
        self._error: str | None = None
        self._live = False
        self._shown = False
        self._last_draw = float("-inf")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None

    # -- the callback -------------------------------------------------------------------------
    def __call__(self, event: PageProgress | JobProgress) -> None:
        self._record("", event)

    def scope(self, label: str) -> ProgressCallback:
        """A callback for one part of a fan-out (e.g. a region); its rows are labelled."""

        def report(event: PageProgress | JobProgress) -> None:
            self._record(label, event)

        return report

    def _record(self, label: str, event: PageProgress | JobProgress) -> None:
        try:
            with self._lock:
                now = self._clock()
                if isinstance(event, JobProgress):
                    self._jobs[(label, event.jobid)] = (event, now)
                elif isinstance(event, PageProgress):
                    self._listings[(label, event.command)] = (event, now)
                else:
                    return
                self._changed = True
            self._safe_refresh(now)
        except Exception:  # a callback must never raise into the client
            _log.debug("cloudstack-magic: progress event %r dropped", event, exc_info=True)

    # -- the with block -------------------------------------------------------------------------
    def __enter__(self) -> ProgressReporter:
        with self._lock:
            if self._started is not None:
                raise RuntimeError("a ProgressReporter can be entered only once; make a new one")
            self._started = self._clock()
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:
                self._loop = None  # no timer: events alone drive the view
            if self._reveal_after <= 0:
                self._safe_refresh(self._started)
            if self._loop is not None:
                self._timer = self._loop.call_later(
                    max(self._reveal_after, 0) or self._redraw_every, self._tick
                )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._lock:
            now = self._clock()
            self._ended = now
            self._stop_timer()
            if exc is None:
                self._outcome = "done"
            elif isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt)):
                self._outcome = "cancelled"
            else:
                self._outcome, self._error = "failed", type(exc).__name__
            snapshot = self.snapshot()
            final = summary_text(snapshot)
            hint = pending_hint(snapshot) if self._outcome != "done" else ""
            if self._outcome == "failed" and self._autoshow and not hint:
                final = ""  # the error line that follows says it; a "failed after" line would repeat it
            try:
                self.view.close(
                    snapshot,
                    f"{final}\n{hint}" if hint else final,
                    display_if_hidden=self._autoshow and bool(hint),
                )
            except Exception:
                self._drop_view()

    def _tick(self) -> None:
        with self._lock:
            self._timer = None
            if self._ended is not None or self._loop is None:
                return
            self._safe_refresh(self._clock())
            self._timer = self._loop.call_later(self._redraw_every, self._tick)

    def _safe_refresh(self, now: float) -> None:
        with self._lock:
            try:
                self._refresh(now)
            except Exception:
                self._drop_view()

    def _refresh(self, now: float) -> None:
        """Reveal the view once work took long enough; redraw it at most every interval."""
        if self._started is None or self._ended is not None:
            return
        if not self._live:
            if now - self._started < self._reveal_after:
                return
            self._live = True
        since = now - self._last_draw
        if since < (self._redraw_every if self._changed else self._tick_every):
            return
        self._last_draw, self._changed = now, False
        self.view.render(self.snapshot(now))
        if self._autoshow and not self._shown:
            self._shown = True
            self.view.show()

    def _stop_timer(self) -> None:
        timer, loop, self._timer = self._timer, self._loop, None
        if timer is None or loop is None:
            return
        try:
            same_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            same_loop = False
        if same_loop or loop.is_closed():
            timer.cancel()
        else:
            loop.call_soon_threadsafe(timer.cancel)

    def _drop_view(self) -> None:
        _log.warning("cloudstack-magic: progress display failed; continuing without it", exc_info=True)
        self.view = NoView()

    # -- what callers read ----------------------------------------------------------------------
    def snapshot(self, now: float | None = None) -> Snapshot:
        """The current state; a running job's elapsed time is advanced to ``now``."""
        with self._lock:
            if self._ended is not None:
                now = self._ended  # a finished reporter's picture no longer moves
            elif now is None:
                now = self._clock()
            start = self._started if self._started is not None else now
            listings = tuple(Listing(label, ev) for (label, _), (ev, _) in self._listings.items())
            jobs = []
            for (label, _), (ev, seen) in self._jobs.items():
                if not ev.done and ev.jobstatus == 0:
                    ev = _advanced(ev, now - seen)
                jobs.append(Job(label, ev))
            return Snapshot(
                self.title, listings, tuple(jobs), max(now - start, 0.0), self._outcome, self._error
            )

    @property
    def outcome(self) -> Outcome:
        """``running`` until the ``with`` ends, then ``done``, ``failed`` or ``cancelled``."""
        return self._outcome

    @property
    def summary(self) -> str:
        """One line, e.g. ``listVirtualMachines: 12,345 rows, 25 pages in 0.84 s``."""
        return summary_text(self.snapshot())

    def pending_jobs(self) -> list[tuple[str, str]]:
        """``(command, jobid)`` of jobs not finished server-side (also when waiting stopped)."""
        with self._lock:
            return [(ev.command, ev.jobid) for ev, _ in self._jobs.values() if ev.jobstatus == 0]

    def pending_hint(self) -> str:
        """Ready-to-run ``%cloudstack queryAsyncJobResult jobid=…`` lines; empty if none."""
        return pending_hint(self.snapshot())

    def show_live(self) -> bool:
        """Display the live view (again) if it can be; False once finished or for text views."""
        with self._lock:
            if self._ended is not None or not self.view.redisplayable:
                return False
            self.view.render(self.snapshot())
            self.view.show()
            return True

    def __repr__(self) -> str:
        return f"<ProgressReporter {self.title!r} {self._outcome}>"


def _advanced(event: JobProgress, seconds: float) -> JobProgress:
    return replace(event, elapsed=event.elapsed + max(seconds, 0.0))


def detect_frontend(modules: Mapping[str, Any] | None = None) -> Literal["widget", "text", "none"]:
    """Where are we? ``widget`` in a Jupyter kernel, ``text`` in terminal IPython, else ``none``.

    Reads ``sys.modules`` only (like ``tqdm.autonotebook``): nothing is imported to find out, so a
    plain script never pays for IPython and never gets output it did not ask for.
    """
    modules = sys.modules if modules is None else modules
    ipython = modules.get("IPython")
    if ipython is None:
        return "none"
    try:
        shell = ipython.get_ipython()
    except Exception:
        return "none"
    if shell is None:
        return "none"
    zmqshell = modules.get("ipykernel.zmqshell")
    zmq_class = getattr(zmqshell, "ZMQInteractiveShell", None)
    if zmq_class is not None and isinstance(shell, zmq_class):
        return "widget"
    return "text"


def resolve_mode(mode: str, *, widgets_available: bool | None = None) -> Literal["widget", "text", "none"]:
    """Validate a progress mode and turn ``auto`` into what this frontend can show."""
    if mode not in MODES:
        raise ValueError(
            f"progress mode must be one of {', '.join(MODES)}; got {mode!r}"
        )
    if mode != "auto":
        return mode  # type: ignore[return-value]
    found = detect_frontend()
    if found == "widget":
        if widgets_available is None:
            widgets_available = importlib.util.find_spec("ipywidgets") is not None
        if not widgets_available:
            return "text"
    return found


def reporter_for(
    mode: str = "auto",
    title: str = "cloudstack",
    on_cancel: Callable[[], object] | None = None,
    *,
    cancel_button: bool | None = None,
    autoshow: bool = True,
    reveal_after: float = REVEAL_AFTER,
    redraw_every: float = REDRAW_EVERY,
    tick_every: float = TICK_EVERY,
    stream: Any = None,
) -> ProgressReporter:
    """A reporter for ``mode`` (auto|widget|text|none) titled ``title``.

    ``on_cancel`` is called by the widget's Cancel button; the button is offered only when the
    kernel delivers widget messages while an awaited cell runs (ipykernel >= 7.4), unless
    ``cancel_button`` forces it on or off. ``stream`` is the text mode's file (default stderr).
    ``autoshow=False`` is for views someone else displays (background handles): the reporter
    never displays anything itself, and widgets stay open, drawn in their final state.
    """
    resolved = resolve_mode(mode)
    view: ProgressView = NoView()
    if resolved == "widget":
        try:
            from ._widget import WidgetView

            view = WidgetView(title, on_cancel, cancel_button=cancel_button, close_on_finish=autoshow)
        except ImportError:
            _log.warning("cloudstack-magic: widget progress needs ipywidgets (pip install "
                         "ipywidgets); showing a text line instead")
            resolved = "text"
    if resolved == "text":
        from ._text import TextView

        view = TextView(stream)
    return ProgressReporter(
        title, view, reveal_after=reveal_after, redraw_every=redraw_every, tick_every=tick_every,
        autoshow=autoshow,
    )
