"""Create, list, update and delete for simple resources, driven by the 4.18 spec.

A :class:`Kind` says which table a resource lives in, which commands make, change, list and
delete it, what a new row starts with, and what it copies from the rows its parameters name
(a rule's ``ipaddressid`` gives it ``ipaddress``...). The rest comes from the spec: a request
parameter that is also a response field of the list command becomes a field of the row (typed
as the response says: booleans, numbers), the row keeps only fields the list command's response
has, and whether the answer is a job is the command's ``isasync``. Commands with real logic
(static NAT, load-balancer members, key generation...) have their own handlers and use
:func:`new_row`/:func:`lookup_owned` from here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..spec._spec import packaged_spec
from .dispatch import Call, Handler, JobAccepted, ListResult, Result, invalid_id
from .errors import PARAM_ERROR, ApiError, param_error, permission_error
from .listing import OWNED, list_rows
from .tables import Row

__all__ = ["Kind", "Ref", "handlers_for", "lookup_owned", "new_row", "owner_of_call", "typed"]

#: From a referenced row: the fields to copy into the new row.
Ref = tuple[str, str, Callable[[Row], dict[str, Any]]]
_NUMBER = frozenset({"integer", "int", "long", "short"})


@dataclass(frozen=True)
class Kind:
    table: str
    list: str
    create: str | None = None
    delete: str | None = None
    update: str | None = None
    instancetype: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: (parameter, table it names, fields to copy from the named row)
    refs: tuple[Ref, ...] = ()
    owned: bool = True
    #: the parameter naming the row for delete/update (``vmsnapshotid`` for VM snapshots)
    id_param: str = "id"
    #: fields computed from the call (after defaults, refs and parameters)
    derive: Callable[[Call, Row], dict[str, Any]] | None = None
    #: the key a single row is answered under, where it differs from the list's (``loadbalancer``)
    result_name: str | None = None


def typed(kind: str, value: str) -> Any:
    """A request value as the response field of type ``kind`` writes it."""
    if kind == "boolean":
        return value.lower() == "true"
    if kind in _NUMBER:
        try:
            return int(value)
        except ValueError:
            return value
    return value


def owner_of_call(call: Call) -> dict[str, Any]:
    """Whom a new row belongs to: the project named, the ``account`` an admin names, or the caller."""
    cloud = call.cloud
    if projectid := call.get("projectid"):
        project = cloud.projects.get(projectid)
        if project is None:
            raise invalid_id("projectid", projectid)
        return cloud.owner_fields(project=project)
    name = call.get("account")
    if name is not None and cloud.caller.is_admin:
        domainid = call.get("domainid") or cloud.caller.domainid
        account = next((a for a in cloud.accounts if a["name"] == name and a["domainid"] == domainid), None)
        if account is None:
            raise param_error(f"Unable to find account {name} in domain {domainid}")
        return cloud.owner_fields(account)
    return cloud.owner_fields(cloud.accounts.get(cloud.caller.accountid))


def lookup_owned(call: Call, table: str, param: str, required: bool = True, value: str | None = None) -> Row | None:
    """The row ``param`` names (or ``value``, one id of a list parameter): a 431 when it names
    nothing, a permission error (inside the job, for async commands) when a user names another
    account's row."""
    value = value if value is not None else call.get(param)
    if value is None:
        if required:
            raise ApiError(PARAM_ERROR, f"Unable to execute API command {call.command.lower()} due to missing"
                           f" parameter {param}")
        return None
    row = call.cloud.tables[table].get(value)
    if row is None:
        raise invalid_id(param, value)
    caller = call.cloud.caller
    objectname = call.cloud.tables[table].objectname
    shared = objectname not in OWNED and not (objectname in ("template", "iso") and row.get("ispublic") is False)
    if caller.is_admin or shared:  # offerings, zones, public images: anyone may name them
        return row
    account, domainid, _ = call.cloud.owners.get(row.get("id", ""), (row.get("account"), row.get("domainid"), False))
    if (account, domainid) != (caller.account, caller.domainid):
        raise permission_error(caller.account, f"{table} {value}")
    return row


def _fields(command: str) -> dict[str, str]:
    return {f.name: f.type for f in reversed(packaged_spec()[command].response)}


def new_row(call: Call, kind: Kind, **extra: Any) -> Row:
    """A row for ``kind`` from the call: defaults, owner, copied references, typed parameters."""
    fields = _fields(kind.list)
    cloud = call.cloud
    row: Row = {"id": cloud.uuid(), **kind.defaults}
    if kind.owned:
        row.update(owner_of_call(call))
    for name, table, copy in kind.refs:
        spec_param = call.api.param(name)
        named = lookup_owned(call, table, name, required=spec_param is not None and spec_param.required)
        if named is not None:
            row.update(copy(named))
    for param in call.api.params:
        value = call.get(param.name)
        if value is not None and param.name in fields and param.type != "map" and param.name not in row:
            row[param.name] = typed(fields[param.name], value)
    if "created" in fields:
        row.setdefault("created", cloud.now())
    if "tags" in fields:
        row.setdefault("tags", [])
    row.update(extra)
    if kind.derive is not None:
        row.update(kind.derive(call, row))
    if kind.owned and "account" not in fields and "projectid" not in fields:  # owned, but not said in the row
        cloud.owners[row["id"]] = (row.get("account"), row.get("domainid"), "projectid" in row)
    return {k: v for k, v in row.items() if k in fields}


def _create(kind: Kind) -> Handler:
    def handler(call: Call) -> Result:
        row = new_row(call, kind)
        table = call.cloud.tables[kind.table]
        objectname = kind.result_name or table.objectname
        if not call.api.isasync:
            table.add(row)
            return {objectname: dict(row)}

        def work() -> dict[str, Any]:
            table.add(row)
            return {objectname: dict(row)}

        return JobAccepted(call.jobs.submit(call.command, kind.instancetype, row["id"], work), id=row["id"])

    return handler


def _delete(kind: Kind) -> Handler:
    def handler(call: Call) -> Result:
        row = lookup_owned(call, kind.table, kind.id_param)
        assert row is not None
        table = call.cloud.tables[kind.table]
        if not call.api.isasync:
            table.remove(row["id"])
            return {"success": True}

        def work() -> dict[str, Any]:
            table.remove(row["id"])
            return {"success": True}

        return JobAccepted(call.jobs.submit(call.command, kind.instancetype, row["id"], work))

    return handler


def _update(kind: Kind) -> Handler:
    def handler(call: Call) -> Result:
        row = lookup_owned(call, kind.table, kind.id_param)
        assert row is not None
        fields = _fields(kind.list)
        table = call.cloud.tables[kind.table]
        changes = {p.name: typed(fields[p.name], value) for p in call.api.params
                   if p.name != kind.id_param and p.name in fields and (value := call.get(p.name)) is not None}
        objectname = kind.result_name or table.objectname
        if not call.api.isasync:
            return {objectname: dict(table.update(row["id"], **changes))}

        def work() -> dict[str, Any]:
            return {objectname: dict(table.update(row["id"], **changes))}

        return JobAccepted(call.jobs.submit(call.command, kind.instancetype, row["id"], work))

    return handler


def _list(kind: Kind) -> Handler:
    def handler(call: Call) -> ListResult:
        return list_rows(call, call.cloud.tables[kind.table])

    return handler


def handlers_for(kinds: tuple[Kind, ...]) -> dict[str, Handler]:
    """The command table entries of ``kinds`` (list, create, update, delete as each has them)."""
    table: dict[str, Handler] = {}
    for kind in kinds:
        table[kind.list] = _list(kind)
        for command, make in ((kind.create, _create), (kind.delete, _delete), (kind.update, _update)):
            if command is not None:
                table[command] = make(kind)
    return table
