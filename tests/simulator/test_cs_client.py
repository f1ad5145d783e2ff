"""The real third-party ``cs`` client (PyPI) against the simulator."""

from __future__ import annotations

import cs
import pytest


@pytest.fixture
def client(simulator):
    return cs.CloudStack(endpoint=simulator.endpoint, key=simulator.api_key, secret=simulator.secret_key,
                         poll_interval=0.05, job_timeout=30)


def test_cs_lists_every_vm_over_several_pages(simulator, client):
    simulator.reset()
    expected = {vm["id"] for vm in simulator.runtime.cloud.vms if "projectid" not in vm}
    vms = client.listVirtualMachines(listall=True, pagesize=25, page=1, fetch_list=True)
    assert [vm["id"] for vm in vms] and {vm["id"] for vm in vms} == expected
    assert len(vms) == len(expected)
    pages = [r for r in simulator.stats()["recent"] if r["command"] == "listVirtualMachines"]
    assert len(pages) == -(-len(expected) // 25) >= 4
    assert [int(r["page"]) for r in pages] == list(range(1, len(pages) + 1))


def test_cs_deploys_a_vm_and_fetches_the_job_result(simulator, client):
    zone = client.listZones()["zone"][0]
    template = client.listTemplates(templatefilter="featured")["template"][0]
    offering = client.listServiceOfferings()["serviceoffering"][0]
    result = client.deployVirtualMachine(zoneid=zone["id"], templateid=template["id"],
                                         serviceofferingid=offering["id"], name="cs-deployed", fetch_result=True)
    vm = result["virtualmachine"]
    assert vm["name"] == "cs-deployed" and vm["state"] == "Running" and vm["zoneid"] == zone["id"]
    listed = client.listVirtualMachines(id=vm["id"])["virtualmachine"]
    assert listed[0]["state"] == "Running"
    simulator.reset(inventory=True)


def test_cs_posts_are_accepted_too(simulator):
    client = cs.CloudStack(endpoint=simulator.endpoint, key=simulator.api_key, secret=simulator.secret_key,
                           method="post")
    simulator.reset()
    assert client.listZones()["count"] >= 2
    assert simulator.stats()["methods"] == {"POST": 1}
