"""``-r a,b,c``: one region down is not all regions down, and never a silently smaller inventory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

from tests._ports import closed_port

from .conftest import write_ini


@pytest.fixture
def two_up_one_down(ip: Any, isolated_config: Path, fresh_simulator: Any,
                    simulator: Any) -> Iterator[tuple[Any, Any]]:
    with closed_port() as down:  # held, so the fresh simulator cannot be given it
        small = fresh_simulator(vms=4)
        write_ini(isolated_config, {
            "a": {"endpoint": simulator.endpoint, "key": simulator.api_key, "secret": simulator.secret_key},
            "down": {"endpoint": f"http://127.0.0.1:{down}/client/api", "key": "k", "secret": "s", "retry": "0"},
            "c": {"endpoint": small.endpoint, "key": small.api_key, "secret": small.secret_key},
        })
        yield simulator, small


def test_every_region_finishes_and_the_frame_says_which_failed(
    ip: Any, two_up_one_down: tuple[Any, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    alone = {name: len(ip.run_cell(f"%cloudstack -r {name} listVirtualMachines listall=true").result)
             for name in ("a", "c")}
    frame = ip.run_cell("%cloudstack -r a,down,c listVirtualMachines listall=true").result
    assert set(frame["region"]) == {"a", "c"}
    assert frame["region"].value_counts().to_dict() == alone  # each answering region whole
    assert frame.attrs["regions"] == ["a", "c"]
    assert list(frame.attrs["failed_regions"]) == ["down"]
    assert "127.0.0.1" in frame.attrs["failed_regions"]["down"]
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "region down:" in warnings[0]


def test_strict_makes_a_failed_region_an_error_and_stores_nothing(ip: Any, two_up_one_down: tuple[Any, Any]) -> None:
    ip.user_ns["vms"] = "untouched"
    with pytest.raises(UsageError) as caught:
        ip.run_cell("vms = %cloudstack --strict -r a,down,c listVirtualMachines listall=true")
    assert type(caught.value) is UsageError and str(caught.value).startswith("region down: ")
    assert "\n" not in str(caught.value)
    assert ip.user_ns["vms"] == "untouched"


def test_when_every_region_fails_it_is_an_error(ip: Any, isolated_config: Path) -> None:
    with closed_port() as x, closed_port() as y:
        write_ini(isolated_config, {
            "x": {"endpoint": f"http://127.0.0.1:{x}/client/api", "key": "k", "secret": "s", "retry": "0"},
            "y": {"endpoint": f"http://127.0.0.1:{y}/client/api", "key": "k", "secret": "s", "retry": "0"},
        })
        with pytest.raises(UsageError) as caught:
            ip.run_cell("%cloudstack -r x,y listZones")
    message = str(caught.value)
    assert message.startswith("2 of 2 regions failed: region x: ") and "region y: " in message
