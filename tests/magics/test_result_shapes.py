"""One shape per result kind: a job that brings a resource gives that resource, ``--raw`` the dict."""

from __future__ import annotations

import time
from typing import Any

import pytest

from cloudstack_magic.magics._results import resource_of


@pytest.fixture
def deploy_args(ip: Any, fresh_simulator: Any, isolated_config: Any) -> str:
    from .conftest import write_ini

    sim = fresh_simulator(vms=2, job_seconds=0.1)
    write_ini(isolated_config, {"jobs": {"endpoint": sim.endpoint, "key": sim.api_key, "secret": sim.secret_key}})
    ip.run_cell("%cloudstack use jobs")
    cloud = sim.runtime.cloud
    return (f"zoneid={next(iter(cloud.zones))['id']} templateid={next(iter(cloud.templates))['id']} "
            f"serviceofferingid={next(iter(cloud.serviceofferings))['id']}")


def test_every_job_that_returns_a_vm_gives_the_vm(ip: Any, deploy_args: str) -> None:
    name = f"shape-{time.monotonic_ns()}"
    vm = ip.run_cell(f"%cloudstack deployVirtualMachine {deploy_args} name={name}").result
    assert vm["name"] == name and vm.kind == "virtualmachine"
    stopped = ip.run_cell(f"%cloudstack stopVirtualMachine id={vm['id']}").result
    assert stopped["name"] == name and stopped["state"] == "Stopped"
    cell = (f"%%cloudstack --parallel\ndeployVirtualMachine {deploy_args} name={name}-a\n"
            f"deployVirtualMachine {deploy_args} name={name}-b\n")
    assert sorted(r["name"] for r in ip.run_cell(cell).result) == [f"{name}-a", f"{name}-b"]
    job = ip.run_cell(f"%cloudstack --no-wait startVirtualMachine id={vm['id']}").result
    deadline = time.monotonic() + 30
    while True:
        started = ip.run_cell(f"%cloudstack queryAsyncJobResult jobid={job['jobid']}").result
        if "jobstatus" not in started or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert started["name"] == name and started["state"] == "Running"  # the finished job's VM itself


def test_raw_gives_the_servers_dict(ip: Any, deploy_args: str) -> None:
    raw = ip.run_cell(f"%cloudstack --raw deployVirtualMachine {deploy_args} name=raw-{time.monotonic_ns()}").result
    assert isinstance(raw, dict) and set(raw) == {"virtualmachine"}


def test_resource_of_keeps_what_is_not_a_finished_resource() -> None:
    running = {"jobid": "j", "jobstatus": 0}
    assert resource_of(running) is running
    failed = {"jobid": "j", "jobstatus": 2, "jobresult": {"errorcode": 530, "errortext": "no"}}
    assert resource_of(failed) is failed
    done = {"jobid": "j", "jobstatus": 1, "jobresult": {"virtualmachine": {"id": "v", "name": "n"}}}
    assert resource_of(done) == {"virtualmachine": {"id": "v", "name": "n"}}
    success = {"jobid": "j", "jobstatus": 1, "jobresult": {"success": True}}
    assert resource_of(success) is success
