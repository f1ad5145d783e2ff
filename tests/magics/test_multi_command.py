"""Cells with several commands: their title, how their results show, and what a failure reports."""

from __future__ import annotations

from typing import Any

import pytest

from cloudstack_magic._results import title_of


def test_title_counts_repeated_commands() -> None:
    assert title_of(["deployVirtualMachine"] * 3) == "deployVirtualMachine ×3"
    assert title_of(["listZones", "listHosts"]) == "listZones + listHosts"
    assert title_of(["a", "b", "a"]) == "a ×2 + b"


def test_cell_title_reaches_the_progress_view(ip: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from cloudstack_magic import _progress

    titles: list[str] = []
    real = _progress.reporter_for

    def recording(mode: str, title: str, on_cancel: Any = None, **kw: Any) -> Any:
        titles.append(title)
        return real("none", title, on_cancel, **kw)

    monkeypatch.setattr(_progress, "reporter_for", recording)
    ip.run_cell("%%cloudstack\nlistZones\nlistZones\nlistHosts\n")
    assert titles == ["listZones ×2 + listHosts"]
