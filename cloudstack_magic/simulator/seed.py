"""A seeded, believable small cloud: domains to VMs, sized by the number of VMs.

Everything is drawn from ``cloud.rng`` in a fixed order, so the same seed and size give the
same ids, names and states. Rows use CloudStack 4.18 field names and leave out fields that
have no value (a stopped VM has no host; only some VMs have tags, groups or key pairs). This
module lays out the infrastructure and owners; the VMs themselves come from ``seed_vms`` (built
for speed), and ``build_vm``/``build_volume`` here make single rows of the same shape for deploys.
"""

from __future__ import annotations

import math
from typing import Any

from .shapes import HOST_FIELDS, NETWORK_FIELDS, TEMPLATE_FIELDS, VM_FIELDS, VM_RUNNING_FIELDS, VOLUME_FIELDS
from .shapes import network_services
from .seed_vms import SeedContext, seed_vms
from .state import Cloud, format_date
from .tables import Row

__all__ = ["HOST_CORES", "build_vm", "nic_for", "seed"]

BASE_TIME = 1_780_000_000.0  # 2026-05-28: "created" dates fall in the year before it
HOST_CORES = 64
ZONES = ("ams1", "fra1", "lon1")
DOMAINS = (("Engineering", "ROOT"), ("Research", "ROOT"), ("QA", "Engineering"))
ACCOUNTS = (("admin", "ROOT", 1), ("ops", "ROOT", 0), ("alice", "Engineering", 0),
            ("bob", "Engineering", 0), ("carol", "Research", 0), ("dave", "QA", 2))
OSTYPES = (("Ubuntu 22.04 LTS", "Ubuntu"), ("Rocky Linux 9", "CentOS"), ("Debian GNU/Linux 12 (64-bit)", "Debian"),
           ("CentOS 7", "CentOS"), ("Windows Server 2022 (64-bit)", "Windows"))
NETWORK_OFFERINGS = (("DefaultIsolatedNetworkOfferingWithSourceNatService",
                      "Offering for Isolated networks with Source Nat service enabled", "Isolated", True),
                     ("DefaultSharedNetworkOffering", "Offering for Shared networks", "Shared", False),
                     ("DefaultL2NetworkOffering", "Offering for L2 networks", "L2", False))
POOL_GIB = 20 * 1024
TEMPLATES = (("ubuntu-22.04", "Ubuntu 22.04 LTS cloud image", 0, 10), ("rocky-9", "Rocky Linux 9 GenericCloud", 1, 10),
             ("debian-12", "Debian 12 bookworm", 2, 8), ("centos-7", "CentOS 7 (EOL)", 3, 8),
             ("win2022", "Windows Server 2022 Datacenter", 4, 40))
SERVICE_OFFERINGS = (("Small Instance", 1, 1024), ("Medium Instance", 2, 4096), ("Large Instance", 4, 8192),
                     ("XLarge Instance", 8, 16384))
DISK_OFFERINGS = (("Small", 5), ("Medium", 20), ("Large", 100), ("Custom", 0))
ACCOUNT_ROLES = (("Root Admin", "Admin"), ("Resource Admin", "ResourceAdmin"), ("Domain Admin", "DomainAdmin"),
         ("User", "User"))


def seed(cloud: Cloud, vms: int) -> None:
    """Fill ``cloud`` with a cloud holding ``vms`` virtual machines."""
    rng = cloud.rng
    cloud.system_account_id = cloud.uuid()

    def when(days: float) -> str:
        return format_date(BASE_TIME - rng.uniform(0, days) * 86400)

    root: Row = {"id": cloud.uuid(), "name": "ROOT", "level": 0, "path": "ROOT", "haschild": True, "state": "Active"}
    domains: dict[str, Row] = {"ROOT": root}
    for name, parent in DOMAINS:
        up = domains[parent]
        domains[name] = {"id": cloud.uuid(), "name": name, "level": up["level"] + 1, "parentdomainid": up["id"],
                         "parentdomainname": up["name"], "path": f"{up['path']}/{name}",
                         "haschild": name == "Engineering", "state": "Active"}
    cloud.domains.extend(list(domains.values()))
    cloud.roles.extend([{"id": cloud.uuid(), "name": name, "type": kind, "isdefault": True,
                         "description": f"Default {name.lower()} role"} for name, kind in ACCOUNT_ROLES])
    role_ids = {row["name"]: row["id"] for row in cloud.roles}
    accounts: list[Row] = []
    for name, domain, kind in ACCOUNTS:
        d = domains[domain]
        role = ("Root Admin", "Admin") if kind == 1 else ("Domain Admin", "DomainAdmin") if kind == 2 else ("User", "User")
        accounts.append({"id": cloud.uuid(), "name": name, "accounttype": kind, "roletype": role[1], "rolename": role[0],
                         "roleid": role_ids[role[0]],
                         "domainid": d["id"], "domain": d["name"], "domainpath": d["path"], "state": "enabled",
                         "created": when(400), "isdefault": name == "admin"})
    cloud.accounts.extend(accounts)
    for acct in accounts:
        user = {"id": cloud.uuid(), "username": acct["name"], "firstname": acct["name"].title(),
                "lastname": "Demo", "email": f"{acct['name']}@example.org", "account": acct["name"],
                "accountid": acct["id"], "accounttype": acct["accounttype"], "roletype": acct["roletype"],
                "domainid": acct["domainid"], "domain": acct["domain"], "state": "enabled",
                "created": acct["created"], "isdefault": acct["name"] == "admin"}
        cloud.users.add(user)
        if acct["name"] == "admin":
            cloud.caller.accountid, cloud.caller.userid = acct["id"], user["id"]
            cloud.caller.domainid = acct["domainid"]
    eng = domains["Engineering"]
    projects: list[Row] = [{"id": cloud.uuid(), "name": name, "displaytext": text, "domainid": eng["id"], "domain": eng["name"],
                 "state": "Active", "owner": [{"account": "alice"}], "created": when(300), "tags": []}
                for name, text in (("platform", "Platform team"), ("ml-lab", "Machine learning lab"))]
    cloud.projects.extend(projects)

    zones: list[Row] = [{"id": cloud.uuid(), "name": name, "description": f"Zone {name}", "networktype": "Advanced",
              "securitygroupsenabled": False, "allocationstate": "Enabled", "dhcpprovider": "VirtualRouter",
              "localstorageenabled": False, "dns1": "1.1.1.1", "internaldns1": "10.0.0.2", "type": "Core",
              "zonetoken": cloud.uuid(), "tags": []} for name in ZONES[: 2 if vms < 1000 else 3]]
    cloud.zones.extend(zones)
    categories = {c: cloud.uuid() for c in sorted({c for _, c in OSTYPES})}
    ostypes: list[Row] = [{"id": cloud.uuid(), "description": d, "oscategoryid": categories[c], "isuserdefined": False}
                          for d, c in OSTYPES]
    cloud.ostypes.extend(ostypes)
    templates: list[Row] = []
    for i, (name, text, os_index, size_gb) in enumerate(TEMPLATES):
        templates.append({"id": cloud.uuid(), "name": name, "displaytext": text, "ispublic": True, "isfeatured": i < 3,
                          "isready": True, "status": "Download Complete", "format": "QCOW2", "hypervisor": "KVM",
                          "ostypeid": ostypes[os_index]["id"], "ostypename": ostypes[os_index]["description"],
                          "account": "system", "domainid": root["id"], "domain": "ROOT", "crossZones": True,
                          "passwordenabled": i != 4, "size": size_gb << 30, "templatetype": "USER",
                          "created": when(400), "isextractable": False, "sshkeyenabled": i != 4, "tags": [],
                          "accountid": cloud.system_account_id, "physicalsize": size_gb << 30, **TEMPLATE_FIELDS})
    cloud.templates.extend(templates)
    cloud.isos.extend([{"id": cloud.uuid(), "name": name, "displaytext": name, "ispublic": True, "isready": True,
                        "bootable": bootable, "ostypeid": ostypes[0]["id"], "ostypename": ostypes[0]["description"],
                        "account": "system", "domainid": root["id"], "domain": "ROOT", "crossZones": True,
                        "created": when(400), "tags": [], "accountid": cloud.system_account_id, "isfeatured": True,
                        "isextractable": False, "status": "Successfully Installed", "size": 2 << 30,
                        "format": "ISO", "isdynamicallyscalable": False, "passwordenabled": False,
                        "sshkeyenabled": False, "templatetype": "USER", "directdownload": False, "deployasis": False,
                        "bits": 0, "hasannotations": False, "details": {}}
                       for name, bootable in (("ubuntu-22.04-live.iso", True), ("virtio-win.iso", False))])
    offerings: list[Row] = [{"id": cloud.uuid(), "name": name, "displaytext": f"{name} {cpus}vCPU, {mem // 1024}GB RAM",
                  "cpunumber": cpus, "cpuspeed": 2000, "memory": mem, "storagetype": "shared", "offerha": False,
                  "limitcpuuse": False, "iscustomized": False, "issystem": False, "defaultuse": False,
                  "created": when(400)} for name, cpus, mem in SERVICE_OFFERINGS]
    cloud.serviceofferings.extend(offerings)
    disk_offerings: list[Row] = [{"id": cloud.uuid(), "name": name, "displaytext": f"{name} disk", "disksize": size,
                       "iscustomized": size == 0, "storagetype": "shared", "provisioningtype": "thin",
                       "created": when(400)} for name, size in DISK_OFFERINGS]
    cloud.diskofferings.extend(disk_offerings)
    router_offering = cloud.uuid()  # the system offering of the offerings' virtual routers
    cloud.networkofferings.extend([
        {"id": cloud.uuid(), "name": name, "displaytext": text, "traffictype": "Guest", "isdefault": True,
         "specifyvlan": kind != "Isolated", "conservemode": True, "specifyipranges": kind == "Shared",
         "availability": "Required" if kind == "Isolated" else "Optional", "networkrate": 200,
         "state": "Enabled", "guestiptype": kind, "forvpc": False, "ispersistent": False, "egressdefaultpolicy": False,
         "supportsstrechedl2subnet": False, "supportspublicaccess": False, "created": when(400),
         "service": network_services() if source_nat else [], "fortungsten": False,
         "internetprotocol": "IPv4", "hasannotations": False, "serviceofferingid": router_offering}
        for name, text, kind, source_nat in NETWORK_OFFERINGS])
    isolated_offering = cloud.networkofferings.rows()[0]
    services = network_services()

    msid = cloud.uuid()
    hosts_per_zone = max(2, math.ceil(vms * 2.8 / HOST_CORES / len(zones) * 1.1))
    for z in zones:
        pod: Row = {"id": cloud.uuid(), "name": f"{z['name']}-pod1", "zoneid": z["id"], "zonename": z["name"],
               "gateway": "192.168.0.1", "netmask": "255.255.0.0", "allocationstate": "Enabled"}
        cloud.pods.add(pod)
        clusters: list[Row] = [{"id": cloud.uuid(), "name": f"{z['name']}-cluster{c}", "podid": pod["id"], "podname": pod["name"],
                     "zoneid": z["id"], "zonename": z["name"], "hypervisortype": "KVM", "clustertype": "CloudManaged",
                     "allocationstate": "Enabled", "managedstate": "Managed"} for c in (1, 2)]
        cloud.clusters.extend(clusters)
        physical = cloud.uuid()
        cloud.physical_networks[z["id"]] = physical
        for c, cluster in enumerate(clusters, 1):
            cloud.storagepools.add({
                "id": cloud.uuid(), "name": f"primary-{cluster['name']}", "zoneid": z["id"], "zonename": z["name"],
                "podid": pod["id"], "podname": pod["name"], "clusterid": cluster["id"], "clustername": cluster["name"],
                "ipaddress": f"192.168.250.{len(cloud.storagepools) + 10}", "path": f"/export/primary/{cluster['name']}",
                "created": when(400), "type": "NetworkFilesystem", "state": "Up", "scope": "CLUSTER",
                "hypervisor": "KVM", "provider": "DefaultPrimary", "overprovisionfactor": "2.0",
                "disksizetotal": POOL_GIB << 30, "disksizeallocated": 0, "disksizeused": 0, "tags": "",
                "suitableformigration": False, "hasannotations": False,
                "storagecapabilities": {"VOLUME_SNAPSHOT_QUIESCEVM": "false"}})
        pools = [row for row in cloud.storagepools if row["zoneid"] == z["id"]]
        cloud.pools_by_zone[z["id"]] = pools
        for h in range(hosts_per_zone):
            cluster = clusters[h % 2]
            cloud.hosts.add({"id": cloud.uuid(), "name": f"kvm-{z['name']}-{h + 1:03d}", "state": "Up", "type": "Routing",
                             "ipaddress": f"192.168.{h // 250}.{h % 250 + 10}", "zoneid": z["id"], "zonename": z["name"],
                             "podid": pod["id"], "podname": pod["name"], "clusterid": cluster["id"],
                             "clustername": cluster["name"], "hypervisor": "KVM", "hypervisorversion": "6.2.0",
                             "cpunumber": HOST_CORES, "cpuspeed": 2400, "memorytotal": 512 << 30,
                             "resourcestate": "Enabled", "created": when(400), "version": "4.18.1.0",
                             "lastpinged": format_date(BASE_TIME - 86400 * 20000), "managementserverid": msid,
                             **HOST_FIELDS})
        cloud.capacity[z["id"]] = [0, hosts_per_zone * HOST_CORES]

    owners: list[tuple[Row | None, Row | None]] = [(a, None) for a in accounts] + [(None, p) for p in projects]
    networks: dict[tuple[int, str], Row] = {}
    for oi, (account, project) in enumerate(owners):
        for zi, z in enumerate(zones):
            n = len(networks) + 1
            owner = cloud.owner_fields(account, project)
            name = f"{(account or project or {})['name']}-{z['name']}-net"
            networks[oi, z["id"]] = {
                "id": cloud.uuid(), "name": name, "displaytext": name, "cidr": f"10.{n}.0.0/16", "gateway": f"10.{n}.0.1",
                "netmask": "255.255.0.0", "type": "Isolated", "traffictype": "Guest", "state": "Implemented",
                "zoneid": z["id"], "zonename": z["name"], "networkofferingname": "DefaultIsolatedNetworkOfferingWithSourceNatService",
                "broadcastdomaintype": "Vlan", "broadcasturi": f"vlan://{100 + n}", "ispersistent": False,
                "restartrequired": False, "acltype": "Account", "specifyipranges": False, "canusefordeploy": True,
                **owner, "tags": [], **NETWORK_FIELDS, "networkofferingid": isolated_offering["id"],
                "physicalnetworkid": cloud.physical_networks[z["id"]], "networkdomain": f"cs{n}cloud.internal",
                "created": when(380), "service": services}
            networks[oi, z["id"]]["related"] = networks[oi, z["id"]]["id"]
            cloud.network_numbers[networks[oi, z["id"]]["id"]] = [n, 1]
    cloud.networks.extend(list(networks.values()))
    for net in networks.values():
        n = cloud.network_numbers[net["id"]][0]
        cloud.publicips.add({"id": cloud.uuid(), "ipaddress": f"203.0.{n // 250}.{n % 250 + 1}",
                             "issourcenat": True, "isstaticnat": False, "state": "Allocated", "zoneid": net["zoneid"],
                             "zonename": net["zonename"], "associatednetworkid": net["id"],
                             "associatednetworkname": net["name"], "allocated": when(300), "forvirtualnetwork": True,
                             **{k: net[k] for k in ("account", "projectid", "project", "domainid", "domain") if k in net},
                             "tags": []})
    for acct in accounts:
        cloud.securitygroups.add({"id": cloud.uuid(), "name": "default", "description": "Default Security Group",
                                  "account": acct["name"], "domainid": acct["domainid"],
                                  "domain": acct["domain"], "ingressrule": [], "egressrule": [], "tags": []})
        cloud.sshkeypairs.add({"id": cloud.uuid(), "name": f"{acct['name']}-laptop", "account": acct["name"],
                               "domainid": acct["domainid"], "domain": acct["domain"],
                               "fingerprint": ":".join(f"{rng.getrandbits(8):02x}" for _ in range(16))})

    dates = [when(365) for _ in range(4096)]
    context = SeedContext(owners, accounts, zones, templates, offerings, disk_offerings, networks, dates)
    vm_rows, volumes, tags = seed_vms(cloud, vms, context)
    cloud.vms.extend(vm_rows)
    cloud.volumes.extend(volumes)
    cloud.tags.extend(tags)
    snapshots: list[Row] = []
    for volume in volumes[:: max(1, len(volumes) // max(1, vms // 10))][: max(1, vms // 10)]:
        snapshots.append(build_snapshot(cloud, volume, created=when(60), state="BackedUp"))
    cloud.snapshots.extend(snapshots)
    for z in zones:  # leave headroom: deploys succeed for a while, then 533
        used, total = cloud.capacity[z["id"]]
        cloud.capacity[z["id"]][1] = max(total, used + 64)
    events: list[Row] = []
    for vm in vm_rows[: min(vms, 2000)]:
        events.append({"id": cloud.uuid(), "type": "VM.CREATE", "level": "INFO", "state": "Completed",
                       "description": f"Successfully completed deploying Vm. Vm Id: {vm['name']}",
                       "username": vm.get("account", "admin"), "created": vm["created"],
                       **{k: vm[k] for k in ("account", "projectid", "project", "domainid", "domain") if k in vm}})
    cloud.events.extend(events)
    cloud.limits_pending = True  # shapes.seed_limits runs on first use: a pass over every VM saved at start


def make_tag(cloud: Cloud, resource: Row, resourcetype: str, key: str, value: str) -> Row:
    owner: Row = {k: resource[k] for k in ("account", "projectid", "project", "domainid", "domain") if k in resource}
    return {"key": key, "value": value, "resourcetype": resourcetype, "resourceid": resource["id"], **owner}


def nic_for(cloud: Cloud, network: Row, vm_id: str) -> Row:
    numbers = cloud.network_numbers[network["id"]]
    numbers[1] += 1
    n, used = numbers
    return {"id": cloud.uuid(), "networkid": network["id"], "networkname": network["name"],
            "netmask": network["netmask"], "gateway": network["gateway"],
            "ipaddress": f"10.{n}.{used // 250}.{used % 250 + 2}", "isolationuri": network["broadcasturi"],
            "broadcasturi": network["broadcasturi"], "traffictype": "Guest", "type": "Isolated", "isdefault": True,
            "macaddress": f"02:00:{(used >> 16) & 255:02x}:{(used >> 8) & 255:02x}:{used & 255:02x}:{n & 255:02x}",
            "virtualmachineid": vm_id, "secondaryip": [], "extradhcpoption": []}


def build_vm(cloud: Cloud, name: str, zone: Row, template: Row, offering: Row, network: Row,
             account: Row | None, project: Row | None, *, created: str, state: str,
             displayname: str | None = None) -> Row:
    vm_id = cloud.uuid()
    vm: dict[str, Any] = {
        "id": vm_id, "name": name, "displayname": displayname or name, **cloud.owner_fields(account, project),
        "created": created, "state": state, "haenable": False, "zoneid": zone["id"], "zonename": zone["name"],
        "templateid": template["id"], "templatename": template["name"], "templatedisplaytext": template["displaytext"],
        "passwordenabled": template["passwordenabled"], "serviceofferingid": offering["id"],
        "serviceofferingname": offering["name"], "cpunumber": offering["cpunumber"], "cpuspeed": offering["cpuspeed"],
        "memory": offering["memory"], "guestosid": template["ostypeid"], "osdisplayname": template["ostypename"],
        "rootdeviceid": 0, "rootdevicetype": "ROOT", "securitygroup": [], "hypervisor": "KVM",
        "instancename": f"i-2-{cloud.next_number()}-VM", "isdynamicallyscalable": False, "displayvm": True,
        "userid": cloud.caller.userid, "username": (account or {}).get("name", "admin"),
        "details": {"rootDiskController": "virtio"}, "affinitygroup": [], "tags": [],
        "ostypeid": template["ostypeid"], **VM_FIELDS,
    }
    vm["nic"] = [nic_for(cloud, network, vm_id)]
    if state == "Running":
        place_on_host(cloud, vm)
    return vm


def place_on_host(cloud: Cloud, vm: Row) -> None:
    hosts = cloud.hosts.select(("zone", vm["zoneid"]), lambda h: h["zoneid"] == vm["zoneid"])
    host = hosts[cloud.rng.randrange(len(hosts))]
    vm.update(hostid=host["id"], hostname=host["name"], **VM_RUNNING_FIELDS)


def build_volume(cloud: Cloud, vm: Row | None, kind: str, size: int, *, created: str, offering: Row | None = None,
                 name: str | None = None, zone: Row | None = None, owner: dict[str, Any] | None = None) -> Row:
    source = vm or owner or {}
    volume: dict[str, Any] = {
        "id": cloud.uuid(), "name": name or (f"{kind}-{vm['instancename'].split('-')[2]}" if vm else "DATA"),
        "type": kind, "size": size, "state": "Ready", "created": created, "storagetype": "shared",
        "provisioningtype": "thin", "hypervisor": "KVM", **VOLUME_FIELDS,
        "zoneid": (vm or zone or {}).get("zoneid", (zone or {}).get("id")),
        "zonename": (vm or zone or {}).get("zonename", (zone or {}).get("name")),
        **{k: source[k] for k in ("account", "projectid", "project", "domainid", "domain") if k in source},
        "tags": [],
    }
    pools = cloud.pools_by_zone.get(volume["zoneid"]) or cloud.storagepools.rows()
    pool = pools[cloud.counter % len(pools)]
    volume.update(storageid=pool["id"], storage=pool["name"], path=volume["id"], physicalsize=size // 3,
                  virtualsize=size)
    if offering is not None:
        volume.update(diskofferingid=offering["id"], diskofferingname=offering["name"],
                      diskofferingdisplaytext=offering["displaytext"])
    if vm is not None and kind == "ROOT":
        volume.update(templateid=vm["templateid"], templatename=vm["templatename"],
                      templatedisplaytext=vm["templatedisplaytext"], serviceofferingid=vm["serviceofferingid"],
                      serviceofferingname=vm["serviceofferingname"])
    if vm is not None:
        attach_fields(volume, vm, deviceid=0 if kind == "ROOT" else 1)
    return volume


def attach_fields(volume: Row, vm: Row, deviceid: int) -> None:
    volume.update(virtualmachineid=vm["id"], vmname=vm["name"], vmdisplayname=vm["displayname"],
                  vmstate=vm["state"], deviceid=deviceid, attached=vm["created"])


def build_snapshot(cloud: Cloud, volume: Row, *, created: str, state: str, name: str | None = None) -> Row:
    return {"id": cloud.uuid(), "name": name or f"{volume['name']}-snap-{cloud.next_number()}", "volumeid": volume["id"],
            "volumename": volume["name"], "volumetype": volume["type"], "snapshottype": "MANUAL",
            "intervaltype": "MANUAL", "state": state, "created": created, "zoneid": volume["zoneid"],
            "physicalsize": volume["size"] // 3, "virtualsize": volume["size"], "locationtype": "Primary",
            **{k: volume[k] for k in ("account", "projectid", "project", "domainid", "domain") if k in volume},
            "revertable": True, "tags": []}
