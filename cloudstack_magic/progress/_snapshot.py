"""What a progress view draws: an immutable snapshot of listings and jobs, and the view protocol.

The reporter (``_progress``) builds a :class:`Snapshot` whenever a view should redraw; views
(``_widgets.WidgetView``, ``_textprogress.TextView``, :class:`NoView`) only read it, so the
words, the widgets and the tests all work from the same plain values, with no reporter needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias

from ..client._events import JobProgress, PageProgress

__all__ = ["Job", "Listing", "NoView", "Outcome", "ProgressView", "Snapshot"]

Outcome: TypeAlias = Literal["running", "done", "failed", "cancelled"]


@dataclass(frozen=True, slots=True)
class Listing:
    """The last page event of one listing, with the scope label it was reported under."""

    label: str
    event: PageProgress


@dataclass(frozen=True, slots=True)
class Job:
    """The last poll of one job; ``event.elapsed`` is advanced to "now" while it runs."""

    label: str  # the fan-out scope (the region, in the magics), or ""
    event: JobProgress

    @property
    def running(self) -> bool:
        """True while the server still runs it (also after waiting for it stopped).

        Read from the server's ``jobstatus`` (0 = running), not from ``state``: when waiting is
        cancelled the client reports ``state="cancelled"`` with the job still at jobstatus 0.
        """
        return self.event.jobstatus == 0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a view draws: one immutable picture of the reporter's state."""

    title: str
    listings: tuple[Listing, ...]
    jobs: tuple[Job, ...]
    elapsed: float
    outcome: Outcome = "running"
    error: str | None = None  # exception class name when the work failed
    #: The region the call used (``-r``), for ready-to-run check lines; a fan-out's scope labels
    #: name their regions themselves.
    region: str | None = None

    @property
    def units_total(self) -> int:
        return len(self.listings) + len(self.jobs)

    @property
    def units_done(self) -> int:
        return sum(item.event.done for item in self.listings) + sum(
            not job.running for job in self.jobs
        )


class ProgressView(Protocol):
    """What the reporter drives; see ``_widgets.WidgetView`` and ``_textprogress.TextView``."""

    #: True when the view can be shown again later (a widget); text lines cannot.
    redisplayable: bool

    def show(self) -> None: ...

    def render(self, snapshot: Snapshot) -> None: ...

    def close(self, snapshot: Snapshot, final: str, display_if_hidden: bool) -> None: ...


class NoView:
    """Mode "none": shows nothing, ever."""

    redisplayable = False

    def show(self) -> None:
        pass

    def render(self, snapshot: Snapshot) -> None:
        pass

    def close(self, snapshot: Snapshot, final: str, display_if_hidden: bool) -> None:
        pass
