"""Templates and ISOs (register, update, delete, copy, create from a volume), VM snapshots
(create, list, revert, delete) and affinity groups — the image and placement commands.

A registered template or ISO is in the zone it was registered in (``zoneid=-1``: all zones)
and ``copyTemplate``/``copyIso`` add zones; ``cloud.image_zones`` records that (the list shows
an image in a zone it is in: see ``inventory._per_zone``). Reverting a VM snapshot needs the VM
stopped unless the snapshot holds memory; an affinity-group change needs it stopped too.
"""

from __future__ import annotations

from typing import Any

from ..dispatch import Call, Handler, JobAccepted, ListResult, Result
from ..errors import param_error, state_error
from ..listing import list_rows
from ..resources import Kind, handlers_for, lookup_owned, new_row
from ..shapes import TEMPLATE_FIELDS
from ..tables import Row

__all__ = ["COMMANDS"]

AFFINITY_TYPES = ("host anti-affinity", "host affinity")


def _image_fields(call: Call, iso: bool) -> dict[str, Any]:
    ostype = call.cloud.ostypes.get(call.get("ostypeid")) or call.cloud.ostypes.rows()[0]
    fields = {**TEMPLATE_FIELDS, "isready": True, "status": "Download Complete" if not iso else "Successfully Installed",
              "ostypeid": ostype["id"], "ostypename": ostype["description"], "templatetype": "USER",
              "size": 2 << 30, "physicalsize": 2 << 30, "crossZones": False, "ispublic": False, "isfeatured": False,
              "isextractable": False, "passwordenabled": False, "sshkeyenabled": False, "accountid": call.cloud.caller.accountid}
    if iso:
        fields.update(format="ISO", bootable=call.get("bootable", "true") == "true")
        for name in ("downloaddetails", "requireshvm"):
            fields.pop(name, None)
    return fields


def _register(table: str, list_command: str, iso: bool) -> Handler:
    def handler(call: Call) -> Result:
        cloud = call.cloud
        zoneid = call.get("zoneid")
        zones = [z["id"] for z in cloud.zones] if zoneid in (None, "-1") else [zoneid]
        for zone in zones:
            if zone not in cloud.zones:
                raise param_error(f"Unable to find zone by id {zone}")
        row = new_row(call, Kind(table, list_command), **_image_fields(call, iso))
        if zoneid in (None, "-1"):
            row["crossZones"] = True
        cloud.tables[table].add(row)
        cloud.image_zones[row["id"]] = zones
        rows = [{**row, "zoneid": z, "zonename": cloud.zones.get(z)["name"]} for z in zones]  # type: ignore[index]
        return ListResult(None, cloud.tables[table].objectname, rows, len(rows))  # answered like a list

    return handler


def _copy(table: str) -> Handler:
    def handler(call: Call) -> Result:
        image = lookup_owned(call, table, "id")
        assert image is not None
        destinations = call.ids("destzoneids") or ([call.get("destzoneid") or ""])
        for zone in destinations:
            if zone not in call.cloud.zones:
                raise param_error(f"Please specify a valid destination zone: {zone}")

        def work() -> dict[str, Any]:
            zones = call.cloud.image_zones.setdefault(image["id"], [z["id"] for z in call.cloud.zones])
            zones.extend(z for z in destinations if z not in zones)
            zone = call.cloud.zones.get(destinations[0]) or {}
            return {call.cloud.tables[table].objectname: {**image, "zoneid": zone.get("id"),
                                                          "zonename": zone.get("name")}}

        return JobAccepted(call.jobs.submit(call.command, "Template", image["id"], work))

    return handler


def create_template(call: Call) -> Result:
    volume = lookup_owned(call, "volumes", "volumeid", required=False)
    snapshot = lookup_owned(call, "snapshots", "snapshotid", required=False)
    if volume is None and snapshot is None:
        raise param_error("Failed to create private template record, need to specify either volume ID or"
                          " snapshot ID")
    source = volume or snapshot or {}
    if volume is not None and volume.get("vmstate") not in (None, "Stopped"):
        raise state_error(f"VolumeId: {volume['id']} is not in Stopped state: stop its VM first")
    size = source.get("size") or source.get("virtualsize") or 0
    row = new_row(call, Kind("templates", "listTemplates"), **{**_image_fields(call, False), "size": size,
                  "physicalsize": size // 3, "format": "QCOW2", "hypervisor": "KVM", "status": "Creating"})

    def work() -> dict[str, Any]:
        call.cloud.templates.add({**row, "status": "Download Complete"})
        call.cloud.image_zones[row["id"]] = [source["zoneid"]]
        return {"template": {**row, "status": "Download Complete", "zoneid": source["zoneid"]}}

    return JobAccepted(call.jobs.submit(call.command, "Template", row["id"], work), id=row["id"])


def _vm_snapshot_fields(call: Call, row: Row) -> dict[str, Any]:
    vm = call.cloud.vms.get(row["virtualmachineid"]) or {}
    if vm.get("state") not in ("Running", "Stopped"):
        raise state_error(f"Creating VM snapshot failed due to VM:{vm.get('id')} is not in the running or Stopped"
                          " state")
    name = row.get("name") or f"{vm['instancename']}_VS_{call.cloud.next_number()}"
    return {"name": name, "displayname": row.get("displayname", name), "zoneid": vm["zoneid"],
            "zonename": vm["zonename"], "hypervisor": vm["hypervisor"], "virtualmachinename": vm["name"],
            "type": "DiskAndMemory" if call.flag("snapshotmemory") else "Disk"}


def list_vm_snapshots(call: Call) -> Result:
    wanted = call.get("vmsnapshotid")
    extra = [(("vmsnapshotid", wanted), lambda row: row["id"] == wanted)] if wanted else []
    return list_rows(call, call.cloud.vmsnapshots, extra=extra)  # type: ignore[arg-type]


def revert_to_vm_snapshot(call: Call) -> Result:
    snapshot = lookup_owned(call, "vmsnapshots", "vmsnapshotid")
    assert snapshot is not None
    vm = call.cloud.vms.get(snapshot["virtualmachineid"])
    if vm is None:
        raise state_error(f"Unable to revert to VM snapshot {snapshot['id']}: its VM is gone")
    if vm["state"] != "Stopped" and snapshot["type"] != "DiskAndMemory":
        raise state_error("VM Snapshot reverting failed due to vm is not in the state of Stopped.")

    def work() -> dict[str, Any]:
        for other in [s for s in call.cloud.vmsnapshots if s["virtualmachineid"] == vm["id"]]:
            call.cloud.vmsnapshots.update(other["id"], current=other["id"] == snapshot["id"])
        return {"virtualmachine": dict(call.cloud.vms.get(vm["id"]) or vm)}

    return JobAccepted(call.jobs.submit(call.command, "VirtualMachine", vm["id"], work))


def _affinity_type(call: Call, row: Row) -> dict[str, Any]:
    if row.get("type") not in AFFINITY_TYPES:
        raise state_error(f"Unable to create affinity group, invalid affinity group type {row.get('type')}")
    return {"virtualmachineIds": []}


def delete_affinity_group(call: Call) -> Result:
    if call.get("id"):
        group = lookup_owned(call, "affinitygroups", "id")
    else:
        caller = call.cloud.caller
        group = next((g for g in call.cloud.affinitygroups if g["name"] == call.get("name")
                      and g.get("account") == (call.get("account") or caller.account)), None)
        if group is None:
            raise param_error("Either the affinity group id or the name of an existing affinity group is needed")
    assert group is not None
    if group.get("virtualmachineIds"):
        raise state_error(f"Cannot delete affinity group {group['name']}: VMs are still in it")

    def work() -> dict[str, Any]:
        call.cloud.affinitygroups.remove(group["id"])
        return {"success": True}

    return JobAccepted(call.jobs.submit(call.command, "AffinityGroup", group["id"], work))


def update_vm_affinity_group(call: Call) -> Result:
    vm = lookup_owned(call, "vms", "id")
    assert vm is not None
    groups = [g for gid in call.ids("affinitygroupids") if (g := lookup_owned(call, "affinitygroups",
                                                                                "affinitygroupids", value=gid))]
    names = call.ids("affinitygroupnames")
    groups += [g for g in call.cloud.affinitygroups if g["name"] in names and g.get("account") == vm.get("account")]
    if vm["state"] != "Stopped":
        raise state_error(f"Unable to update affinity groups of the VM {vm['id']}: it must be stopped, it is"
                          f" {vm['state']}")

    def work() -> dict[str, Any]:
        cloud = call.cloud
        for group in cloud.affinitygroups:
            members = [m for m in group.get("virtualmachineIds", []) if m != vm["id"]]
            if group in groups:
                members.append(vm["id"])
            cloud.affinitygroups.update(group["id"], virtualmachineIds=members)
        listed = [{k: g[k] for k in ("id", "name", "type", "description", "account", "domainid", "domain") if k in g}
                  for g in groups]
        return {"virtualmachine": dict(cloud.vms.update(vm["id"], affinitygroup=listed))}

    return JobAccepted(call.jobs.submit(call.command, "VirtualMachine", vm["id"], work))


def list_affinity_group_types(call: Call) -> Result:
    rows = [{"type": kind} for kind in AFFINITY_TYPES]
    return ListResult(None, "affinityGroupType", rows, len(rows))


KINDS = (
    Kind("templates", "listTemplates", update="updateTemplate", delete="deleteTemplate", owned=False,
         instancetype="Template"),
    Kind("isos", "listIsos", update="updateIso", delete="deleteIso", owned=False, instancetype="Iso"),
    Kind("vmsnapshots", "listVMSnapshot", "createVMSnapshot", "deleteVMSnapshot", instancetype="VMSnapshot",
         id_param="vmsnapshotid", defaults={"state": "Ready", "current": True, "hasannotations": False},
         refs=(("virtualmachineid", "vms", lambda vm: {"virtualmachineid": vm["id"]}),), derive=_vm_snapshot_fields),
    Kind("affinitygroups", "listAffinityGroups", "createAffinityGroup", instancetype="AffinityGroup",
         derive=_affinity_type),
)

COMMANDS: dict[str, Handler] = {
    **handlers_for(KINDS),
    "registerTemplate": _register("templates", "listTemplates", iso=False),
    "registerIso": _register("isos", "listIsos", iso=True),
    "copyTemplate": _copy("templates"), "copyIso": _copy("isos"), "createTemplate": create_template,
    "listVMSnapshot": list_vm_snapshots, "revertToVMSnapshot": revert_to_vm_snapshot,
    "deleteAffinityGroup": delete_affinity_group, "updateVMAffinityGroup": update_vm_affinity_group,
    "listAffinityGroupTypes": list_affinity_group_types,
}
del COMMANDS["listTemplates"], COMMANDS["listIsos"]  # listed per zone by the inventory lists
