"""A class on one simulator: ``--accounts N`` gives each student an account with its own key
pair that sees only its own resources; ``--write-config`` writes one region per account;
``POST /_simulator/reset?inventory=1`` restores the seeded cloud."""

from __future__ import annotations

import configparser
import signal
import subprocess
import sys
import urllib.request

import cs

from .calls import deploy, json_caller, wait


def test_write_config_writes_one_region_per_account(tmp_path):
    config = tmp_path / "cloudstack.ini"
    process = subprocess.Popen(
        [sys.executable, "-m", "cloudstack_magic.simulator", "--port", "0", "--vms", "15", "--accounts", "2",
         "--job-seconds", "0.05", "--write-config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        for line in process.stdout:
            if line.startswith("ready:"):
                break
        regions = configparser.ConfigParser()
        regions.read(config)
        assert regions.sections() == ["simulator", "simulator-student01", "simulator-student02"]
        keys = {regions[name]["key"] for name in regions.sections()}
        assert len(keys) == 3
        clients = {name: cs.CloudStack(endpoint=regions[name]["endpoint"], key=regions[name]["key"],
                                       secret=regions[name]["secret"]) for name in regions.sections()}
        student = clients["simulator-student01"]
        assert student.listAccounts()["account"][0]["name"] == "student01"
        assert student.listVirtualMachines(listall="true") == {}
        networks = student.listNetworks()["network"]
        assert networks and all(n["account"] == "student01" for n in networks)
        assert all(n["account"] == "student02" for n in clients["simulator-student02"].listNetworks()["network"])
        assert clients["simulator"].listVirtualMachines(listall="true")["count"] > 0
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    assert process.returncode == 0


def test_students_see_only_their_own_and_admin_sees_all_with_listall(fresh_simulator):
    sim = fresh_simulator(vms=20, job_seconds=0.05, accounts=2)
    regions = {name: (key, secret) for name, key, secret in sim.regions()}
    one = json_caller(sim, *regions["simulator-student01"])
    two = json_caller(sim, *regions["simulator-student02"])
    admin = json_caller(sim)
    status, accepted = deploy(one, name="homework")
    assert status == 200, accepted
    assert wait(one, accepted["jobid"])["jobstatus"] == 1
    assert [vm["name"] for vm in one("listVirtualMachines")[1]["virtualmachine"]] == ["homework"]
    assert two("listVirtualMachines", listall="true")[1] == {}
    everything = admin("listVirtualMachines", listall="true")[1]["virtualmachine"]
    assert "homework" in {vm["name"] for vm in everything} and len(everything) > 1
    assert admin("listVirtualMachines", listall="true", account="student01",
                 domainid=one("listAccounts")[1]["account"][0]["domainid"])[1]["count"] == 1


def test_reset_inventory_restores_the_seeded_cloud(fresh_simulator):
    sim = fresh_simulator(vms=20, job_seconds=0.05, accounts=1)
    admin = json_caller(sim)
    before = admin("listVirtualMachines", listall="true")[1]["count"]
    wait(admin, deploy(admin, name="extra")[1]["jobid"])
    assert admin("listVirtualMachines", listall="true")[1]["count"] == before + 1
    request = urllib.request.Request(sim.base_url + "/_simulator/reset?inventory=1", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    assert admin("listVirtualMachines", listall="true")[1]["count"] == before
    student = json_caller(sim, *[(k, s) for name, k, s in sim.regions() if name.endswith("student01")][0])
    assert student("listAccounts")[1]["account"][0]["name"] == "student01"  # same keys after reseed
