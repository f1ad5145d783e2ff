"""The seeded VMs, their NICs, volumes and tags — built fast enough for 100,000 VMs.

Every random choice for all VMs is drawn up front (``rng.choices(..., k=n)`` and one 32-bit
word per VM for the yes/no decisions), ids come from one block of random bytes, and each VM or
volume is a copy of a prototype for its (owner, zone, template, offering) with the few fields
that vary filled in. Same seed, same cloud. Deploys build their VMs one at a time with
``seed.build_vm``, which gives rows of the same shape (``test_shapes`` checks both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .shapes import VM_FIELDS, VM_RUNNING_FIELDS, VOLUME_FIELDS
from .state import Cloud
from .tables import Row

__all__ = ["SeedContext", "seed_vms"]

ROLES = ("web", "api", "db", "cache", "worker", "ci", "k8s-node", "mq", "search", "proxy")
TAG_KEYS = {"env": ("prod", "staging", "dev"), "team": ("core", "data", "web", "ml"),
            "tier": ("frontend", "backend")}
VM_STATES = (("Running", 80), ("Stopped", 17), ("Error", 1), ("Destroyed", 2))
OFFERING_WEIGHTS = (40, 35, 20, 5)
TEMPLATE_WEIGHTS = (40, 25, 20, 5, 10)
_OWNER_KEYS = ("account", "projectid", "project", "domainid", "domain")
_TAG_CHOICES = [(k,) for k in sorted(TAG_KEYS)] + [(a, b) for a in sorted(TAG_KEYS) for b in sorted(TAG_KEYS) if a != b]


@dataclass
class SeedContext:
    """What the VMs are made of (drawn earlier by ``seed.seed``)."""

    owners: list[tuple[Row | None, Row | None]]
    accounts: list[Row]
    zones: list[Row]
    templates: list[Row]
    offerings: list[Row]
    disk_offerings: list[Row]
    networks: dict[tuple[int, str], Row]
    dates: list[str]


def _uuids(cloud: Cloud, count: int) -> list[str]:
    """``count`` version-4 UUIDs from one block of the seeded generator's bytes."""
    blob = cloud.rng.randbytes(16 * count).hex()
    variant = "89ab"
    return [f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"
            for h in (blob[i : i + 32] for i in range(0, len(blob), 32))]


def seed_vms(cloud: Cloud, n: int, ctx: SeedContext) -> tuple[list[Row], list[Row], list[Row]]:
    """``n`` VMs with their volumes and tags: ``(vms, volumes, tags)``."""
    rng = cloud.rng
    owner_weights = [9.0 if project is None else 0.35 for _, project in ctx.owners]  # projects: a few per cent
    states = rng.choices([s for s, _ in VM_STATES], [w for _, w in VM_STATES], k=n)
    owner_of = rng.choices(range(len(ctx.owners)), owner_weights, k=n)
    zone_of = rng.choices(range(len(ctx.zones)), k=n)
    offering_of = rng.choices(range(len(ctx.offerings)), OFFERING_WEIGHTS, k=n)
    template_of = rng.choices(range(len(ctx.templates)), TEMPLATE_WEIGHTS, k=n)
    role_of = rng.choices(range(len(ROLES)), k=n)
    date_of = rng.choices(range(len(ctx.dates)), k=n)
    host_pick = [rng.random() for _ in range(n)]
    bits = [rng.getrandbits(32) for _ in range(n)]
    ids = _uuids(cloud, 3 * n)
    hosts = {z["id"]: [h for h in cloud.hosts if h["zoneid"] == z["id"]] for z in ctx.zones}
    pools = {z["id"]: cloud.pools_by_zone[z["id"]] for z in ctx.zones}
    width = max(4, len(str(n)))
    first_number = cloud.counter + 1
    cloud.counter += n
    vm_protos: dict[tuple[int, int, int, int], Row] = {}
    root_protos: dict[tuple[int, int, int, int], Row] = {}
    data_protos: dict[tuple[int, int, int], Row] = {}
    userid = cloud.caller.userid
    vms: list[Row] = []
    volumes: list[Row] = []
    tags: list[Row] = []
    for i in range(n):
        oi, zi, fi, ti = owner_of[i], zone_of[i], offering_of[i], template_of[i]
        key = (oi, zi, fi, ti)
        proto = vm_protos.get(key)
        if proto is None:
            proto = vm_protos[key] = _vm_proto(cloud, ctx, key, userid)
            root_protos[key] = _root_proto(ctx, proto, ctx.templates[ti]["size"])
        zone = ctx.zones[zi]
        network = ctx.networks[oi, zone["id"]]
        numbers = cloud.network_numbers[network["id"]]
        numbers[1] += 1
        net_n, used = numbers
        vm_id, nic_id, volume_id = ids[3 * i], ids[3 * i + 1], ids[3 * i + 2]
        name = f"{ROLES[role_of[i]]}-{i + 1:0{width}d}"
        number = first_number + i
        created = ctx.dates[date_of[i]]
        state = states[i]
        vm = {**proto, "id": vm_id, "name": name, "displayname": name, "created": created, "state": state,
              "instancename": f"i-2-{number}-VM", "securitygroup": [], "affinitygroup": [], "tags": [],
              "nic": [{"id": nic_id, "networkid": network["id"], "networkname": network["name"],
                       "netmask": network["netmask"], "gateway": network["gateway"],
                       "ipaddress": f"10.{net_n}.{used // 250}.{used % 250 + 2}",
                       "isolationuri": network["broadcasturi"], "broadcasturi": network["broadcasturi"],
                       "traffictype": "Guest", "type": "Isolated", "isdefault": True,
                       "macaddress": f"02:00:{(used >> 16) & 255:02x}:{(used >> 8) & 255:02x}:{used & 255:02x}"
                                     f":{net_n & 255:02x}",
                       "virtualmachineid": vm_id, "secondaryip": [], "extradhcpoption": []}]}
        if state == "Running":
            choices = hosts[zone["id"]]
            host = choices[int(host_pick[i] * len(choices))]
            vm.update(VM_RUNNING_FIELDS, hostid=host["id"], hostname=host["name"])
            cloud.capacity[zone["id"]][0] += proto["cpunumber"]
        word = bits[i]
        if word & 1023 < 410:  # 40 %: one or two tags
            picked = _TAG_CHOICES[(word >> 10) % len(_TAG_CHOICES)]
            for j, tag_key in enumerate(picked):
                values = TAG_KEYS[tag_key]
                tag = {"key": tag_key, "value": values[(word >> (14 + 3 * j)) % len(values)], "resourcetype": "UserVm",
                       "resourceid": vm_id, **{k: vm[k] for k in _OWNER_KEYS if k in vm}}
                vm["tags"].append(tag)
                tags.append(tag)
        if (word >> 20) & 63 < 10:  # ~15 %: a group
            vm["group"] = ROLES[(word >> 26) % len(ROLES)] + "s"
        account = ctx.owners[oi][0]
        if (word >> 31) & 1 and account is not None and ctx.templates[ti].get("sshkeyenabled"):
            vm["keypairs"] = f"{account['name']}-laptop"
        vms.append(vm)
        zone_pools = pools[zone["id"]]
        pool = zone_pools[number % len(zone_pools)]
        volumes.append({**root_protos[key], "id": volume_id, "name": f"ROOT-{number}", "created": created,
                        "path": volume_id, "storageid": pool["id"], "storage": pool["name"], "tags": [],
                        "virtualmachineid": vm_id, "vmname": name, "vmdisplayname": name, "vmstate": state,
                        "attached": created})
        if (word >> 6) & 15 < 5:  # ~30 %: a data disk
            di = (word >> 24) % 3
            data_key = (oi, zi, di)
            data_proto = data_protos.get(data_key)
            if data_proto is None:
                data_proto = data_protos[data_key] = _data_proto(ctx, proto, ctx.disk_offerings[di])
            data_id = cloud.uuid()
            volumes.append({**data_proto, "id": data_id, "name": f"DATA-{number}", "created": created,
                            "path": data_id, "storageid": pool["id"], "storage": pool["name"], "tags": [],
                            "virtualmachineid": vm_id, "vmname": name, "vmdisplayname": name, "vmstate": state,
                            "attached": created})
    return vms, volumes, tags


def _vm_proto(cloud: Cloud, ctx: SeedContext, key: tuple[int, int, int, int], userid: str) -> Row:
    oi, zi, fi, ti = key
    account, project = ctx.owners[oi]
    zone, offering, template = ctx.zones[zi], ctx.offerings[fi], ctx.templates[ti]
    proto: dict[str, Any] = {
        **cloud.owner_fields(account, project), "haenable": False, "zoneid": zone["id"], "zonename": zone["name"],
        "templateid": template["id"], "templatename": template["name"], "templatedisplaytext": template["displaytext"],
        "passwordenabled": template["passwordenabled"], "serviceofferingid": offering["id"],
        "serviceofferingname": offering["name"], "cpunumber": offering["cpunumber"], "cpuspeed": offering["cpuspeed"],
        "memory": offering["memory"], "guestosid": template["ostypeid"], "osdisplayname": template["ostypename"],
        "rootdeviceid": 0, "rootdevicetype": "ROOT", "hypervisor": "KVM", "isdynamicallyscalable": False,
        "displayvm": True, "userid": userid, "username": (account or {}).get("name", "admin"),
        "details": {"rootDiskController": "virtio"}, "ostypeid": template["ostypeid"], **VM_FIELDS,
    }
    return proto


def _volume_base(vm_proto: Row, kind: str, size: int) -> Row:
    return {"type": kind, "size": size, "state": "Ready", "storagetype": "shared", "provisioningtype": "thin",
            "hypervisor": "KVM", **VOLUME_FIELDS, "zoneid": vm_proto["zoneid"], "zonename": vm_proto["zonename"],
            **{k: vm_proto[k] for k in _OWNER_KEYS if k in vm_proto}, "physicalsize": size // 3, "virtualsize": size}


def _root_proto(ctx: SeedContext, vm_proto: Row, size: int) -> Row:
    return {**_volume_base(vm_proto, "ROOT", size), "deviceid": 0, "templateid": vm_proto["templateid"],
            "templatename": vm_proto["templatename"], "templatedisplaytext": vm_proto["templatedisplaytext"],
            "serviceofferingid": vm_proto["serviceofferingid"], "serviceofferingname": vm_proto["serviceofferingname"]}


def _data_proto(ctx: SeedContext, vm_proto: Row, offering: Row) -> Row:
    return {**_volume_base(vm_proto, "DATADISK", offering["disksize"] << 30), "deviceid": 1,
            "diskofferingid": offering["id"], "diskofferingname": offering["name"],
            "diskofferingdisplaytext": offering["displaytext"]}
