"""Progress events: what the client reports while it pages through a list or waits for a job.

The client knows nothing about widgets or terminals. It calls one plain callable,
``progress(event)``, with these small frozen records; the progress layer (``_progress``) turns
them into a bar, a text line or nothing. A callback must be cheap and must not raise: the client
calls it inline from its own coroutines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = ["JobProgress", "PageProgress", "ProgressCallback", "JobState"]

JobState: TypeAlias = Literal["pending", "succeeded", "failed", "cancelled"]


@dataclass(frozen=True, slots=True)
class PageProgress:
    """A list command's state after each page arrives (and once before the first)."""

    command: str
    pages_done: int
    pages_total: int | None  # None until the first page told the total
    rows_done: int
    rows_total: int | None  # the server's ``count``; None until known
    elapsed: float  # seconds since the listing started
    done: bool = False  # True on the last event of a listing that finished


@dataclass(frozen=True, slots=True)
class JobProgress:
    """An async job's state after each poll of ``queryAsyncJobResult`` (and once at submit)."""

    command: str
    jobid: str
    state: JobState
    jobstatus: int  # the server's 0 running, 1 succeeded, 2 failed, 3 cancelled
    jobprocstatus: int | None
    elapsed: float  # seconds since the job was submitted
    polls: int  # queryAsyncJobResult calls made so far
    done: bool = False  # True once the job ended, or waiting for it stopped


ProgressCallback: TypeAlias = Callable[[PageProgress | JobProgress], None]
