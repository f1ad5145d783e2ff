"""VM lifecycle: deploy, start, stop, reboot, destroy, expunge, recover, scale, update.

State-changing commands are async jobs: the VM moves to a transitional state at once
(``Starting``, ``Stopping``) and to its final state when the job finishes. Deploys and starts
reserve cores in their zone; when none are left the job fails with 533, as a full cloud does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..dispatch import Call, Handler, JobAccepted, Result, invalid_id
from ..errors import (
    CS_SERVER_API,
    CS_INVALID_PARAMETER,
    INSUFFICIENT_CAPACITY_ERROR,
    PARAM_ERROR,
    ApiError,
    param_error,
    state_error,
)
from ..resources import lookup_owned
from ..seed import build_volume, build_vm, place_on_host
from ..shapes import VM_RUNNING_FIELDS
from ..tables import Row

__all__ = ["COMMANDS", "lookup"]


#: The row a UUID parameter names (431 when it names nothing; a permission error when a user
#: names another account's row): one rule for every handler, kept in ``resources``.
lookup = lookup_owned


def _vm_result(call: Call, vm_id: str) -> dict[str, Any]:
    vm = call.cloud.vms.get(vm_id)
    return {"virtualmachine": dict(vm)} if vm is not None else {"success": True}


def _reserve(call: Call, zoneid: str, cores: int) -> bool:
    """Take ``cores`` from the zone's capacity; False (nothing taken) when they are not there."""
    used_total = call.cloud.capacity.setdefault(zoneid, [0, 0])
    if used_total[0] + cores > used_total[1]:
        return False
    used_total[0] += cores
    return True


def _release(call: Call, vm: Row) -> None:
    used_total = call.cloud.capacity.get(vm["zoneid"])
    if used_total is not None:
        used_total[0] = max(0, used_total[0] - vm["cpunumber"])


def _no_capacity(vm: Row) -> ApiError:
    return ApiError(INSUFFICIENT_CAPACITY_ERROR,
                    f"Unable to create a deployment for VM instance {{\"id\":\"{vm['id']}\",\"instanceName\":"
                    f"\"{vm['instancename']}\",\"uuid\":\"{vm['id']}\"}}", CS_SERVER_API)  # DeployVMCmd rethrows it as ServerApiException


def deploy(call: Call) -> Result:
    cloud = call.cloud
    zone = lookup(call, "zones", "zoneid")
    template = lookup(call, "templates", "templateid")
    offering = lookup(call, "serviceofferings", "serviceofferingid")
    assert zone is not None and template is not None and offering is not None
    project = lookup(call, "projects", "projectid", required=False)
    account = cloud.accounts.get(cloud.caller.accountid)
    if (name := call.get("account")) is not None:
        account = next((a for a in cloud.accounts if a["name"] == name), None)
        if account is None:
            raise param_error(f"Unable to find account {name} in domain {call.get('domainid') or cloud.caller.domainid}")
    owner = cloud.owner_fields(account if project is None else None, project)
    networks = call.ids("networkids")
    network = None
    for row in cloud.networks:
        if (networks and row["id"] == networks[0]) or (not networks and row["zoneid"] == zone["id"]
                                                       and row.get("account") == owner.get("account")
                                                       and row.get("projectid") == owner.get("projectid")):
            network = row
            break
    if network is None:
        if networks:
            raise invalid_id("networkids", networks[0])
        network = next(row for row in cloud.networks if row["zoneid"] == zone["id"])
    name = call.get("name") or f"VM-{cloud.uuid()}"
    if any(vm["name"] == name and vm["state"] != "Destroyed" for vm in cloud.vms.select(("name", name), lambda r: r["name"] == name)):
        raise ApiError(PARAM_ERROR, f"The vm with hostName {name} already exists in the network domain:"
                       f" cs{network['name']}.internal; network={network['name']}", CS_INVALID_PARAMETER)
    disk = lookup(call, "diskofferings", "diskofferingid", required=False)
    data_gb = (disk["disksize"] or call.integer("size") or 0) if disk is not None else 0
    if disk is not None and not data_gb:
        raise param_error("This disk offering requires a custom size specified")
    start = (call.get("startvm") or "true").lower() != "false"
    vm = build_vm(cloud, name, zone, template, offering, network, account if project is None else None, project,
                  created=cloud.now(), state="Stopped", displayname=call.get("displayname"))
    vm["state"] = "Starting" if start else "Stopped"
    if group := call.get("group"):
        vm["group"] = group
    if keypair := call.get("keypair"):
        vm["keypairs"] = keypair
    cloud.vms.add(vm)
    cloud.volumes.add(build_volume(cloud, vm, "ROOT", template["size"], created=vm["created"]))
    if disk is not None:
        cloud.volumes.add(build_volume(cloud, vm, "DATADISK", data_gb << 30, created=vm["created"], offering=disk))
    enough = not start or _reserve(call, zone["id"], offering["cpunumber"])

    def work() -> dict[str, Any]:
        if not enough:
            cloud.vms.update(vm["id"], state="Error")
            raise _no_capacity(vm)
        if start:
            place_on_host(cloud, vm)
            cloud.vms.update(vm["id"], state="Running")
        return _vm_result(call, vm["id"])

    return JobAccepted(call.jobs.submit(call.command, "VirtualMachine", vm["id"], work), id=vm["id"])


def _vm_job(call: Call, transitional: str | None, finish: Callable[[Row, str], dict[str, Any]]) -> Result:
    vm = lookup(call, "vms", "id")
    assert vm is not None
    vm_id = vm["id"]
    if vm["state"] == "Expunging":
        raise invalid_id("id", vm_id)
    before = vm["state"]
    if transitional:
        call.cloud.vms.update(vm_id, state=transitional)

    def work() -> dict[str, Any]:
        current = call.cloud.vms.get(vm_id)
        if current is None:
            return {"success": True}
        return finish(current, before)

    return JobAccepted(call.jobs.submit(call.command, "VirtualMachine", vm_id, work))


def start(call: Call) -> Result:
    vm = lookup(call, "vms", "id")
    assert vm is not None
    if vm["state"] in ("Destroyed", "Error"):
        raise state_error(f"Unable to start VM instance {vm['id']} in state {vm['state']}")
    needs_cores = vm["state"] == "Stopped" and not _reserve(call, vm["zoneid"], vm["cpunumber"])

    def finish(current: Row, before: str) -> dict[str, Any]:
        if needs_cores:
            call.cloud.vms.update(current["id"], state="Stopped")
            raise _no_capacity(current)
        if before != "Running":
            place_on_host(call.cloud, current)
        call.cloud.vms.update(current["id"], state="Running")
        return _vm_result(call, current["id"])

    return _vm_job(call, "Starting" if vm["state"] == "Stopped" else None, finish)


def stop(call: Call) -> Result:
    def finish(current: Row, before: str) -> dict[str, Any]:
        if before == "Running":
            _release(call, current)
        call.cloud.vms.update(current["id"], state="Stopped", hostid=None, hostname=None,
                               **dict.fromkeys(VM_RUNNING_FIELDS))
        return _vm_result(call, current["id"])

    vm = lookup(call, "vms", "id")
    assert vm is not None
    return _vm_job(call, "Stopping" if vm["state"] == "Running" else None, finish)


def reboot(call: Call) -> Result:
    vm = lookup(call, "vms", "id")
    assert vm is not None
    if vm["state"] != "Running":
        raise state_error(f"Unable to reboot VM instance {vm['id']}: it is not running (state {vm['state']})")
    return _vm_job(call, None, lambda current, before: _vm_result(call, current["id"]))


def destroy(call: Call) -> Result:
    expunge = call.flag("expunge")

    def finish(current: Row, before: str) -> dict[str, Any]:
        if before == "Running":
            _release(call, current)
        if expunge:
            _expunge(call, current)
            return {"virtualmachine": {**current, "state": "Expunging"}}
        call.cloud.vms.update(current["id"], state="Destroyed", hostid=None, hostname=None,
                               **dict.fromkeys(VM_RUNNING_FIELDS))
        return _vm_result(call, current["id"])

    return _vm_job(call, None, finish)


def _expunge(call: Call, vm: Row) -> None:
    cloud = call.cloud
    cloud.vms.remove(vm["id"])
    for volume in [v for v in cloud.volumes if v.get("virtualmachineid") == vm["id"]]:
        cloud.volumes.remove(volume["id"])
    for tag in vm.get("tags", ()):
        cloud.tags.remove((tag["resourceid"], tag["key"]))


def expunge(call: Call) -> Result:
    vm = lookup(call, "vms", "id")
    assert vm is not None
    if vm["state"] != "Destroyed":
        raise state_error(f"Please destroy vm with uuid: {vm['id']} before expunging it")

    def finish(current: Row, before: str) -> dict[str, Any]:
        _expunge(call, current)
        return {"success": True}

    return _vm_job(call, "Expunging", finish)


def recover(call: Call) -> Result:
    vm = lookup(call, "vms", "id")
    assert vm is not None
    if vm["state"] != "Destroyed":
        raise param_error(f"Unable to recover VM as the VM is in state {vm['state']}")
    return {"virtualmachine": dict(call.cloud.vms.update(vm["id"], state="Stopped"))}


def _apply_offering(call: Call, vm: Row, offering: Row) -> Row:
    return call.cloud.vms.update(vm["id"], serviceofferingid=offering["id"], serviceofferingname=offering["name"],
                                 cpunumber=offering["cpunumber"], cpuspeed=offering["cpuspeed"],
                                 memory=offering["memory"])


def scale(call: Call) -> Result:
    offering = lookup(call, "serviceofferings", "serviceofferingid")
    assert offering is not None

    def finish(current: Row, before: str) -> dict[str, Any]:
        if current["state"] == "Running":
            grow = offering["cpunumber"] - current["cpunumber"]
            if grow > 0 and not _reserve(call, current["zoneid"], grow):
                raise _no_capacity(current)
            if grow < 0:
                call.cloud.capacity[current["zoneid"]][0] += grow
        return {"virtualmachine": dict(_apply_offering(call, current, offering))}

    return _vm_job(call, None, finish)


def change_service(call: Call) -> Result:
    vm = lookup(call, "vms", "id")
    offering = lookup(call, "serviceofferings", "serviceofferingid")
    assert vm is not None and offering is not None
    if vm["state"] != "Stopped":
        raise param_error(f"Unable to upgrade virtual machine {vm['id']}: it is not stopped (state {vm['state']})")
    return {"virtualmachine": dict(_apply_offering(call, vm, offering))}


def update(call: Call) -> Result:
    vm = lookup(call, "vms", "id")
    assert vm is not None
    fields = {k: call.get(k) for k in ("displayname", "group", "name") if call.get(k) is not None}
    return {"virtualmachine": dict(call.cloud.vms.update(vm["id"], **fields))}


COMMANDS: dict[str, Handler] = {
    "deployVirtualMachine": deploy,
    "startVirtualMachine": start,
    "stopVirtualMachine": stop,
    "rebootVirtualMachine": reboot,
    "destroyVirtualMachine": destroy,
    "expungeVirtualMachine": expunge,
    "recoverVirtualMachine": recover,
    "scaleVirtualMachine": scale,
    "changeServiceForVirtualMachine": change_service,
    "updateVirtualMachine": update,
}
