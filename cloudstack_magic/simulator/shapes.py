"""The fields CloudStack 4.18 adds to each resource beyond the ones the seed draws.

The seed draws what varies (names, states, owners, sizes); this module holds what a real
4.18 server fills in besides, as recorded answers show it (``count``-style numbers as JSON
numbers, flags as booleans, percentages as strings such as ``"12.5%"``), and the fields that
are *derived* from other rows and so are computed when listed: a host's allocated CPU and
memory (the sum of its running VMs), an account's and a domain's totals against their limits,
a storage pool's allocated size. Only names in the 4.18 spec's response of the list command
appear (``tests/simulator/test_shapes.py`` checks every list and job result against it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from .state import Cloud
from .tables import Row

__all__ = [
    "HOST_FIELDS", "NETWORK_FIELDS", "RESOURCE_TYPES", "TEMPLATE_FIELDS", "VM_RUNNING_FIELDS", "VM_FIELDS",
    "VOLUME_FIELDS", "account_totals", "default_limits", "host_capacity", "limit_fields", "network_services",
    "limits_of", "seed_limits",
]

CPU_OVERPROVISIONING = 1.0
MEMORY_OVERPROVISIONING = 1.0

#: Every VM, whatever its state.
VM_FIELDS: dict[str, Any] = {"bootmode": "legacy", "boottype": "BIOS", "hasannotations": False}
#: A running VM's statistics (the server leaves them out while it has no stats for the VM).
VM_RUNNING_FIELDS: dict[str, Any] = {
    "cpuused": "3.12%", "diskioread": 0, "diskiowrite": 0, "diskkbsread": 0, "diskkbswrite": 0,
    "memorykbs": 0, "memoryintfreekbs": 0, "memorytargetkbs": 0, "networkkbsread": 0, "networkkbswrite": 0,
}
VOLUME_FIELDS: dict[str, Any] = {"destroyed": False, "displayvolume": True, "isextractable": False,
                                 "supportsstoragesnapshot": True, "quiescevm": False, "hasannotations": False,
                                 "vmtype": "User"}
TEMPLATE_FIELDS: dict[str, Any] = {"bootable": True, "isdynamicallyscalable": False, "details": {}, "bits": 0,
                                   "directdownload": False, "deployasis": False, "requireshvm": True,
                                   "hasannotations": False,
                                   "downloaddetails": [{"downloadState": "DOWNLOADED", "datastore": "nfs-secondary",
                                                        "downloadPercent": "100"}]}
NETWORK_FIELDS: dict[str, Any] = {"networkofferingconservemode": True, "networkofferingavailability": "Required",
                                  "networkofferingdisplaytext": "Offering for Isolated networks with Source Nat"
                                  " service enabled", "issystem": False, "isdefault": False, "dns1": "1.1.1.1",
                                  "dns2": "8.8.8.8", "displaynetwork": True, "redundantrouter": False,
                                  "strechedl2subnet": False, "details": {}, "supportsvmautoscaling": True,
                                  "hasannotations": False, "egressdefaultpolicy": False, "receivedbytes": 0,
                                  "sentbytes": 0}
HOST_FIELDS: dict[str, Any] = {
    "capabilities": "hvm,snapshot", "clustertype": "CloudManaged", "events": "AgentConnected; AgentDisconnected;"
    " HostDown; ManagementServerDown; Ping; PingTimeout; ShutdownRequested; Remove; StartAgentRebalance;"
    " UnableToConnect", "hahost": False, "hasannotations": False, "islocalstorageactive": False,
    "cpusockets": 2, "hostha": {"haenable": False, "hastate": "Disabled"},
    "outofbandmanagement": {"enabled": False, "powerstate": "Disabled"}, "encryptionsupported": True,
    "ueficapability": True, "networkkbsread": 0, "networkkbswrite": 0,
}

#: Resource.ResourceType: (number, name, the limit a new user account gets by default)
RESOURCE_TYPES = (
    (0, "user_vm", "vm", 20), (1, "public_ip", "ip", 20), (2, "volume", "volume", 20),
    (3, "snapshot", "snapshot", 20), (4, "template", "template", 20), (5, "project", "project", 20),
    (6, "network", "network", 20), (7, "vpc", "vpc", 20), (8, "cpu", "cpu", 40), (9, "memory", "memory", 40960),
    (10, "primary_storage", "primarystorage", 200), (11, "secondary_storage", "secondarystorage", 400),
)
GIB = 1 << 30


def network_services() -> list[dict[str, Any]]:
    """The services of the default isolated offering (what ``service`` lists on a network)."""
    def service(name: str, *capabilities: tuple[str, str]) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": name, "provider": [{"name": "VirtualRouter"}]}
        if capabilities:
            entry["capability"] = [{"name": n, "value": v, "canchooseservicecapability": False}
                                   for n, v in capabilities]
        return entry

    return [service("Dhcp", ("DhcpAccrossMultipleSubnets", "true")), service("Dns", ("AllowDnsSuffixModification", "true")),
            service("Firewall", ("SupportedProtocols", "tcp,udp,icmp"), ("MultipleIps", "true")),
            service("Lb", ("SupportedLbAlgorithms", "roundrobin,leastconn,source"), ("SupportedProtocols", "tcp, udp, tcp-proxy")),
            service("PortForwarding"), service("SourceNat", ("SupportedSourceNatTypes", "peraccount")),
            service("StaticNat"), service("UserData"), service("Vpn", ("SupportedVpnTypes", "pptp,l2tp,ipsec"))]


def _percent(part: float, whole: float) -> str:
    return f"{(100.0 * part / whole) if whole else 0.0:.2f}%"


def host_capacity(host: Row, vms: Iterable[Row]) -> dict[str, Any]:
    """A host's allocation fields from the VMs placed on it (running or starting)."""
    cores = mhz = memory_mib = 0
    for vm in vms:
        cores += vm["cpunumber"]
        mhz += vm["cpunumber"] * vm["cpuspeed"]
        memory_mib += vm["memory"]
    total_mhz = host["cpunumber"] * host["cpuspeed"]
    allocated_bytes = memory_mib << 20
    return {
        "cpuallocated": _percent(mhz, total_mhz), "cpuallocatedpercentage": _percent(mhz, total_mhz),
        "cpuallocatedvalue": mhz, "cpuallocatedwithoverprovisioning": _percent(mhz, total_mhz * CPU_OVERPROVISIONING),
        "cpuwithoverprovisioning": f"{total_mhz * CPU_OVERPROVISIONING:.1f}", "cpuused": _percent(mhz * 0.35, total_mhz),
        "memoryallocated": allocated_bytes, "memoryallocatedbytes": allocated_bytes,
        "memoryallocatedpercentage": _percent(allocated_bytes, host["memorytotal"]),
        "memorywithoverprovisioning": f"{host['memorytotal'] * MEMORY_OVERPROVISIONING:.1f}",
        "memoryused": allocated_bytes * 7 // 10,
    }


def account_totals(cloud: Cloud, owner_key: str) -> dict[tuple[str, str], Counter[str]]:
    """Per (account name, domain id) when ``owner_key`` is "account", per ``("", domainid)`` for
    "domain", per ``("", projectid)`` for "project": what counts against the limits, by limit
    prefix (vm, cpu, memory...)."""
    totals: dict[tuple[str, str], Counter[str]] = {}

    def bucket(row: Row) -> Counter[str] | None:
        if owner_key == "project":
            if "projectid" not in row:
                return None
            key = ("", row["projectid"])
        elif "projectid" in row and owner_key == "account":
            return None
        else:
            key = (row.get("account", "") if owner_key == "account" else "", row.get("domainid", ""))
        found = totals.get(key)
        if found is None:
            found = totals[key] = Counter()
        return found

    for vm in cloud.vms:
        counted = bucket(vm)
        if counted is None or vm["state"] in ("Destroyed", "Expunging"):
            continue
        counted["vm"] += 1
        counted["cpu"] += vm["cpunumber"]
        counted["memory"] += vm["memory"]
        counted["vmrunning" if vm["state"] == "Running" else "vmstopped"] += 1
    for volume in cloud.volumes:
        if (counted := bucket(volume)) is not None:
            counted["volume"] += 1
            counted["primarystorage"] += volume["size"]
    for kind, table in (("snapshot", cloud.snapshots), ("ip", cloud.publicips), ("network", cloud.networks)):
        for row in table:
            if (counted := bucket(row)) is not None:
                counted[kind] += 1
    return totals


def limit_fields(limits: dict[str, int], used: Counter[str]) -> dict[str, Any]:
    """``<kind>limit``/``<kind>total``/``<kind>available`` as the server writes them: limits and
    availability are strings ("Unlimited" for -1), totals numbers; storage in GiB."""
    fields: dict[str, Any] = {}
    for _, _, kind, _ in RESOURCE_TYPES:
        limit = limits.get(kind, -1)
        total: int | float = used.get(kind, 0)
        if kind == "primarystorage":
            total = int(total) // GIB
        if kind == "secondarystorage":
            total = float(total)
        fields[f"{kind}limit"] = "Unlimited" if limit == -1 else str(limit)
        fields[f"{kind}total"] = total
        fields[f"{kind}available"] = "Unlimited" if limit == -1 else str(max(0, limit - int(total)))
    return fields


def seed_limits(cloud: Cloud) -> None:
    """Limits a seeded cloud is consistent with: root admins and domains unlimited, every other
    account the default or, where it already holds more, half as much again (rounded up to 10)."""
    totals = account_totals(cloud, "account")
    for account in cloud.accounts:
        if account["accounttype"] == 1:
            cloud.limits.setdefault(account["id"], {kind: -1 for _, _, kind, _ in RESOURCE_TYPES})
            continue
        used = totals.get((account["name"], account["domainid"]), Counter())
        cloud.limits.setdefault(account["id"], {kind: max(default, -(-int(used.get(kind, 0) * 1.5 // (GIB if kind ==
                                       "primarystorage" else 1)) // 10) * 10) for _, _, kind, default in RESOURCE_TYPES})
    for domain in cloud.domains:
        cloud.limits.setdefault(domain["id"], {kind: -1 for _, _, kind, _ in RESOURCE_TYPES})


def limits_of(cloud: Cloud) -> dict[str, dict[str, int]]:
    """Every owner's limits, deriving the seeded accounts' on first use (see :func:`seed_limits`)."""
    if cloud.limits_pending:
        cloud.limits_pending = False
        seed_limits(cloud)
    return cloud.limits


def default_limits() -> dict[str, int]:
    """A new user account's limits (the ``max.account.*`` defaults)."""
    return {kind: default for _, _, kind, default in RESOURCE_TYPES}
