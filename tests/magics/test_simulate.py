"""``%cloudstack simulate start|stop``: a simulator inside the kernel, as the session's region."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from IPython.core.error import UsageError

from .conftest import loaded_shell


def _simulator_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "cloudstack-simulator" and t.is_alive()]


def test_start_makes_a_simulator_region_current_and_stop_ends_it(bare_ip: Any) -> None:
    before = len(_simulator_threads())
    text = str(bare_ip.run_cell("%cloudstack simulate start --vms 7 --seed 3 --latency-ms 1").result)
    assert text.startswith("simulator running at http://127.0.0.1:") and "'simulator'" in text
    magic = bare_ip.user_ns["_cloudstack_magic_"]
    assert magic.region == "simulator" and len(_simulator_threads()) == before + 1
    vms = bare_ip.run_cell("%cloudstack listVirtualMachines listall=true").result
    assert len(vms) == 7 and vms.attrs["region"] == "simulator"
    # awaited on the kernel's loop while the simulator answers from its own thread and loop
    zones = bare_ip.run_cell("z = %cloudstack listZones\nz").result
    assert len(zones) > 0
    assert "simulator" in str(bare_ip.display_formatter.format(
        bare_ip.run_cell("%cloudstack regions").result)[0]["text/plain"])
    assert str(bare_ip.run_cell("%cloudstack simulate stop").result) == "simulator stopped"
    assert len(_simulator_threads()) == before and magic.region == ""
    with pytest.raises(UsageError):  # no region any more (no config in this test)
        bare_ip.run_cell("%cloudstack listZones")


def test_unload_stops_the_simulator() -> None:
    before = len(_simulator_threads())
    shells = loaded_shell()
    shell = next(shells)
    shell.run_cell("%cloudstack simulate start --vms 2")
    assert len(_simulator_threads()) == before + 1
    next(shells, None)  # %unload_ext
    assert len(_simulator_threads()) == before


@pytest.mark.parametrize(("line", "words"), [
    ("simulate", "usage: %cloudstack simulate start"),
    ("simulate start --vms", "--vms needs a value"),
    ("simulate start --vms many", "--vms takes a number"),
    ("simulate start --colour 3", "unknown simulator setting"),
    ("simulate start --vms -5", "vms must be >= 0"),
])
def test_bad_simulate_lines_are_one_usage_error(bare_ip: Any, line: str, words: str) -> None:
    with pytest.raises(UsageError) as caught:
        bare_ip.run_cell(f"%cloudstack {line}")
    assert type(caught.value) is UsageError and words in str(caught.value) and "\n" not in str(caught.value)
    assert not bare_ip.user_ns["_cloudstack_magic_"].simulator.running


def test_a_second_start_is_refused(bare_ip: Any) -> None:
    bare_ip.run_cell("%cloudstack simulate start --vms 1")
    with pytest.raises(UsageError, match="already runs"):
        bare_ip.run_cell("%cloudstack simulate start")
    bare_ip.run_cell("%cloudstack simulate stop")
