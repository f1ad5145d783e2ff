"""Async commands as CloudStack runs them: a request that passes parameter validation gets a job
id; a state or permission error makes the *job* fail (jobstatus 2, jobresultcode 530, the error
in jobresult) — never a synchronous 431. Unknown ids stay synchronous 431s (parameter checks)."""

from __future__ import annotations

import pytest

from .calls import deploy, first, json_caller, wait


@pytest.fixture
def sim(fresh_simulator):
    return fresh_simulator(vms=400, job_seconds=0.05, accounts=1)


@pytest.fixture
def call(sim):
    return json_caller(sim)


def _vm(call, state):
    return first(call, "listVirtualMachines", "virtualmachine", listall="true", state=state)


def _failed_job(call, command, **params):
    status, accepted = call(command, **params)
    assert status == 200 and set(accepted) == {"jobid"}, accepted
    job = wait(call, accepted["jobid"])
    assert job["jobstatus"] == 2 and job["jobresultcode"] == 530, job
    assert job["jobresulttype"] == "object" and set(job["jobresult"]) == {"errorcode", "errortext"}
    return job["jobresult"]


def test_reboot_of_a_stopped_vm_fails_in_its_job(call):
    vm = _vm(call, "Stopped")
    error = _failed_job(call, "rebootVirtualMachine", id=vm["id"])
    assert error["errorcode"] == 530 and vm["id"] in error["errortext"]
    assert _vm(call, "Stopped")["state"] == "Stopped"


@pytest.mark.parametrize("state", ["Destroyed", "Error"])
def test_start_of_a_vm_that_cannot_start_fails_in_its_job(call, state):
    vm = _vm(call, state)
    assert state in _failed_job(call, "startVirtualMachine", id=vm["id"])["errortext"]


def test_expunge_of_a_vm_not_destroyed_fails_in_its_job(call):
    vm = _vm(call, "Running")
    assert "destroy" in _failed_job(call, "expungeVirtualMachine", id=vm["id"])["errortext"]
    assert first(call, "listVirtualMachines", "virtualmachine", listall="true", id=vm["id"])["state"] == "Running"


def test_attach_of_an_attached_volume_and_detach_of_a_free_one_fail_in_their_jobs(call):
    root = first(call, "listVolumes", "volume", listall="true", type="ROOT")
    other = _vm(call, "Running")
    assert "attached" in _failed_job(call, "attachVolume", id=root["id"], virtualmachineid=other["id"])["errortext"]
    zone = first(call, "listZones", "zone")
    offering = first(call, "listDiskOfferings", "diskoffering", name="Small")
    created = wait(call, call("createVolume", name="free", zoneid=zone["id"], diskofferingid=offering["id"])[1]["jobid"])
    free = created["jobresult"]["volume"]
    assert "attached" in _failed_job(call, "detachVolume", id=free["id"])["errortext"]


def test_a_user_acting_on_another_accounts_vm_gets_a_failed_job(sim, call):
    [(_, key, secret)] = [r for r in sim.regions() if r[0].endswith("student01")]
    student = json_caller(sim, key, secret)
    vm = _vm(call, "Running")
    error = _failed_job(student, "stopVirtualMachine", id=vm["id"])
    assert "permission" in error["errortext"]
    assert _vm(call, "Running")["id"] and first(call, "listVirtualMachines", "virtualmachine", listall="true", id=vm["id"])["state"] == "Running"


def test_unknown_ids_stay_synchronous_431(call):
    status, error = call("rebootVirtualMachine", id="00000000-0000-4000-8000-000000000000")
    assert status == 431 and "Invalid parameter id" in error["errortext"]
    status, error = call("rebootVirtualMachine")
    assert status == 431 and "missing parameter id" in error["errortext"]


def test_a_successful_deploy_still_answers_id_and_jobid(call):
    status, accepted = deploy(call, name="ok-vm")
    assert status == 200 and set(accepted) == {"id", "jobid"}
    assert wait(call, accepted["jobid"])["jobstatus"] == 1


def test_client_api_with_a_trailing_slash_is_the_same_servlet(sim):
    from .conftest import make_api

    class Slashed:
        api_key, secret_key, endpoint = sim.api_key, sim.secret_key, sim.endpoint + "/"

    status, _, text = make_api(Slashed)({"command": "listZones", "response": "json"})
    assert status == 200 and '"zone"' in text
