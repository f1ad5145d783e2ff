"""Read-only commands: the inventory lists, async job queries, ``listApis``, ``listCapabilities``."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import Any

from ...spec._spec import Api, packaged_spec
from ..dispatch import Call, Handler, ListResult, Result, invalid_id
from ..listing import list_rows, page_of
from ..tables import Row, Table

__all__ = ["COMMANDS"]

#: Lists answered straight from their table (lists with derived numbers are in ``capacity``).
SIMPLE_LISTS = {
    "listUsers": "users", "listZones": "zones", "listPods": "pods", "listClusters": "clusters",
    "listOsTypes": "ostypes", "listServiceOfferings": "serviceofferings", "listDiskOfferings": "diskofferings",
    "listNetworks": "networks", "listVolumes": "volumes", "listSnapshots": "snapshots",
    "listPublicIpAddresses": "publicips", "listSecurityGroups": "securitygroups", "listSSHKeyPairs": "sshkeypairs",
    "listEvents": "events", "listTags": "tags", "listNetworkOfferings": "networkofferings",
}


def _simple(table_name: str) -> Handler:
    def handler(call: Call) -> Result:
        return list_rows(call, call.cloud.tables[table_name])

    return handler




def list_virtual_machines(call: Call) -> Result:
    extra: list[tuple[Hashable, Callable[[Row], bool]]] = []
    if networkid := call.get("networkid"):
        extra.append((("networkid", networkid), lambda row: any(n["networkid"] == networkid for n in row["nic"])))
    if groupname := call.get("group"):
        extra.append((("group", groupname), lambda row: row.get("group") == groupname))
    return list_rows(call, call.cloud.vms, exact_name=False, extra=extra)


def list_templates(call: Call) -> Result:
    # templatefilter (required): featured / self / selfexecutable / sharedexecutable / executable / community / all
    kind = (call.get("templatefilter") or "").lower()
    extra: list[tuple[Hashable, Callable[[Row], bool]]] = []
    if kind == "featured":
        extra.append((("featured",), lambda row: bool(row.get("isfeatured"))))
    elif kind in ("self", "selfexecutable", "sharedexecutable"):
        mine = call.cloud.caller.account
        extra.append((("self", mine), lambda row: row.get("account") == mine))
    elif kind == "community":
        extra.append((("community",), lambda row: bool(row.get("ispublic")) and not row.get("isfeatured")))
    return _per_zone(call, call.cloud.templates, extra)


def _per_zone(call: Call, table: Table, extra: list[tuple[Hashable, Callable[[Row], bool]]]) -> Result:
    """Templates and ISOs carry the zone they are listed for: ``zoneid`` picks that zone (only
    images in it); without it each image comes once, with the first zone it is in.

    A 4.18 server lists a cross-zone image once *per zone*, repeating its id; the package's
    client treats a repeated id in a listing as a list that changed while it was read, so the
    simulator lists each image once (a deliberate difference, noted in the README)."""
    unpaged = replace(call, params={k: v for k, v in call.params.items() if k not in ("page", "pagesize")})
    matching = list_rows(unpaged, table, extra=extra).rows
    zoneid = call.get("zoneid")
    zones = [z for z in call.cloud.zones if zoneid in (None, z["id"])]
    placed = call.cloud.image_zones
    rows = []
    for row in matching:
        zone = next((z for z in zones if row["id"] not in placed or z["id"] in placed[row["id"]]), None)
        if zone is not None:
            rows.append({**row, "zoneid": zone["id"], "zonename": zone["name"]})
    return ListResult(None, table.objectname, page_of(call, rows), len(rows))


def list_isos(call: Call) -> Result:
    extra: list[tuple[Hashable, Callable[[Row], bool]]] = []
    if call.get("bootable") is not None:
        wanted = call.flag("bootable")
        extra.append((("bootable", wanted), lambda row: row.get("bootable") is wanted))
    return _per_zone(call, call.cloud.isos, extra)


def list_async_jobs(call: Call) -> Result:
    """``QueryManagerImpl.searchForAsyncJobs``: the caller's jobs (``listall``/``domainid``/
    ``account`` widen it as for any owned resource), ``keyword`` matches ``cmd``, ``startdate``
    keeps jobs created on or after that day, oldest first, paged."""
    accounts = call.cloud.accounts
    call.jobs.finish_due()

    def owner(row: Row) -> tuple[str | None, str | None, bool]:
        account = accounts.get(row["accountid"]) or {}
        return account.get("name"), account.get("domainid"), False

    extra: list[tuple[Hashable, Callable[[Row], bool]]] = []
    if (since := call.date("startdate")) is not None:
        floor = since.strftime("%Y-%m-%dT%H:%M:%S+0000")  # same format and zone: text order is time order
        extra.append((("startdate", floor), lambda row: row["created"] >= floor))
    return list_rows(call, call.jobs.table, extra=extra, owner=owner, keyword_fields=("cmd",))


def query_async_job_result(call: Call) -> Result:
    jobid = call.get("jobid") or ""
    row = call.jobs.get(jobid)
    if row is None:
        raise invalid_id("jobid", jobid)
    return dict(row)


def list_apis(call: Call) -> Result:
    spec = packaged_spec()
    name = call.get("name")
    apis = [spec[name]] if name and name in spec else [] if name else list(spec.values())
    rows = [_api_row(api) for api in apis]
    return ListResult(None, "api", rows, len(rows))  # ListApisCmd is no BaseListCmd: never paged


def list_capabilities(call: Call) -> Result:
    return {"capability": {
        "cloudstackversion": "4.18.1.0", "securitygroupsenabled": False, "userpublictemplateenabled": True,
        "supportELB": "false", "projectinviterequired": False, "allowusercreateprojects": True,
        "customdiskofferingmaxsize": 1024, "customdiskofferingminsize": 1, "kubernetesserviceenabled": False,
        "kubernetesclusterexperimentalfeaturesenabled": False, "allowuserviewalldomainaccounts": False,
        "allowuserexpungerecovervolume": False, "instancesstatsretentiontime": 720, "instancesstatsuseronly": False,
        "instancesdisksstatsretentionenabled": False, "instancesdisksstatsretentiontime": 720, "regionsecondaryenabled": False, "kvmsnapshotenabled": True,
        "allowuserviewdestroyedvm": False, "allowuserexpungerecovervm": False, "apilimitinterval": 1,
        "apilimitmax": 0, "defaultuipagesize": call.page_size_limit, "dynamicrolesenabled": True,
    }}


def _api_row(api: Api) -> Row:
    row: dict[str, Any] = {"name": api.name, "description": api.description, "isasync": api.isasync}
    if api.since:
        row["since"] = api.since
    if api.related:
        row["related"] = ",".join(api.related)
    row["params"] = [
        {k: v for k, v in (("name", p.name), ("description", p.description), ("type", p.type),
                           ("length", p.length), ("required", p.required), ("since", p.since),
                           ("related", ",".join(p.related) or None)) if v is not None}
        for p in api.params
    ]
    row["response"] = [{"name": f.name, "description": f.description, "type": f.type} for f in api.response]
    return row


COMMANDS: dict[str, Handler] = {
    **{name: _simple(table) for name, table in SIMPLE_LISTS.items()},
    "listVirtualMachines": list_virtual_machines,
    "listTemplates": list_templates,
    "listIsos": list_isos,
    "listAsyncJobs": list_async_jobs,
    "queryAsyncJobResult": query_async_job_result,
    "listApis": list_apis,
    "listCapabilities": list_capabilities,
}
