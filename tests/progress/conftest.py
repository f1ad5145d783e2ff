"""Test doubles for the progress layer (fixtures): a hand-driven clock, a recording view, events."""

from __future__ import annotations

from typing import Any

import pytest

from cloudstack_magic.client._events import JobProgress, PageProgress


class FakeClock:
    """``time.monotonic`` stand-in that only moves when a test says so."""

    def __init__(self, start: float = 100.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RecordingView:
    """A view that remembers every call the reporter made, in order."""

    redisplayable = True

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def show(self) -> None:
        self.calls.append(("show", None))

    def render(self, snapshot: Any) -> None:
        self.calls.append(("render", snapshot))

    def close(self, snapshot: Any, final: str, display_if_hidden: bool) -> None:
        self.calls.append(("close", (snapshot, final, display_if_hidden)))

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def renders(self) -> list[Any]:
        return [arg for name, arg in self.calls if name == "render"]


class FakeDisplayHandle:
    def __init__(self, log: list[tuple[str, Any, dict[str, Any]]]) -> None:
        self.log = log

    def update(self, obj: Any, **kwargs: Any) -> None:
        self.log.append(("update", obj, kwargs))


class FakeDisplay:
    """Replaces IPython's ``display``: records what would be shown, returns update handles."""

    def __init__(self) -> None:
        self.log: list[tuple[str, Any, dict[str, Any]]] = []

    def __call__(self, obj: Any, **kwargs: Any) -> FakeDisplayHandle:
        self.log.append(("display", obj, kwargs))
        return FakeDisplayHandle(self.log)


def page(command: str = "listVirtualMachines", pages: int = 0, of: int | None = 25,
         rows: int = 0, total: int | None = 12345, elapsed: float = 0.0,
         done: bool = False) -> PageProgress:
    return PageProgress(command, pages, of, rows, total, elapsed, done)


def job(jobid: str, state: str = "pending", *, command: str = "deployVirtualMachine",
        procstatus: int | None = 0, elapsed: float = 0.0, polls: int = 1,
        done: bool = False) -> JobProgress:
    status = {"pending": 0, "succeeded": 1, "failed": 2, "cancelled": 3}[state]
    return JobProgress(command, jobid, state, status, procstatus, elapsed, polls, done)  # type: ignore[arg-type]


class Events:
    """Builders of client events, handed to tests as the ``ev`` fixture."""

    page = staticmethod(page)
    job = staticmethod(job)


@pytest.fixture
def ev() -> type[Events]:
    return Events


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def view() -> RecordingView:
    return RecordingView()


@pytest.fixture
def fake_display() -> FakeDisplay:
    return FakeDisplay()
