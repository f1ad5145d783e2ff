"""VM lifecycle jobs, volumes, snapshots, tags, filters and discovery, through signed requests."""

from __future__ import annotations

import json
import time

import pytest

from .conftest import make_api


@pytest.fixture
def sim(fresh_simulator):
    return fresh_simulator(vms=30, job_seconds=0.1)


@pytest.fixture
def call(sim):
    api = make_api(sim)

    def run(command, **params):
        status, _, text = api({"command": command, "response": "json", **params})
        body = json.loads(text)[f"{command.lower()}response"]
        return status, body

    return run


def wait(call, jobid, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, job = call("queryAsyncJobResult", jobid=jobid)
        assert status == 200
        if job["jobstatus"] != 0:
            return job
        time.sleep(0.03)
    raise AssertionError("job did not finish")


def first(call, command, key, **params):
    return call(command, **params)[1][key][0]


def deploy(call, **extra):
    zone = first(call, "listZones", "zone")
    template = first(call, "listTemplates", "template", templatefilter="featured")
    offering = first(call, "listServiceOfferings", "serviceoffering", **extra.pop("offering", {}))
    return call("deployVirtualMachine", zoneid=zone["id"], templateid=template["id"],
                serviceofferingid=offering["id"], **extra)


def test_deploy_answers_id_and_jobid_then_the_job_completes(call):
    status, accepted = deploy(call, name="web-new")
    assert status == 200 and set(accepted) == {"id", "jobid"}
    pending = call("queryAsyncJobResult", jobid=accepted["jobid"])[1]
    assert pending["jobstatus"] == 0 and pending["jobinstanceid"] == accepted["id"]
    assert first(call, "listVirtualMachines", "virtualmachine", id=accepted["id"])["state"] == "Starting"
    job = wait(call, accepted["jobid"])
    assert job["jobstatus"] == 1 and job["jobresultcode"] == 0 and job["jobresulttype"] == "object"
    assert {"cmd", "created", "completed", "jobinstancetype", "userid", "accountid"} <= set(job)
    vm = job["jobresult"]["virtualmachine"]
    assert vm["id"] == accepted["id"] and vm["state"] == "Running" and "hostid" in vm
    volumes = call("listVolumes", virtualmachineid=vm["id"])[1]["volume"]
    assert [v["type"] for v in volumes] == ["ROOT"]
    jobs = call("listAsyncJobs")[1]
    assert accepted["jobid"] in {j["jobid"] for j in jobs["asyncjobs"]}


def test_deploy_with_a_data_disk(call):
    custom = first(call, "listDiskOfferings", "diskoffering", name="Custom")
    assert deploy(call, name="needs-size", diskofferingid=custom["id"])[0] == 431
    assert call("listVirtualMachines", name="needs-size")[1] == {}
    accepted = deploy(call, name="with-disk", diskofferingid=custom["id"], size="50")[1]
    wait(call, accepted["jobid"])
    volumes = call("listVolumes", virtualmachineid=accepted["id"])[1]["volume"]
    assert sorted((v["type"], v["size"]) for v in volumes)[0] == ("DATADISK", 50 << 30)


def test_stop_start_reboot_destroy_expunge(call):
    accepted = deploy(call, name="cycle")[1]
    vm_id = accepted["id"]
    wait(call, accepted["jobid"])
    for command, state in [("stopVirtualMachine", "Stopped"), ("startVirtualMachine", "Running"),
                           ("rebootVirtualMachine", "Running"), ("destroyVirtualMachine", "Destroyed")]:
        job = wait(call, call(command, id=vm_id)[1]["jobid"])
        assert job["jobstatus"] == 1, job
        assert job["jobresult"]["virtualmachine"]["state"] == state
    assert call("recoverVirtualMachine", id=vm_id)[1]["virtualmachine"]["state"] == "Stopped"
    wait(call, call("destroyVirtualMachine", id=vm_id)[1]["jobid"])
    job = wait(call, call("expungeVirtualMachine", id=vm_id)[1]["jobid"])
    assert job["jobresult"] == {"success": True}
    assert call("listVirtualMachines", id=vm_id)[1] == {}


def test_deploy_fails_with_533_when_capacity_runs_out(call):
    big = {"name": "XLarge Instance"}
    for n in range(40):
        job = wait(call, deploy(call, name=f"big-{n}", offering=big)[1]["jobid"])
        if job["jobstatus"] == 2:
            break
    else:
        pytest.fail("capacity never ran out")
    assert job["jobresultcode"] == 530
    assert job["jobresult"]["errorcode"] == 533 and "Unable to create a deployment" in job["jobresult"]["errortext"]


def test_unknown_ids_are_431(call):
    status, error = call("startVirtualMachine", id="00000000-0000-4000-8000-000000000000")
    assert status == 431 and error["cserrorcode"] == 4350
    status, error = call("queryAsyncJobResult", jobid="00000000-0000-4000-8000-000000000000")
    assert status == 431


def test_tags_create_filter_delete(call):
    vm = first(call, "listVirtualMachines", "virtualmachine", listall="true")
    tags = {"tags[0].key": "purpose", "tags[0].value": "demo"}
    job = wait(call, call("createTags", resourcetype="UserVm", resourceids=vm["id"], **tags)[1]["jobid"])
    assert job["jobresult"] == {"success": True}
    found = call("listVirtualMachines", listall="true", **tags)[1]
    assert [v["id"] for v in found["virtualmachine"]] == [vm["id"]]
    assert call("listTags", listall="true", resourceid=vm["id"], key="purpose")[1]["tag"][0]["value"] == "demo"
    wait(call, call("deleteTags", resourcetype="UserVm", resourceids=vm["id"], **tags)[1]["jobid"])
    assert call("listVirtualMachines", listall="true", **tags)[1] == {}


def test_volume_create_attach_detach_delete_and_snapshot(call):
    vm = first(call, "listVirtualMachines", "virtualmachine", listall="true", state="Running")
    offering = first(call, "listDiskOfferings", "diskoffering", name="Small")
    accepted = call("createVolume", name="extra", diskofferingid=offering["id"], zoneid=vm["zoneid"])[1]
    volume = wait(call, accepted["jobid"])["jobresult"]["volume"]
    assert volume["id"] == accepted["id"] and volume["state"] == "Ready" and volume["size"] == 5 << 30
    attached = wait(call, call("attachVolume", id=volume["id"], virtualmachineid=vm["id"])[1]["jobid"])
    assert attached["jobresult"]["volume"]["virtualmachineid"] == vm["id"]
    assert call("deleteVolume", id=volume["id"])[0] == 536
    snapshot = wait(call, call("createSnapshot", volumeid=volume["id"])[1]["jobid"])["jobresult"]["snapshot"]
    assert snapshot["state"] == "BackedUp" and snapshot["volumeid"] == volume["id"]
    detached = wait(call, call("detachVolume", id=volume["id"])[1]["jobid"])["jobresult"]["volume"]
    assert "virtualmachineid" not in detached
    assert call("deleteVolume", id=volume["id"])[1] == {"success": True}


def test_listall_account_project_and_state_filters(call, sim):
    cloud = sim.runtime.cloud
    own = call("listVirtualMachines")[1].get("count", 0)
    assert own == sum(1 for v in cloud.vms if v.get("account") == "admin" and "projectid" not in v)
    everyone = call("listVirtualMachines", listall="true")[1]["count"]
    assert everyone == sum(1 for v in cloud.vms if "projectid" not in v) > own
    projects = call("listVirtualMachines", projectid="-1")[1].get("count", 0)
    assert projects == sum(1 for v in cloud.vms if "projectid" in v)
    alice = cloud.accounts.rows()[2]
    mine = call("listVirtualMachines", account=alice["name"], domainid=alice["domainid"])[1]
    assert all(v["account"] == alice["name"] for v in mine.get("virtualmachine", []))
    running = call("listVirtualMachines", listall="true", state="running")[1]
    assert {v["state"] for v in running["virtualmachine"]} == {"Running"}
    keyword = call("listVirtualMachines", listall="true", keyword="web")[1]
    assert all("web" in v["name"] for v in keyword.get("virtualmachine", []))


def test_rows_omit_fields_without_value(call):
    vms = call("listVirtualMachines", listall="true")[1]["virtualmachine"]
    stopped = [v for v in vms if v["state"] == "Stopped"]
    assert stopped and all("hostid" not in v for v in stopped)
    assert all(v is not None for vm in vms for v in vm.values())


def test_list_apis_and_capabilities_answer_from_the_spec(call):
    apis = call("listApis")[1]
    assert apis["count"] == 705 == len(apis["api"])
    one = call("listApis", name="deployVirtualMachine")[1]["api"][0]
    assert one["isasync"] is True and any(p["name"] == "zoneid" and p["required"] for p in one["params"])
    assert call("listCapabilities")[1]["capability"]["cloudstackversion"].startswith("4.18")


def test_same_seed_same_cloud(fresh_simulator):
    a, b = fresh_simulator(vms=25, seed=3), fresh_simulator(vms=25, seed=3)
    c = fresh_simulator(vms=25, seed=4)
    ids = [[v["id"] for v in s.runtime.cloud.vms] for s in (a, b, c)]
    assert ids[0] == ids[1] != ids[2]


def test_finished_jobs_leave_events(call):
    accepted = deploy(call, name="evented")[1]
    wait(call, accepted["jobid"])
    events = call("listEvents", type="VM.CREATE", keyword=accepted["id"])[1]["event"]
    assert events[0]["level"] == "INFO" and accepted["id"] in events[0]["description"]
