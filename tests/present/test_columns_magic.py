"""``--columns all`` and ``%config CloudStackMagic.columns`` against the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config


@pytest.fixture
def ip(simulator: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    import os

    for name in list(os.environ):
        if name.startswith("CLOUDSTACK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", simulator.endpoint)
    monkeypatch.setenv("CLOUDSTACK_KEY", simulator.api_key)
    monkeypatch.setenv("CLOUDSTACK_SECRET", simulator.secret_key)
    config = Config()
    config.HistoryAccessor.enabled = False
    shell = InteractiveShell.instance(config=config)
    shell.run_cell("%load_ext cloudstack_magic")
    shell.run_cell("%config CloudStackMagic.progress = 'none'")
    yield shell
    shell.run_cell("%unload_ext cloudstack_magic")
    InteractiveShell.clear_instance()


def _header(ip: InteractiveShell, value: Any) -> list[str]:
    return str(ip.display_formatter.format(value)[0]["text/plain"]).splitlines()[0].split()


def test_a_vm_list_displays_its_compact_set_and_keeps_every_column(ip: InteractiveShell) -> None:
    vms = ip.run_cell("%cloudstack listVirtualMachines listall=true").result
    header = _header(ip, vms)
    assert header[:3] == ["name", "state", "zonename"] and len(header) < len(vms.columns)
    text = str(ip.display_formatter.format(vms)[0]["text/plain"])
    assert f"showing 20 of {len(vms):,} rows and {len(header)} of {len(vms.columns)} columns" in text


def test_columns_all_option_shows_every_column(ip: InteractiveShell) -> None:
    vms = ip.run_cell("%cloudstack --columns all listVirtualMachines listall=true").result
    assert _header(ip, vms) == [str(c) for c in vms.columns]


def test_columns_config_trait(ip: InteractiveShell) -> None:
    vms = ip.run_cell("%cloudstack listVirtualMachines listall=true").result
    ip.run_cell("%config CloudStackMagic.columns = 'all'")
    assert _header(ip, vms) == [str(c) for c in vms.columns]
    ip.run_cell("%config CloudStackMagic.columns = 'default'")
    assert len(_header(ip, vms)) < len(vms.columns)


def test_columns_all_on_a_single_resource_is_refused(ip: InteractiveShell) -> None:
    vm = ip.run_cell("%cloudstack listVirtualMachines listall=true").result.id[0]
    result = ip.run_cell(f"%cloudstack --columns all updateVirtualMachine id={vm} displayname=same")
    assert isinstance(result.error_in_exec, UsageError)
    assert "list results only" in str(result.error_in_exec)


def test_columns_is_case_forgiving_and_a_bad_value_keeps_the_setting(ip: InteractiveShell) -> None:
    magic = ip.magics_manager.registry["CloudStackMagic"]
    ip.run_cell("%config CloudStackMagic.columns = 'ALL'")
    assert magic.columns == "all"
    ip.run_cell("%config CloudStackMagic.columns = 'some'")
    assert magic.columns == "all"
