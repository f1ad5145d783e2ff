"""The notebook view of progress: an ipywidgets box with a row per listing and per job.

Layout::

    [title]  [3 of 5 done · 4.21 s]            [Cancel] | "to stop: Interrupt kernel (■)"
    listVirtualMachines  [=====     ]  1,200 of 12,345 rows · 3 of 25 pages
    deployVirtualMachine  <jobid>  pending  3.10 s  jobprocstatus 0  <indeterminate bar>

A job row's bar is an HTML ``<progress>`` without a value, which browsers animate as
indeterminate: ``jobprocstatus`` is not a percentage, and the animation costs no messages.
Only changed traits are sent, and the reporter redraws a few times per second at most.

The Cancel button exists only when the kernel can deliver its click while the awaited cell is
still running (ipykernel >= 7.4, see :func:`comm_messages_during_await`); otherwise the header
says to use *Interrupt kernel*. When the work ends every display of the box is replaced by the
static summary text and the widgets are closed, so a saved notebook holds text, not a dead widget.
ipywidgets is imported here only, when a widget view is made.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from importlib import metadata
from typing import TYPE_CHECKING, Any

from ._text import (
    display_name,
    format_seconds,
    job_status,
    listing_progress,
    status_line,
)

if TYPE_CHECKING:
    from ._snapshot import Job, Listing, Snapshot

__all__ = ["WidgetView", "comm_messages_during_await"]

_log = logging.getLogger(__name__)

INTERRUPT_HINT = "to stop: Interrupt kernel (■)"
#: Rows drawn at most; a cell submitting more jobs shows the rest as "+ N more" (each row
#: costs a dozen comms in the kernel and the browser, and the header counts them all anyway).
MAX_ROWS = 20
_RUNNING_BAR = '<progress style="width: 10em"></progress>'
_FULL_BAR = '<progress style="width: 10em" value="1" max="1"></progress>'


def comm_messages_during_await(version: str | None = None) -> bool:
    """True when ipykernel dispatches widget messages while an awaited cell runs (>= 7.4).

    Older kernels queue a button click until the cell ends, so a Cancel button would lie.
    """
    if version is None:
        version = getattr(sys.modules.get("ipykernel"), "__version__", None)
    if version is None:
        try:
            version = metadata.version("ipykernel")
        except metadata.PackageNotFoundError:
            return False
    match = re.match(r"(\d+)\.(\d+)", version)
    if match is None:
        return False
    return (int(match[1]), int(match[2])) >= (7, 4)


def _display(obj: Any, **kwargs: Any) -> Any:
    from IPython.display import display

    return display(obj, **kwargs)  # type: ignore[no-untyped-call,unused-ignore]


def _width(em: int) -> dict[str, str]:
    """A fixed column width, so the rows of several jobs line up."""
    return {"width": f"{em}em"}


#: A job id is a 36-character UUID: monospace, 37ch wide (``ch`` is one character of the
#: label's own font) and never shrunk, so its last character is not clipped where the status
#: starts; on a narrow output the bar gives up its room instead.
_JOBID_LAYOUT = {"width": "37ch", "min_width": "37ch", "flex": "0 0 auto"}
_JOBID_STYLE = {"font_family": "var(--jp-code-font-family, monospace)"}


class _ListingRow:
    def __init__(self, widgets: Any) -> None:
        self.name = widgets.Label(layout=_width(14))
        self.bar = widgets.IntProgress(min=0, max=1, value=0, layout=_width(21))
        self.text = widgets.Label()
        self.box = widgets.HBox([self.name, self.bar, self.text])

    def update(self, listing: Listing, outcome: str) -> None:
        ev = listing.event
        self.name.value = display_name(listing.label, ev.command)
        total = ev.pages_total if ev.pages_total else max(ev.pages_done, 1)
        self.bar.max = max(total, 1)
        self.bar.value = self.bar.max if ev.done else min(ev.pages_done, self.bar.max)
        if ev.done:
            self.bar.bar_style = "success"
        elif outcome in ("failed", "cancelled"):
            self.bar.bar_style = "danger"
        self.text.value = f"{listing_progress(listing)} · {format_seconds(ev.elapsed)}"


class _JobRow:
    def __init__(self, widgets: Any) -> None:
        self.name = widgets.Label(layout=_width(14))
        self.jobid = widgets.Label(layout=_JOBID_LAYOUT, style=_JOBID_STYLE)
        self.status = widgets.Label(layout=_width(8))
        self.elapsed = widgets.Label(layout=_width(6))
        self.procstatus = widgets.Label(layout=_width(9))
        self.bar = widgets.HTML(_RUNNING_BAR)
        self.box = widgets.HBox(
            [self.name, self.jobid, self.status, self.elapsed, self.procstatus, self.bar]
        )

    def update(self, job: Job, outcome: str) -> None:
        ev = job.event
        self.name.value = display_name(job.label, ev.command)
        self.jobid.value = ev.jobid
        self.status.value = job_status(job, outcome)
        self.elapsed.value = format_seconds(ev.elapsed)
        self.procstatus.value = (
            f"jobprocstatus {ev.jobprocstatus}" if ev.jobprocstatus is not None else ""
        )
        if ev.state == "succeeded":
            self.bar.value = _FULL_BAR
        elif not job.running or ev.done or outcome != "running":
            self.bar.value = ""  # ended, or nobody waits for it any more


class WidgetView:
    """The live box for one reporter; see the module docstring for its layout."""

    redisplayable = True

    def __init__(
        self,
        title: str,
        on_cancel: Callable[[], object] | None = None,
        *,
        cancel_button: bool | None = None,
        close_on_finish: bool = True,
        display: Callable[..., Any] = _display,
    ) -> None:
        import ipywidgets  # type: ignore[import-untyped,unused-ignore]

        self._widgets = ipywidgets
        self._display = display
        self._on_cancel = on_cancel
        self._handles: list[Any] = []
        self._close_on_finish = close_on_finish
        self.title = ipywidgets.HTML()
        self.title.value = f"<b>{_escape(title)}</b>"
        self.overall = ipywidgets.Label()
        if cancel_button is None:
            cancel_button = comm_messages_during_await()
        self.cancel_button: Any = None
        self.stop_hint: Any = None
        if on_cancel is not None and cancel_button:
            self.cancel_button = ipywidgets.Button(
                description="Cancel",
                icon="stop",
                button_style="warning",
                tooltip="Stop waiting; jobs already submitted keep running server-side",
            )
            self.cancel_button.on_click(self._clicked)
            control = self.cancel_button
        else:
            self.stop_hint = control = ipywidgets.Label(INTERRUPT_HINT)
        self.header = ipywidgets.HBox([self.title, self.overall, control])
        self.box = _box_class(ipywidgets)([self.header])
        self.box.status_text = title
        self.listing_rows: dict[tuple[str, str], _ListingRow] = {}
        self.job_rows: dict[tuple[str, str], _JobRow] = {}
        self.more = ipywidgets.Label()  # "+ N more" beyond MAX_ROWS
        self.cancel_requested = False

    def _clicked(self, _button: Any = None) -> None:
        if self.cancel_requested:
            return
        self.cancel_requested = True
        self.cancel_button.disabled = True
        self.cancel_button.description = "Cancelling…"
        if self._on_cancel is not None:
            try:
                self._on_cancel()
            except Exception:
                _log.warning("cloudstack-magic: the cancel callback failed", exc_info=True)

    def show(self) -> None:
        self._handles.append(self._display(self.box, display_id=True))

    def _room(self) -> bool:
        return len(self.listing_rows) + len(self.job_rows) < MAX_ROWS

    def render(self, snapshot: Snapshot) -> None:
        # The header first: the frontend applies updates in order, and a new row drawn before
        # the header's new time would show the two clocks disagreeing for a moment.
        elapsed = format_seconds(snapshot.elapsed)
        if snapshot.units_total > 1:
            self.overall.value = f"{snapshot.units_done} of {snapshot.units_total} done · {elapsed}"
        else:
            self.overall.value = elapsed
        added = False
        for listing in snapshot.listings:
            key = (listing.label, listing.event.command)
            if key not in self.listing_rows and self._room():
                self.listing_rows[key] = _ListingRow(self._widgets)
                added = True
            if key in self.listing_rows:
                self.listing_rows[key].update(listing, snapshot.outcome)
        for job in snapshot.jobs:
            key = (job.label, job.event.jobid)
            if key not in self.job_rows and self._room():
                self.job_rows[key] = _JobRow(self._widgets)
                added = True
            if key in self.job_rows:
                self.job_rows[key].update(job, snapshot.outcome)
        hidden = snapshot.units_total - len(self.listing_rows) - len(self.job_rows)
        self.more.value = f"+ {hidden} more" if hidden > 0 else ""
        if added or (hidden > 0 and self.more not in self.box.children):
            rows: list[_ListingRow | _JobRow] = [*self.listing_rows.values(), *self.job_rows.values()]
            extra = (self.more,) if hidden > 0 else ()
            self.box.children = (self.header, *(row.box for row in rows), *extra)
        self.box.status_text = status_line(snapshot)

    def close(self, snapshot: Snapshot, final: str, display_if_hidden: bool) -> None:
        bundle = summary_bundle(final)
        if self._handles:
            for handle in self._handles:
                if handle is not None:
                    handle.update(bundle, raw=True)
        elif display_if_hidden:
            self._display(bundle, raw=True)
        self.box.status_text = final
        if self._close_on_finish:
            self._close_widgets()
        else:
            # Background rows: the summary update is sent on behalf of the cell that started the
            # work, and a frontend may not apply it to a row shown elsewhere; a live widget left
            # in its final state beats a closed one that renders as "model not found".
            self.render(snapshot)
            if self.cancel_button is not None:
                self.cancel_button.disabled = True

    def _close_widgets(self) -> None:
        rows = [*self.listing_rows.values(), *self.job_rows.values()]
        parts = [self.title, self.overall, self.cancel_button, self.stop_hint, self.header, self.more,
                 self.box]
        for row in rows:
            parts.extend(vars(row).values())
        for widget in parts:
            if widget is None:
                continue
            # a widget's layout and style are widgets (comms) of their own: close them too
            for part in (getattr(widget, "layout", None), getattr(widget, "style", None), widget):
                if isinstance(part, self._widgets.Widget):
                    part.close()


#: JupyterLab's output ``<pre>`` breaks anywhere (``word-break: break-all``), which cuts words
#: and job ids mid-way; the summary wraps at spaces instead, and keeps the hint's line breaks.
_SUMMARY_STYLE = "white-space: pre-wrap; overflow-wrap: normal; word-break: normal; margin: 0"


def summary_bundle(final: str) -> dict[str, str]:
    """The static summary as text and as a ``<pre>`` that wraps only at word boundaries."""
    return {
        "text/plain": final,
        "text/html": f'<pre style="{_SUMMARY_STYLE}">{_keep_ids_whole(_escape(final))}</pre>',
    }


def _keep_ids_whole(text: str) -> str:
    """Browsers may break lines at a UUID's hyphens; a nowrap span keeps each id on one line
    (and copies as the same characters)."""
    return _UUID.sub(r'<span style="white-space: nowrap">\g<0></span>', text)


_UUID = re.compile(r"\b[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b")


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


_BOX_CLASS: Any = None


def _box_class(widgets: Any) -> Any:
    """A VBox whose text form is the status line, so no frontend ever prints ``VBox(...)``."""
    global _BOX_CLASS
    if _BOX_CLASS is None:

        class ProgressBox(widgets.VBox):  # type: ignore[misc,name-defined,unused-ignore]
            status_text = ""

            def __repr__(self) -> str:
                return self.status_text

        _BOX_CLASS = ProgressBox
    return _BOX_CLASS
