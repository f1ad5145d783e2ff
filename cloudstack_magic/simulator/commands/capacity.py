"""Lists whose numbers are derived from other rows: hosts (allocated CPU and memory = their
VMs), accounts and domains (totals against limits), storage pools (allocated = their volumes),
``listCapacity``; and resource limits, regions. Derived fields are computed per request from
the current tables (one pass over the VMs), so they always add up."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from ..dispatch import Call, Handler, ListResult, Result, invalid_id
from ..errors import param_error
from ..listing import list_rows
from ..shapes import RESOURCE_TYPES, account_totals, host_capacity, limit_fields, limits_of
from ..tables import Row

__all__ = ["COMMANDS"]

_BY_NUMBER = {str(number): (name, kind) for number, name, kind, _ in RESOURCE_TYPES}
_BY_NAME = {name: (str(number), kind) for number, name, kind, _ in RESOURCE_TYPES}


def _derived(result: ListResult, extra: dict[str, dict[str, Any]]) -> ListResult:
    """The page with each row's derived fields added (rendered fresh, not from the row cache)."""
    rows = [{**row, **extra.get(row["id"], {})} for row in result.rows]
    return ListResult(None, result.objectname, rows, result.count)


def list_hosts(call: Call) -> Result:
    page = list_rows(call, call.cloud.hosts)
    on_host: dict[str, list[Row]] = defaultdict(list)
    for vm in call.cloud.vms:
        if "hostid" in vm:
            on_host[vm["hostid"]].append(vm)
    return _derived(page, {host["id"]: host_capacity(host, on_host[host["id"]]) for host in page.rows})


def list_accounts(call: Call) -> Result:
    cloud = call.cloud
    page = list_rows(call, cloud.accounts)
    totals = account_totals(cloud, "account")
    users: dict[str, list[Row]] = defaultdict(list)
    for user in cloud.users:
        users[user["accountid"]].append(user)
    extra = {}
    for account in page.rows:
        used = totals.get((account["name"], account["domainid"]), Counter())
        extra[account["id"]] = {**limit_fields(limits_of(cloud).get(account["id"], {}), used),
                                "vmrunning": used["vmrunning"], "vmstopped": used["vmstopped"],
                                "user": users[account["id"]], "receivedbytes": 0, "sentbytes": 0,
                                "iscleanuprequired": False}
    return _derived(page, extra)


def list_domains(call: Call) -> Result:
    cloud = call.cloud
    page = list_rows(call, cloud.domains)
    per_domain = account_totals(cloud, "domain")
    paths = {d["id"]: d["path"] for d in cloud.domains}
    extra = {}
    for domain in page.rows:  # a domain's totals include its subdomains'
        used: Counter[str] = Counter()
        for (_, domainid), counted in per_domain.items():
            path = paths.get(domainid, "")
            if path == domain["path"] or path.startswith(domain["path"] + "/"):
                used.update(counted)
        extra[domain["id"]] = {**limit_fields(limits_of(cloud).get(domain["id"], {}), used), "hasannotations": False}
    return _derived(page, extra)


def list_projects(call: Call) -> Result:
    cloud = call.cloud
    page = list_rows(call, cloud.projects)
    totals = account_totals(cloud, "project")
    extra = {}
    for project in page.rows:
        used = totals.get(("", project["id"]), Counter())
        limits = {k: v for k, v in limit_fields(limits_of(cloud).get(project["id"], {}), used).items()
                  if not k.startswith("project")}  # a project has no project limit
        extra[project["id"]] = {**limits,
                                "vmrunning": used["vmrunning"], "vmstopped": used["vmstopped"],
                                "projectaccountname": f"PrjAcct-{project['name']}-1"}
    return _derived(page, extra)


def list_storage_pools(call: Call) -> Result:
    page = list_rows(call, call.cloud.storagepools)
    allocated: Counter[str] = Counter()
    for volume in call.cloud.volumes:
        if "storageid" in volume:
            allocated[volume["storageid"]] += volume["size"]
    return _derived(page, {pool["id"]: {"disksizeallocated": allocated[pool["id"]],
                                         "disksizeused": allocated[pool["id"]] // 3} for pool in page.rows})


def list_capacity(call: Call) -> Result:
    """Per zone: memory (0), CPU (1), primary storage used (2) and allocated (3), public IPs (4),
    private IPs (5), secondary storage (6) — totals from hosts and pools, use from VMs and volumes."""
    cloud = call.cloud
    wanted_zone, wanted_type = call.get("zoneid"), call.get("type")
    rows = []
    for zone in cloud.zones:
        if wanted_zone and zone["id"] != wanted_zone:
            continue
        hosts = [h for h in cloud.hosts if h["zoneid"] == zone["id"]]
        running = [vm for vm in cloud.vms if vm["zoneid"] == zone["id"] and "hostid" in vm]
        pools = cloud.pools_by_zone.get(zone["id"], [])
        volume_bytes = sum(v["size"] for v in cloud.volumes if v.get("zoneid") == zone["id"])
        ips = [ip for ip in cloud.publicips if ip["zoneid"] == zone["id"]]
        nics = sum(len(vm["nic"]) for vm in cloud.vms if vm["zoneid"] == zone["id"])
        figures = {
            0: (sum(vm["memory"] for vm in running) << 20, sum(h["memorytotal"] for h in hosts)),
            1: (sum(vm["cpunumber"] * vm["cpuspeed"] for vm in running), sum(h["cpunumber"] * h["cpuspeed"] for h in hosts)),
            2: (volume_bytes // 3, sum(p["disksizetotal"] for p in pools)),
            3: (volume_bytes, sum(p["disksizetotal"] for p in pools) * 2),
            4: (len(ips), 254 * 4),
            5: (nics, 65534 * max(1, len(cloud.networks))),
            6: (sum(t.get("physicalsize", 0) for t in cloud.templates), 10 << 40),
        }
        for kind, (used, total) in figures.items():
            if wanted_type is not None and str(kind) != wanted_type:
                continue
            rows.append({"type": kind, "name": _CAPACITY_NAMES[kind], "zoneid": zone["id"], "zonename": zone["name"],
                         "capacityused": used, "capacityallocated": used, "capacitytotal": total,
                         "percentused": f"{100.0 * used / total if total else 0:.2f}"})
    return ListResult(None, "capacity", rows, len(rows))


_CAPACITY_NAMES = {0: "MEMORY", 1: "CPU", 2: "STORAGE", 3: "STORAGE_ALLOCATED", 4: "VIRTUAL_NETWORK_PUBLIC_IP",
                   5: "PRIVATE_IP", 6: "SECONDARY_STORAGE"}


def _limit_owner(call: Call) -> Row:
    """The account (``account`` + ``domainid``, or the caller's) or domain a limit call names."""
    cloud = call.cloud
    domainid, name = call.get("domainid"), call.get("account")
    if name is not None:
        domain = domainid or cloud.caller.domainid
        account = next((a for a in cloud.accounts if a["name"] == name and a["domainid"] == domain), None)
        if account is None:
            raise param_error(f"Unable to find account by name {name} in domain with id {domain}")
        return account
    if domainid is not None:
        domain_row = cloud.domains.get(domainid)
        if domain_row is None:
            raise invalid_id("domainid", domainid)
        return domain_row
    account_row = cloud.accounts.get(cloud.caller.accountid)
    assert account_row is not None
    return account_row


def _limit_row(call: Call, owner: Row, number: str) -> Row:
    name, kind = _BY_NUMBER[number]
    row: Row = {"resourcetype": number, "resourcetypename": name,
                "max": limits_of(call.cloud).get(owner["id"], {}).get(kind, -1)}
    if "accounttype" in owner:
        row.update(account=owner["name"], domainid=owner["domainid"], domain=owner["domain"])
    else:
        row.update(domainid=owner["id"], domain=owner["name"])
    return row


def _resource_type(call: Call) -> str | None:
    given = call.get("resourcetype") or call.get("resourcetypename")
    if given is None:
        return None
    if given in _BY_NUMBER:
        return given
    if given.lower() in _BY_NAME:
        return _BY_NAME[given.lower()][0]
    raise param_error(f"Please specify a valid resource type: {given} is none of "
                      + ", ".join(f"{n} ({name})" for n, (name, _) in _BY_NUMBER.items()))


def list_resource_limits(call: Call) -> Result:
    owner = _limit_owner(call)
    wanted = _resource_type(call)
    rows = [_limit_row(call, owner, number) for number in _BY_NUMBER if wanted in (None, number)]
    return ListResult(None, "resourcelimit", rows, len(rows))


def update_resource_limit(call: Call) -> Result:
    owner = _limit_owner(call)
    number = _resource_type(call)
    if number is None:
        raise param_error("Unable to execute API command updateresourcelimit due to missing parameter resourcetype")
    if not call.cloud.caller.is_admin:
        raise param_error("Only a root or domain admin can update resource limits")
    maximum = call.integer("max", -1)
    assert maximum is not None
    limits_of(call.cloud).setdefault(owner["id"], {})[_BY_NUMBER[number][1]] = max(-1, maximum)
    return {"resourcelimit": _limit_row(call, owner, number)}


def list_regions(call: Call) -> Result:
    rows = [{"id": 1, "name": "Local", "endpoint": "http://localhost:8080/client/", "gslbserviceenabled": True,
             "portableipserviceenabled": False}]
    return ListResult(None, "region", rows, len(rows))


COMMANDS: dict[str, Handler] = {
    "listHosts": list_hosts, "listAccounts": list_accounts, "listDomains": list_domains, "listProjects": list_projects,
    "listStoragePools": list_storage_pools, "listCapacity": list_capacity,
    "listResourceLimits": list_resource_limits, "updateResourceLimit": update_resource_limit,
    "listRegions": list_regions,
}
