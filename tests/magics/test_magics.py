"""``%cloudstack`` in an in-process shell against the simulator: syntax forms, storage, options."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from IPython.core.error import UsageError

from .conftest import write_ini


def vm_count(sim: Any) -> int:
    return len([v for v in sim.runtime.cloud.vms if "projectid" not in v])


def last_request(sim: Any, command: str) -> dict[str, Any]:
    return [r for r in sim.stats()["recent"] if r["command"] == command][-1]


def shown(ip: Any, value: Any) -> str:
    """What IPython displays for ``value`` as text."""
    return str(ip.display_formatter.format(value)[0]["text/plain"])


# -- the forms ------------------------------------------------------------------------------------
def test_line_magic_displays_a_dataframe(ip: Any, simulator: Any) -> None:
    result = ip.run_cell("%cloudstack listVirtualMachines listall=true")
    frame = result.result
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == vm_count(simulator)
    assert list(frame.columns[:2]) == ["id", "name"]
    assert frame.attrs["command"] == "listVirtualMachines"
    assert frame.attrs["params"] == {"listall": "true"}
    assert ip.user_ns["_"] is frame  # displayed: the output cache holds it


def test_assignment_stores_and_displays_nothing(ip: Any, simulator: Any) -> None:
    result = ip.run_cell("zones = %cloudstack listZones")
    assert result.result is None
    assert len(ip.user_ns["zones"]) == len(simulator.runtime.cloud.zones)


def test_output_option_stores_and_displays_nothing(ip: Any) -> None:
    result = ip.run_cell("%cloudstack -o zones listZones")
    assert result.result is None
    assert isinstance(ip.user_ns["zones"], pd.DataFrame)


def test_cell_magic_with_variable_and_multiline_parameters(ip: Any, simulator: Any) -> None:
    ip.user_ns["zone"] = list(simulator.runtime.cloud.zones)[0]["id"]
    result = ip.run_cell(
        "%%cloudstack vms\n"
        "listVirtualMachines   # every VM of the zone\n"
        "    zoneid = $zone\n"
        "    listall = true\n"
    )
    assert result.result is None
    vms = ip.user_ns["vms"]
    assert len(vms) > 0 and set(vms["zoneid"]) == {ip.user_ns["zone"]}


def test_cell_with_several_commands_gives_a_list_in_order(ip: Any) -> None:
    result = ip.run_cell("%%cloudstack\nlistZones\nlistServiceOfferings\n")
    first, second = result.result
    assert first.attrs["command"] == "listZones"
    assert second.attrs["command"] == "listServiceOfferings"


def test_parallel_cell_runs_every_command(ip: Any, simulator: Any) -> None:
    simulator.reset()
    ip.run_cell("%%cloudstack --parallel both\nlistZones\nlistHosts\n")
    zones, hosts = ip.user_ns["both"]
    assert len(zones) == len(simulator.runtime.cloud.zones) and len(hosts) > 0
    counts = simulator.stats()["commands"]
    assert counts["listZones"] >= 1 and counts["listHosts"] >= 1


def test_command_name_is_case_forgiving(ip: Any) -> None:
    frame = ip.run_cell("%cloudstack listzones").result
    assert frame.attrs["command"] == "listZones"


def test_brace_interpolation_in_a_loop(ip: Any, simulator: Any) -> None:
    ip.run_cell(
        "sizes = []\n"
        "for size in (1, 2):\n"
        "    page = %cloudstack listVirtualMachines listall=true page=1 pagesize={size}\n"
        "    sizes.append(len(page))\n"
    )
    assert ip.user_ns["sizes"] == [1, 2]


def test_interpolation_uses_locals_inside_def_sync_fallback(ip: Any) -> None:
    ip.run_cell(
        "def first(n):\n"
        "    rows = %cloudstack listVirtualMachines listall=true page=1 pagesize=$n\n"
        "    return rows\n"
        "got = len(first(3))\n"
    )
    assert ip.user_ns["got"] == 3
    assert "n" not in ip.user_ns


def test_interpolation_uses_locals_inside_async_def(ip: Any) -> None:
    ip.run_cell(
        "async def first(n):\n"
        "    rows = %cloudstack listVirtualMachines listall=true page=1 pagesize={n}\n"
        "    return rows\n"
        "got = len(await first(2))\n"
    )
    assert ip.user_ns["got"] == 2


def test_magic_frames_do_not_leak_into_interpolation(ip: Any) -> None:
    with pytest.raises(UsageError, match="NameError"):
        ip.run_cell("%cloudstack listZones name={line}")  # `line` is arun_line's own argument


def test_time_and_capture_around_a_magic(ip: Any) -> None:
    ip.run_cell("%%time\ntimed = %cloudstack listZones\n")
    ip.run_cell("%%capture captured\ncap = %cloudstack listZones\n")
    assert len(ip.user_ns["timed"]) == len(ip.user_ns["cap"]) > 0


def test_object_parameters_are_flattened_by_the_client(ip: Any, simulator: Any) -> None:
    vm = next(v for v in simulator.runtime.cloud.vms if not v["tags"])["id"]  # createTags refuses a key twice
    ip.user_ns.update(ids=[vm], tags=[{"key": "team", "value": "data"}, {"key": "env", "value": "test"}])
    ip.run_cell("%cloudstack createTags resourcetype=UserVm resourceids=:ids tags=:tags")
    tags = ip.run_cell(f"%cloudstack listTags resourceid={vm} listall=true").result
    assert {"team", "env"} <= set(tags["key"])


def test_userdata_file_is_base64_and_posted(ip: Any, simulator: Any, isolated_config: Path) -> None:
    Path("cloud-init.yaml").write_text("#cloud-config\npackages: [nginx]\n")
    simulator.reset()
    ip.run_cell("%cloudstack --dry-run listZones")  # a dry run sends nothing
    assert simulator.stats()["commands"] == {}
    view = ip.run_cell("%cloudstack --dry-run updateVirtualMachine id=0e6a1f52-7a3b-4c1d-9e2f-3a4b5c6d7e04 userdata=@cloud-init.yaml").result
    assert view.method == "POST"
    sent = dict(part.split("=", 1) for part in view.body.split("&"))
    from urllib.parse import unquote

    assert base64.b64decode(unquote(sent["userdata"])) == b"#cloud-config\npackages: [nginx]\n"


# -- options --------------------------------------------------------------------------------------
def test_dry_run_masks_key_and_signature(ip: Any, simulator: Any) -> None:
    view = ip.run_cell("%cloudstack --dry-run listZones name=fra1").result
    text = repr(view)
    assert "listZones" in text and "fra1" in text and "nothing was sent" in text
    assert simulator.api_key not in text and simulator.secret_key not in text
    assert "apikey=***" in view.url.lower() and "signature=***" in view.url


def test_raw_returns_the_client_dict(ip: Any, simulator: Any) -> None:
    raw = ip.run_cell("%cloudstack --raw listZones").result
    assert raw["count"] == len(simulator.runtime.cloud.zones)
    assert isinstance(raw["zone"], list)


def test_no_wait_returns_the_job_id(ip: Any, simulator: Any) -> None:
    vm = list(simulator.runtime.cloud.vms)[1]["id"]
    view = ip.run_cell(f"%cloudstack --no-wait rebootVirtualMachine id={vm}").result
    assert view["jobid"]
    done = ip.run_cell(f"%cloudstack queryAsyncJobResult jobid={view['jobid']}").result
    assert done["jobid"] == view["jobid"]


def test_columns_and_limit(ip: Any, simulator: Any) -> None:
    simulator.reset()
    frame = ip.run_cell("%cloudstack --columns name,state --limit 5 listVirtualMachines listall=true").result
    assert list(frame.columns) == ["name", "state"] and len(frame) == 5
    assert last_request(simulator, "listVirtualMachines")["pagesize"] == "5"  # asked for one page


def test_unknown_column_is_a_usage_error(ip: Any) -> None:
    with pytest.raises(UsageError, match="--columns: no column nope; available: id"):
        ip.run_cell("%cloudstack --columns nope listZones")


def test_several_regions_concatenate_with_a_region_column(
    ip: Any, simulator: Any, isolated_config: Path, fresh_simulator: Any
) -> None:
    other = fresh_simulator(vms=5)
    write_ini(isolated_config, {
        "main": {"endpoint": simulator.endpoint, "key": simulator.api_key, "secret": simulator.secret_key},
        "lab": {"endpoint": other.endpoint, "key": other.api_key, "secret": other.secret_key},
    })
    frame = ip.run_cell("%cloudstack -r main,lab listZones").result
    assert list(frame.columns)[0] == "region"
    counts = frame["region"].value_counts().to_dict()
    assert counts == {"main": len(simulator.runtime.cloud.zones), "lab": len(other.runtime.cloud.zones)}


def test_use_switches_the_default_region(ip: Any, isolated_config: Path, fresh_simulator: Any) -> None:
    other = fresh_simulator(vms=3)
    write_ini(isolated_config, {"lab": {"endpoint": other.endpoint, "key": other.api_key,
                                       "secret": other.secret_key}})
    ip.run_cell("%cloudstack use lab")
    assert ip.user_ns["_cloudstack_magic_"].region == "lab"
    other.reset()
    frame = ip.run_cell("%cloudstack listZones").result
    assert frame.attrs["region"] == "lab"
    assert other.stats()["commands"]["listZones"] >= 1
    listing = shown(ip, ip.run_cell("%cloudstack regions").result)
    assert "lab" in listing and other.api_key not in listing


# -- help -----------------------------------------------------------------------------------------
def test_help_and_apis(ip: Any) -> None:
    text = shown(ip, ip.run_cell("%cloudstack help deployVirtualMachine").result)
    assert "serviceofferingid" in text and "async" in text
    listing = shown(ip, ip.run_cell("%cloudstack apis snapshot").result)
    assert "createSnapshot" in listing
    with pytest.raises(UsageError, match="did you mean listZones"):
        ip.run_cell("%cloudstack help listZone")


def test_generated_docstring_documents_options_and_grammar(ip: Any) -> None:
    doc = ip.user_ns["_cloudstack_magic_"].cloudstack.__doc__
    for text in ("-o VAR, --output VAR", "-r <NAME[,NAME…]>, --region <NAME[,NAME…]>", "--raw", "--no-wait",
                 "--dry-run", "--columns a,b,c", "--limit N", "--parallel", "--background",
                 "--no-validate", "--strict", "%cloudstack sync", "%cloudstack simulate start", "at most 1 MiB",
                 "Cell grammar", "key=:name", "key=@path", "In [2]: %cloudstack listVirtualMachines"):
        assert text in doc, text
