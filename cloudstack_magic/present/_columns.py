"""Which columns a displayed list shows by default: a short set per resource, a rule for the rest.

A ``listVirtualMachines`` frame has 40-odd columns; on screen people look for a handful (name,
state, zone, offering, size, address, owner, age) and use the frame itself for everything else.
:func:`display_columns` picks that handful for the frames the magic made, and leaves frames the
user reshaped (``vms[["name", "hostname"]]``) alone: what they chose is what they see.

Only the screen is affected; the frame keeps every column. Nothing here imports pandas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["DERIVED_COLUMNS", "RECEIVED_COLUMNS", "default_columns", "display_columns"]

#: ``df.attrs`` key holding the columns the frame had when it was made (so the display can tell
#: a frame the magic returned, rows filtered or not, from one whose columns the user picked).
RECEIVED_COLUMNS = "received_columns"

#: Screen-only columns computed from a nested one: name shown -> (source column, field of the
#: default entry). A VM's address lives in its default NIC.
DERIVED_COLUMNS: Mapping[str, tuple[str, str]] = {"ipaddress": ("nic", "ipaddress")}

_VM = ("name", "state", "zonename", "serviceofferingname", "cpunumber", "memory", "ipaddress",
       "account", "created", "id")

#: The default set per list command (resource), in display order; a column the frame lacks is
#: skipped. Chosen from what the CloudStack UI shows in its list views.
DEFAULTS: Mapping[str, Sequence[str]] = {
    "listVirtualMachines": _VM,
    "listVirtualMachinesMetrics": _VM,
    "listZones": ("name", "allocationstate", "networktype", "securitygroupsenabled", "id"),
    "listPods": ("name", "zonename", "gateway", "allocationstate", "id"),
    "listClusters": ("name", "zonename", "podname", "hypervisortype", "allocationstate", "id"),
    "listHosts": ("name", "type", "state", "resourcestate", "zonename", "clustername", "hypervisor",
                  "cpunumber", "cpuallocated", "memorytotal", "memoryallocated", "ipaddress", "id"),
    "listStoragePools": ("name", "state", "type", "zonename", "clustername", "disksizetotal",
                         "disksizeallocated", "id"),
    "listTemplates": ("name", "ostypename", "hypervisor", "format", "size", "isready", "zonename",
                      "account", "id"),
    "listIsos": ("name", "ostypename", "size", "isready", "bootable", "zonename", "account", "id"),
    "listServiceOfferings": ("name", "cpunumber", "cpuspeed", "memory", "storagetype",
                             "iscustomized", "id"),
    "listDiskOfferings": ("name", "disksize", "iscustomized", "storagetype", "id"),
    "listNetworkOfferings": ("name", "guestiptype", "traffictype", "state", "id"),
    "listNetworks": ("name", "type", "state", "cidr", "zonename", "vpcname", "account", "id"),
    "listVPCs": ("name", "state", "cidr", "zonename", "account", "id"),
    "listVolumes": ("name", "type", "state", "size", "vmname", "zonename", "storage", "account",
                    "created", "id"),
    "listSnapshots": ("name", "volumename", "intervaltype", "state", "account", "created", "id"),
    "listPublicIpAddresses": ("ipaddress", "state", "zonename", "associatednetworkname",
                              "virtualmachinename", "issourcenat", "account", "id"),
    "listSecurityGroups": ("name", "description", "account", "ingressrule", "id"),
    "listAccounts": ("name", "rolename", "state", "domain", "vmtotal", "cputotal", "memorytotal",
                     "id"),
    "listDomains": ("name", "path", "level", "haschild", "id"),
    "listUsers": ("username", "firstname", "lastname", "account", "domain", "state", "created", "id"),
    "listProjects": ("name", "state", "domain", "owner", "id"),
    "listRouters": ("name", "state", "zonename", "publicip", "redundantstate", "account", "id"),
    "listSystemVms": ("name", "systemvmtype", "state", "zonename", "publicip", "privateip", "id"),
    "listAsyncJobs": ("cmd", "jobstatus", "jobresultcode", "created", "jobid"),
    "listEvents": ("type", "level", "description", "username", "account", "created", "id"),
    "listTags": ("key", "value", "resourcetype", "resourceid", "account"),
    "listSSHKeyPairs": ("name", "fingerprint", "account", "id"),
    "listKubernetesClusters": ("name", "state", "size", "kubernetesversionname", "zonename",
                               "account", "id"),
    "listLoadBalancerRules": ("name", "publicip", "publicport", "privateport", "algorithm",
                              "state", "id"),
    "listFirewallRules": ("protocol", "startport", "endport", "cidrlist", "ipaddress", "state", "id"),
    "listPortForwardingRules": ("ipaddress", "publicport", "privateport", "protocol",
                                "virtualmachinename", "state", "id"),
    "listCapacity": ("zonename", "type", "name", "capacityused", "capacitytotal", "percentused"),
    "listConfigurations": ("name", "value", "category", "scope"),
    "listRoles": ("name", "type", "description", "id"),
}

#: The rule for every other list: these (when present) first, in this order …
_GENERIC_FIRST = ("name", "displayname", "username", "key", "value", "description", "state",
                  "status", "type", "zonename", "account", "domain", "created")
#: … filled up with the frame's other plain columns, to at most this many, id last.
GENERIC_WIDTH = 8
#: Frames this narrow show every column: there is nothing worth hiding.
NARROW = 8


def default_columns(command: str | None, columns: Sequence[str], nested: frozenset[str] = frozenset()
                    ) -> list[str]:
    """The default screen columns for a ``command`` frame with ``columns`` (``nested``: the ones
    holding lists or objects, which the generic rule does not pick).

    A leading ``region`` column (``-r a,b``) stays first.
    """
    available = set(columns)
    lead = ["region"] if "region" in available else []
    chosen = DEFAULTS.get(command or "")
    if chosen is not None:
        picked = [c for c in chosen if c in available or _derivable(c, available)]
        if len(picked) >= 2:
            return lead + picked
    first = [c for c in _GENERIC_FIRST if c in available]
    rest = [c for c in columns
            if c not in first and c not in nested and c != "region" and not _is_id_column(c)]
    picked = (first + rest)[: GENERIC_WIDTH - 1]
    if "id" in available:
        picked.append("id")
    return lead + picked


def display_columns(frame: Any, everything: bool) -> list[str]:
    """The columns to show for ``frame``: all of them when ``everything`` is asked for, when the
    frame is narrow, or when its columns are not the ones it was made with (the user chose);
    otherwise the default set for its command."""
    columns = [str(c) for c in frame.columns]
    received = frame.attrs.get(RECEIVED_COLUMNS)
    if everything or len(columns) <= NARROW or received is None:
        return columns
    if {c for c in columns if c != "region"} != {str(c) for c in received if c != "region"}:
        return columns
    nested = frozenset(str(c) for c in columns if frame[c].dtype == object and _holds_containers(frame[c]))
    return default_columns(frame.attrs.get("command"), columns, nested)


def _derivable(column: str, available: set[str]) -> bool:
    source = DERIVED_COLUMNS.get(column)
    return source is not None and source[0] in available


def _is_id_column(column: str) -> bool:
    return column == "id" or column.endswith("id")


def _holds_containers(series: Any) -> bool:
    for value in series.head(20):
        if isinstance(value, (list, dict, tuple)):
            return True
    return False
