"""Cells with several commands: their title, how their results show, and what a failure reports."""

from __future__ import annotations

from typing import Any

import pytest

from cloudstack_magic.magics._results import title_of


def test_title_counts_repeated_commands() -> None:
    assert title_of(["deployVirtualMachine"] * 3) == "deployVirtualMachine ×3"
    assert title_of(["listZones", "listHosts"]) == "listZones + listHosts"
    assert title_of(["a", "b", "a"]) == "a ×2 + b"


def test_cell_title_reaches_the_progress_view(ip: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from cloudstack_magic.progress import _reporter as _progress

    titles: list[str] = []
    real = _progress.reporter_for

    def recording(mode: str, title: str, on_cancel: Any = None, **kw: Any) -> Any:
        titles.append(title)
        return real("none", title, on_cancel, **kw)

    monkeypatch.setattr(_progress, "reporter_for", recording)
    ip.run_cell("%%cloudstack\nlistZones\nlistZones\nlistHosts\n")
    assert titles == ["listZones ×2 + listHosts"]


def _deploy_line(cloud: Any, name: str) -> str:
    zone = next(iter(cloud.zones))["id"]
    template = next(iter(cloud.templates))["id"]
    offering = next(iter(cloud.serviceofferings))["id"]
    return f"deployVirtualMachine zoneid={zone} templateid={template} serviceofferingid={offering} name={name}"


@pytest.fixture
def small(ip: Any, isolated_config: Any, fresh_simulator: Any) -> Any:
    from .conftest import write_ini

    sim = fresh_simulator(vms=6)
    write_ini(isolated_config, {"small": {"endpoint": sim.endpoint, "key": sim.api_key, "secret": sim.secret_key}})
    return sim


def test_parallel_failure_still_reports_what_succeeded(ip: Any, small: Any) -> None:
    """Two deploys with taken names and one new: the new VM is created and its ids are in the error."""
    from IPython.core.error import UsageError

    cloud = small.runtime.cloud
    taken = [vm["name"] for vm in list(cloud.vms)[:2]]
    cell = "\n".join(_deploy_line(cloud, name) for name in [*taken, "qa-new"])
    ip.user_ns["out"] = "untouched"
    with pytest.raises(UsageError) as caught:
        ip.run_cell(f"%%cloudstack --parallel -r small out\n{cell}\n")
    assert type(caught.value) is UsageError
    lines = str(caught.value).splitlines()
    assert "2 of 3 commands failed" in lines[0]
    assert "[1] deployVirtualMachine failed" in lines[1] and taken[0] in lines[1]
    assert "[2] deployVirtualMachine failed" in lines[2] and taken[1] in lines[2]
    created = next(vm for vm in cloud.vms if vm["name"] == "qa-new")
    (jobid,) = {r["jobid"] for r in small.stats()["recent"] if "jobid" in r}
    assert "[3] deployVirtualMachine succeeded" in lines[3]
    assert jobid in lines[3] and created["id"] in lines[3] and "qa-new" in lines[3]
    assert ip.user_ns["out"] == "untouched"


def test_sequential_failure_says_what_ran_and_what_did_not(ip: Any, small: Any) -> None:
    from IPython.core.error import UsageError

    cloud = small.runtime.cloud
    taken = next(iter(cloud.vms))["name"]
    cell = f"{_deploy_line(cloud, 'qa-first')}\n{_deploy_line(cloud, taken)}\nlistZones\n"
    with pytest.raises(UsageError) as caught:
        ip.run_cell(f"%%cloudstack -r small\n{cell}")
    lines = str(caught.value).splitlines()
    created = next(vm for vm in cloud.vms if vm["name"] == "qa-first")
    assert "1 of 3 commands failed, 1 not run" in lines[0]
    assert "[1] deployVirtualMachine succeeded" in lines[1] and created["id"] in lines[1]
    assert "[2] deployVirtualMachine failed" in lines[2] and "already exists" in lines[2]
    assert lines[3].strip() == "[3] listZones not run"
    assert "listZones" not in small.stats()["commands"]


def test_several_results_show_each_view_under_a_numbered_heading(ip: Any) -> None:
    result = ip.run_cell("%%cloudstack --parallel\nlistZones\nlistHosts\n").result
    zones, hosts = result  # still a list: unpacking, len and indexing work
    assert isinstance(result, list) and len(result) == 2 and result[0] is zones
    data, _ = ip.display_formatter.format(result)
    text, page = data["text/plain"], data["text/html"]
    assert text.startswith("[1] listZones") and "\n[2] listHosts" in text
    assert "[virtualmachine" not in text and "<" not in text.splitlines()[1]
    assert "<h4>[1] listZones</h4>" in page and "<h4>[2] listHosts</h4>" in page
    assert page.count("<table") >= 2  # each frame as its own HTML table


def test_only_a_kernel_interrupt_counts_as_one() -> None:
    """Outside ipykernel's interrupt handler (terminal IPython, scripts) a cancellation stays one."""
    from cloudstack_magic.magics._runner import interrupted_by_kernel

    assert interrupted_by_kernel() is False
