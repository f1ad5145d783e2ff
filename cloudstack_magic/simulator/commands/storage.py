"""Volumes, snapshots and resource tags: create, attach, detach, delete."""

from __future__ import annotations

from typing import Any

from ..dispatch import Call, Handler, JobAccepted, Result
from ..errors import CS_IN_USE, RESOURCE_IN_USE_ERROR, ApiError, state_error
from ..seed import attach_fields, build_snapshot, build_volume, make_tag
from .vms import lookup

__all__ = ["COMMANDS"]

#: createTags resourcetype -> (table, the type name tags record)
#: (matched ignoring case, as ResourceTag.ResourceObjectType lookups are)
TAGGABLE = {"uservm": ("vms", "UserVm"), "volume": ("volumes", "Volume"), "snapshot": ("snapshots", "Snapshot"),
            "network": ("networks", "Network"), "template": ("templates", "Template"),
            "publicipaddress": ("publicips", "PublicIpAddress")}
DETACHED = ("virtualmachineid", "vmname", "vmdisplayname", "vmstate", "deviceid", "attached")


def create_volume(call: Call) -> Result:
    cloud = call.cloud
    offering = lookup(call, "diskofferings", "diskofferingid", required=False)
    snapshot = lookup(call, "snapshots", "snapshotid", required=False)
    if offering is None and snapshot is None:
        raise state_error("Either disk Offering Id or snapshot Id must be passed whilst creating volume")
    zone = lookup(call, "zones", "zoneid", required=snapshot is None)
    if snapshot is not None:
        size = snapshot["virtualsize"]
        zone = zone or cloud.zones.get(snapshot["zoneid"])
    elif offering is not None and offering["iscustomized"]:
        gigabytes = call.integer("size")
        if not gigabytes:
            raise state_error("This disk offering requires a custom size specified")
        size = gigabytes << 30
    else:
        assert offering is not None
        size = offering["disksize"] << 30
    owner = cloud.owner_fields()
    volume = build_volume(cloud, None, "DATADISK", size, created=cloud.now(), offering=offering,
                          name=call.get("name") or f"DATA-{cloud.next_number()}", zone=zone, owner=owner)
    volume["state"] = "Allocated"
    cloud.volumes.add(volume)

    def work() -> dict[str, Any]:
        return {"volume": dict(cloud.volumes.update(volume["id"], state="Ready"))}

    return JobAccepted(call.jobs.submit(call.command, "Volume", volume["id"], work), id=volume["id"])


def attach_volume(call: Call) -> Result:
    volume = lookup(call, "volumes", "id")
    vm = lookup(call, "vms", "virtualmachineid")
    assert volume is not None and vm is not None
    if volume.get("virtualmachineid"):
        raise state_error(f"Please specify a volume that is not attached to any VM. {volume['name']} is"
                          f" attached to VM {volume.get('vmname')}.")
    if volume["zoneid"] != vm["zoneid"]:
        raise state_error("Please specify a VM that is in the same zone as the volume.")

    def work() -> dict[str, Any]:
        taken = {v.get("deviceid") for v in call.cloud.volumes if v.get("virtualmachineid") == vm["id"]}
        row = call.cloud.volumes.get(volume["id"])
        assert row is not None
        attach_fields(row, vm, deviceid=min(set(range(1, 16)) - taken))
        call.cloud.volumes.touch(volume["id"])
        return {"volume": dict(row)}

    return JobAccepted(call.jobs.submit(call.command, "Volume", volume["id"], work))


def detach_volume(call: Call) -> Result:
    volume = lookup(call, "volumes", "id")
    assert volume is not None
    if not volume.get("virtualmachineid"):
        raise state_error("Please specify a volume that is attached to a VM.")
    if volume["type"] == "ROOT":
        raise state_error("Please specify a data volume; root volumes cannot be detached from a running VM")

    def work() -> dict[str, Any]:
        row = call.cloud.volumes.update(volume["id"], **dict.fromkeys(DETACHED))
        return {"volume": dict(row)}

    return JobAccepted(call.jobs.submit(call.command, "Volume", volume["id"], work))


def delete_volume(call: Call) -> Result:
    volume = lookup(call, "volumes", "id")
    assert volume is not None
    if volume.get("virtualmachineid"):
        raise ApiError(RESOURCE_IN_USE_ERROR, "Please specify a volume that is not attached to any VM.", CS_IN_USE)
    call.cloud.volumes.remove(volume["id"])
    return {"success": True}


def create_snapshot(call: Call) -> Result:
    cloud = call.cloud
    volume = lookup(call, "volumes", "volumeid")
    assert volume is not None
    snapshot = build_snapshot(cloud, volume, created=cloud.now(), state="Creating", name=call.get("name"))
    cloud.snapshots.add(snapshot)

    def work() -> dict[str, Any]:
        return {"snapshot": dict(cloud.snapshots.update(snapshot["id"], state="BackedUp"))}

    return JobAccepted(call.jobs.submit(call.command, "Snapshot", snapshot["id"], work), id=snapshot["id"])


def delete_snapshot(call: Call) -> Result:
    snapshot = lookup(call, "snapshots", "id")
    assert snapshot is not None

    def work() -> dict[str, Any]:
        call.cloud.snapshots.remove(snapshot["id"])
        return {"success": True}

    return JobAccepted(call.jobs.submit(call.command, "Snapshot", snapshot["id"], work))


def _tag_targets(call: Call) -> tuple[str, str, list[str]]:
    kind = call.get("resourcetype") or ""
    if kind.lower() not in TAGGABLE:
        raise state_error(f"Invalid resource type {kind}; the simulator tags: UserVm, Volume, Snapshot, Network,"
                          " Template, PublicIpAddress")
    table, type_name = TAGGABLE[kind.lower()]
    ids = call.ids("resourceids")
    for resource_id in ids:
        if resource_id not in call.cloud.tables[table]:
            raise state_error(f"Unable to find resource by id {resource_id} and type {type_name}")
    return table, type_name, ids


def create_tags(call: Call) -> Result:
    table, type_name, ids = _tag_targets(call)
    pairs = [(t["key"], t.get("value", "")) for t in call.map("tags") if t.get("key")]
    if not pairs:
        raise state_error("Unable to execute API command createtags due to missing parameter tags")

    def work() -> dict[str, Any]:
        cloud = call.cloud
        for resource_id in ids:
            row = cloud.tables[table].get(resource_id)
            if row is None:
                continue
            for key, value in pairs:
                if any(t["key"] == key for t in row.get("tags", ())):
                    raise state_error(f"tag {key} already on {type_name} {resource_id}")
                tag = make_tag(cloud, row, type_name, key, value)
                row.setdefault("tags", []).append(tag)
                cloud.tags.add(tag)
            cloud.tables[table].touch(resource_id)
        return {"success": True}

    return JobAccepted(call.jobs.submit(call.command, None, None, work))


def delete_tags(call: Call) -> Result:
    table, _, ids = _tag_targets(call)
    wanted = {t["key"]: t.get("value") for t in call.map("tags") if t.get("key")}

    def work() -> dict[str, Any]:
        cloud = call.cloud
        for resource_id in ids:
            row = cloud.tables[table].get(resource_id)
            if row is None:
                continue
            keep = []
            for tag in row.get("tags", ()):
                if not wanted or (tag["key"] in wanted and wanted[tag["key"]] in (None, tag["value"])):
                    cloud.tags.remove((resource_id, tag["key"]))
                else:
                    keep.append(tag)
            row["tags"] = keep
            cloud.tables[table].touch(resource_id)
        return {"success": True}

    return JobAccepted(call.jobs.submit(call.command, None, None, work))


COMMANDS: dict[str, Handler] = {
    "createVolume": create_volume,
    "attachVolume": attach_volume,
    "detachVolume": detach_volume,
    "deleteVolume": delete_volume,
    "createSnapshot": create_snapshot,
    "deleteSnapshot": delete_snapshot,
    "createTags": create_tags,
    "deleteTags": delete_tags,
}
