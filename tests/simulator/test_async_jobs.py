"""``listAsyncJobs`` and ``queryAsyncJobResult`` as CloudStack 4.18 answers them: exactly the
fields of 4.18's ``AsyncJobResponse``, the caller's jobs unless ``listall``, ``keyword`` on the
command, ``startdate`` with day precision, oldest first, paged like every list."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from cloudstack_magic.spec._spec import packaged_spec

from .calls import deploy, json_caller, wait

SPEC = packaged_spec()
JOB_FIELDS = {field.name for field in SPEC["listAsyncJobs"].response}


@pytest.fixture
def sim(fresh_simulator):
    return fresh_simulator(vms=30, job_seconds=0.05)


@pytest.fixture
def call(sim):
    return json_caller(sim)


def _vm_ids(call, n):
    status, body = call("listVirtualMachines", listall="true", state="Running")
    assert status == 200
    return [vm["id"] for vm in body["virtualmachine"][:n]]


def _reboot_all(call, ids):
    jobids = []
    for vm_id in ids:
        status, accepted = call("rebootVirtualMachine", id=vm_id)
        assert status == 200, accepted
        jobids.append(accepted["jobid"])
    return jobids


def test_job_fields_are_exactly_those_of_4_18():
    assert JOB_FIELDS == {field.name for field in SPEC["queryAsyncJobResult"].response}
    assert {"account", "domainid", "domainpath"}.isdisjoint(JOB_FIELDS)


def test_lists_the_jobs_with_4_18_fields_oldest_first(call):
    jobids = _reboot_all(call, _vm_ids(call, 3))
    for jobid in jobids:
        done = wait(call, jobid)
        assert set(done) <= JOB_FIELDS and {"account", "domainid", "domainpath"}.isdisjoint(done)
    status, body = call("listAsyncJobs")
    assert status == 200
    assert body["count"] == 3 and [job["jobid"] for job in body["asyncjobs"]] == jobids
    for job in body["asyncjobs"]:
        assert set(job) <= JOB_FIELDS, set(job) - JOB_FIELDS
        assert {"accountid", "userid", "cmd", "jobstatus", "jobprocstatus", "jobresultcode", "created",
                "jobid", "jobinstancetype", "jobinstanceid", "jobresulttype", "jobresult", "completed"} <= set(job)
        assert job["jobstatus"] == 1 and isinstance(job["jobresultcode"], int)
        assert job["cmd"] == "org.apache.cloudstack.api.command.user.vm.RebootVirtualMachineCmd"


def test_a_pending_job_has_no_result_fields_yet(sim, call):
    sim.configure(job_seconds=30)
    [jobid] = _reboot_all(call, _vm_ids(call, 1))
    [job] = call("listAsyncJobs")[1]["asyncjobs"]
    assert job["jobid"] == jobid and job["jobstatus"] == 0
    assert "jobresult" not in job and "jobresulttype" not in job and "completed" not in job


def test_paging_and_keyword(call):
    jobids = _reboot_all(call, _vm_ids(call, 5))
    status, page2 = call("listAsyncJobs", page="2", pagesize="2")
    assert status == 200 and page2["count"] == 5
    assert [job["jobid"] for job in page2["asyncjobs"]] == jobids[2:4]
    status, error = call("listAsyncJobs", page="2")
    assert status == 431 and "pagesize" in error["errortext"]
    assert call("listAsyncJobs", keyword="RebootVirtual")[1]["count"] == 5
    assert call("listAsyncJobs", keyword="StopVirtual")[1] == {}


def test_startdate_has_day_precision_as_the_server_parses_it(call):
    _reboot_all(call, _vm_ids(call, 2))
    today = datetime.now(timezone.utc)
    later_today = today.replace(hour=23, minute=59).strftime("%Y-%m-%dT%H:%M:%S+0000")
    tomorrow = (today + timedelta(days=1)).strftime("%Y-%m-%d")
    assert call("listAsyncJobs", startdate=today.strftime("%Y-%m-%d"))[1]["count"] == 2
    assert call("listAsyncJobs", startdate=later_today)[1]["count"] == 2  # the time is ignored
    assert call("listAsyncJobs", startdate=tomorrow)[1] == {}
    status, error = call("listAsyncJobs", startdate="yesterday")
    assert status == 431
    assert error["errortext"] == ("Unable to parse date yesterday for command listasyncjobs, please pass dates"
                                  " in the format mentioned in the api documentation")
    assert call("listAsyncJobs", startdate="2026-13-01")[0] == 431


def test_listall_and_account_scope(fresh_simulator):
    sim = fresh_simulator(vms=30, job_seconds=0.05, accounts=1)
    admin = json_caller(sim)
    [(_, key, secret)] = [region for region in sim.regions() if region[0] == "simulator-student01"]
    student = json_caller(sim, key, secret)
    _reboot_all(admin, _vm_ids(admin, 2))
    status, accepted = deploy(student, name="student-vm")
    assert status == 200, accepted
    wait(student, accepted["jobid"])
    assert admin("listAsyncJobs")[1]["count"] == 2
    assert admin("listAsyncJobs", listall="true")[1]["count"] == 3
    own = student("listAsyncJobs", listall="true")[1]  # a user sees only its own, listall or not
    assert own["count"] == 1 and own["asyncjobs"][0]["jobid"] == accepted["jobid"]
    domainid = student("listAccounts")[1]["account"][0]["domainid"]
    scoped = admin("listAsyncJobs", account="student01", domainid=domainid)[1]
    assert scoped["count"] == 1 and scoped["asyncjobs"][0]["accountid"] == own["asyncjobs"][0]["accountid"]


def test_query_async_job_result_has_the_same_fields(call):
    [jobid] = _reboot_all(call, _vm_ids(call, 1))
    job = wait(call, jobid)
    assert set(job) <= JOB_FIELDS and {"account", "domainid", "domainpath"}.isdisjoint(job)
    assert job["jobinstancetype"] == "VirtualMachine" and "virtualmachine" in job["jobresult"]


def test_a_due_job_is_finished_when_listed_even_if_its_timer_is_late(sim, call):
    sim.configure(job_seconds=2)
    [jobid] = _reboot_all(call, _vm_ids(call, 1))
    sim.runtime.jobs.cancel_timers()  # as if the loop were too busy to run the timer
    time.sleep(2.2)  # now the job is due, and only the listing can finish it
    [job] = call("listAsyncJobs")[1]["asyncjobs"]
    assert job["jobid"] == jobid and job["jobstatus"] == 1
