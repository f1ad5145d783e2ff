"""Resources shaped like 4.18's: for every simulated list and every job result, each field is in
the 4.18 spec's response for that API (with its JSON type, nested objects too), and the fields
real servers always fill in for that resource (recorded answers in real-responses/) are there.
Derived numbers add up: host allocation = its VMs, account totals = its resources, volumes name
storage pools that listStoragePools returns."""

from __future__ import annotations

import pytest

from cloudstack_magic.simulator.commands import COMMAND_TABLE
from cloudstack_magic.spec._spec import packaged_spec

from .calls import deploy, first, json_caller, wait
from .shapes_check import always_filled, problems

SPEC = packaged_spec()
LISTS = sorted(name for name in COMMAND_TABLE if name.startswith("list") and name not in (
    "listApis", "listNics", "listLoadBalancerRuleInstances"))  # the last two need an id: see below
REQUIRED = {"listTemplates": {"templatefilter": "all"}, "listIsos": {"isofilter": "all"},
            "listResourceLimits": {}, "listVirtualMachines": {}}
#: Recorded fields that depend on state, options or newer versions, not always sent by 4.18.
NOT_ALWAYS = {
    "virtualmachine": set(), "network": {"vlan"}, "template": {"url"},
    "host": set(), "storagepool": set(), "networkoffering": set(), "nic": {"isolationuri", "broadcasturi"},
}
REAL = always_filled()
#: Jobs whose result is another API's object: the authorize commands' annotation names the rule
#: class, but the server answers the whole group (createSecurityGroupResponseFromSecurityGroupRule).
RESULT_SHAPES = {"authorizeSecurityGroupIngress": "listSecurityGroups",
                 "authorizeSecurityGroupEgress": "listSecurityGroups"}


@pytest.fixture(scope="module")
def busy():
    """A small cloud after a bit of everything, so every list has rows of every kind."""
    from cloudstack_magic.simulator import SimulatorThread

    with SimulatorThread(vms=60, seed=7, job_seconds=0.02, accounts=1) as sim:
        call = json_caller(sim)
        accepted = deploy(call, name="shape-vm")[1]
        wait(call, accepted["jobid"])
        volume = first(call, "listVolumes", "volume", virtualmachineid=accepted["id"])
        wait(call, call("createSnapshot", volumeid=volume["id"])[1]["jobid"])
        vm = first(call, "listVirtualMachines", "virtualmachine", listall="true", state="Running")
        wait(call, call("stopVirtualMachine", id=vm["id"])[1]["jobid"])
        exercise(call, accepted["id"])
        yield sim, call


def ok(call, command, **params):
    """Run one command; for a job, wait for it; fail loudly if either fails."""
    status, body = call(command, **params)
    assert status == 200, (command, body)
    if "jobid" in body:
        job = wait(call, body["jobid"])
        assert job["jobstatus"] == 1, (command, job)
        return job.get("jobresult", {})
    return body


def exercise(call, vm_id):
    """One of each resource the simulator makes, through the commands clients call."""
    zone = first(call, "listZones", "zone")
    network = first(call, "listNetworks", "network")
    ip = ok(call, "associateIpAddress", networkid=network["id"])["ipaddress"]
    nat_ip = ok(call, "associateIpAddress", networkid=network["id"])["ipaddress"]
    ok(call, "createFirewallRule", ipaddressid=ip["id"], protocol="tcp", startport="22", cidrlist="0.0.0.0/0")
    ok(call, "createEgressFirewallRule", networkid=network["id"], protocol="all")
    ok(call, "createPortForwardingRule", ipaddressid=ip["id"], protocol="tcp", publicport="2222", privateport="22",
       virtualmachineid=vm_id)
    ok(call, "enableStaticNat", ipaddressid=nat_ip["id"], virtualmachineid=vm_id)
    ok(call, "createIpForwardingRule", ipaddressid=nat_ip["id"], protocol="tcp", startport="80")
    rule = ok(call, "createLoadBalancerRule", name="web", algorithm="roundrobin", publicport="80", privateport="8080",
              publicipid=ip["id"])["loadbalancer"]
    ok(call, "assignToLoadBalancerRule", id=rule["id"], virtualmachineids=vm_id)
    ok(call, "createAffinityGroup", name="spread", type="host anti-affinity")
    ok(call, "createVMSnapshot", virtualmachineid=vm_id)
    ok(call, "createSSHKeyPair", name="shape-key")
    group = ok(call, "createSecurityGroup", name="web")["securitygroup"]
    ok(call, "authorizeSecurityGroupIngress", securitygroupid=group["id"], protocol="tcp", startport="80",
       endport="80", cidrlist="0.0.0.0/0")
    offering = first(call, "listNetworkOfferings", "networkoffering")
    ok(call, "createNetwork", name="extra-net", displaytext="extra", networkofferingid=offering["id"],
       zoneid=zone["id"])
    ostype = first(call, "listOsTypes", "ostype")
    ok(call, "registerTemplate", name="tpl", displaytext="tpl", format="QCOW2", hypervisor="KVM",
       url="http://example.org/t.qcow2", zoneid=zone["id"], ostypeid=ostype["id"])
    ok(call, "registerIso", name="iso", displaytext="iso", url="http://example.org/x.iso", zoneid=zone["id"],
       ostypeid=ostype["id"])
    domain = first(call, "listDomains", "domain")
    user = ok(call, "createAccount", username="newbie", email="n@example.org", firstname="N", lastname="B",
              password="pw", accounttype="0", domainid=domain["id"])["account"]["user"][0]
    ok(call, "registerUserKeys", id=user["id"])


@pytest.mark.parametrize("command", LISTS)
def test_every_list_row_has_only_4_18_fields_with_their_types(busy, command):
    _, call = busy
    params = {"listall": "true", **REQUIRED.get(command, {})}
    if command == "listAsyncJobs":
        params = {"listall": "true"}
    status, body = call(command, **params)
    assert status == 200, body
    rows = [row for key, value in body.items() if key != "count"
            for row in (value if isinstance(value, list) else [value])]
    assert rows, f"{command} listed nothing: the shape check would prove nothing"
    found = [p for row in rows for p in problems(row, SPEC[command].response, command)]
    assert not found, sorted(set(found))[:20]


@pytest.mark.parametrize("command", [c for c in LISTS if c in ("listVirtualMachines", "listNetworks", "listHosts",
                                                             "listStoragePools", "listNetworkOfferings",
                                                             "listTemplates", "listProjects")])
def test_fields_real_servers_always_send_are_there(busy, command):
    _, call = busy
    status, body = call(command, listall="true", **REQUIRED.get(command, {}))
    assert status == 200, body
    key = next(k for k in body if k != "count")
    spec_names = {f.name for f in SPEC[command].response}
    wanted = (REAL[key] & spec_names) - NOT_ALWAYS.get(key, set())
    for row in body[key]:
        assert wanted <= set(row), (row.get("name"), sorted(wanted - set(row)))


def test_job_results_have_only_the_fields_of_their_command(busy):
    _, call = busy
    jobs = call("listAsyncJobs", listall="true")[1]["asyncjobs"]
    assert len(jobs) >= 3
    for job in jobs:
        command = job["cmd"].rsplit(".", 1)[1][: -len("Cmd")]
        command = command[0].lower() + command[1:]
        shape = RESULT_SHAPES.get(command, command)
        for name, value in job.get("jobresult", {}).items():
            if isinstance(value, dict):
                assert not problems(value, SPEC[shape].response, f"{command}.{name}")


def test_host_allocation_is_the_sum_of_its_vms(busy):
    sim, call = busy
    hosts = call("listHosts", listall="true")[1]["host"]
    vms = call("listVirtualMachines", listall="true", pagesize="-1")[1]["virtualmachine"]
    projects = call("listVirtualMachines", projectid="-1", pagesize="-1")[1].get("virtualmachine", [])
    for host in hosts:
        mine = [vm for vm in vms + projects if vm.get("hostid") == host["id"]]
        assert host["memoryallocated"] == sum(vm["memory"] for vm in mine) << 20
        assert host["cpuallocatedvalue"] == sum(vm["cpunumber"] * vm["cpuspeed"] for vm in mine)
    assert sum(h["memoryallocated"] for h in hosts) > 0


def test_account_totals_count_its_resources_against_limits(busy):
    _, call = busy
    for account in call("listAccounts", listall="true")[1]["account"]:
        vms = call("listVirtualMachines", account=account["name"], domainid=account["domainid"], pagesize="-1")[1]
        live = [vm for vm in vms.get("virtualmachine", []) if vm["state"] not in ("Destroyed", "Expunging")]
        assert account["vmtotal"] == len(live), account["name"]
        assert account["cputotal"] == sum(vm["cpunumber"] for vm in live)
        assert account["vmrunning"] == sum(vm["state"] == "Running" for vm in live)
        if account["vmlimit"] != "Unlimited":
            assert int(account["vmavailable"]) == int(account["vmlimit"]) - account["vmtotal"] >= 0


def test_volumes_name_pools_that_list_storage_pools_returns(busy):
    _, call = busy
    pools = {p["id"]: p for p in call("listStoragePools")[1]["storagepool"]}
    volumes = call("listVolumes", listall="true", pagesize="-1")[1]["volume"]
    assert all(v["storageid"] in pools and v["storage"] == pools[v["storageid"]]["name"] for v in volumes)
    assert sum(p["disksizeallocated"] for p in pools.values()) >= sum(v["size"] for v in volumes)


def test_nics_and_load_balancer_members_have_4_18_fields(busy):
    _, call = busy
    rule = first(call, "listLoadBalancerRules", "loadbalancerrule", listall="true")
    members = call("listLoadBalancerRuleInstances", id=rule["id"])[1]["loadbalancerruleinstance"]
    assert len(members) == 1
    vm_fields = SPEC["listVirtualMachines"].response
    assert not problems(members[0], vm_fields, "listLoadBalancerRuleInstances")
    nics = call("listNics", virtualmachineid=members[0]["id"])[1]["nic"]
    assert nics and not problems(nics[0], SPEC["listNics"].response, "listNics")


@pytest.mark.parametrize("command", ["listNetworks", "listHosts", "listAccounts", "listDomains", "listStoragePools",
                                     "listTemplates", "listNetworkOfferings", "listSecurityGroups", "listCapacity"])
def test_the_xml_answer_of_nested_rows_is_well_formed(busy, command):
    from xml.etree import ElementTree

    from .conftest import make_api

    sim, _ = busy
    status, _, text = make_api(sim)({"command": command, "listall": "true", **REQUIRED.get(command, {})})
    assert status == 200
    root = ElementTree.fromstring(text)
    assert root.tag == f"{command.lower()}response" and int(root.findtext("count") or 0) > 0
