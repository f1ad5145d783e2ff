"""List commands: the common filters, ownership rules and paging of ``BaseListCmd``.

``list_rows`` is the one path every list handler takes: visibility (caller's account, or
``listall``/``domainid``/``account``/``projectid``), then filters, then the page. Filter results
are cached per table version, so paging through 20,000 VMs filters once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from .dispatch import Call, ListResult, invalid_id
from .errors import param_error
from .tables import Row, Table

__all__ = ["FIELD_FILTERS", "Owner", "list_rows", "page_of", "row_owner"]

UNLIMITED = -1
#: Parameters that filter by equality on a field of the same name, when the row has it.
FIELD_FILTERS = (
    "templateid", "serviceofferingid", "hostid", "podid", "clusterid", "virtualmachineid", "volumeid", "type",
    "resourcetype", "resourceid", "key", "value", "hypervisor", "ipaddress", "associatednetworkid", "level",
    "snapshottype", "intervaltype", "username", "accounttype", "diskofferingid", "oscategoryid",
    "forvirtualnetwork", "issourcenat", "isstaticnat", "traffictype",
)
#: Tables whose rows belong to an account or project (others are visible to everyone).
OWNED = frozenset({"virtualmachine", "volume", "snapshot", "network", "publicipaddress", "securitygroup",
                   "sshkeypair", "event", "tag", "asyncjobs", "firewallrule", "portforwardingrule",
                   "ipforwardingrule", "loadbalancerrule", "affinitygroup", "vmsnapshot"})


#: For a user caller: which field of these rows must be its own account (or domain).
SELF_ONLY = {"account": "name", "user": "account", "domain": "id"}


def page_of(call: Call, rows: list[Row]) -> list[Row]:
    """Apply ``page``/``pagesize`` exactly as ``BaseListCmd`` validates and applies them."""
    page, pagesize = call.integer("page"), call.integer("pagesize")
    if page is None and pagesize is not None and pagesize != UNLIMITED:
        raise param_error('"page" parameter is required when "pagesize" is specified')
    if pagesize is None and page is not None:
        raise param_error('"pagesize" parameter is required when "page" is specified')
    limit = call.page_size_limit
    if pagesize is not None and limit != UNLIMITED and pagesize > limit:
        raise param_error(f"Page size can't exceed max allowed page size value: {limit}")
    if pagesize == UNLIMITED:
        if page is not None:
            raise param_error("Can't specify page parameter when pagesize is -1 (Unlimited)")
        return rows
    if pagesize is None:
        return rows if limit == UNLIMITED else rows[:limit]
    start = pagesize * (max(page or 1, 1) - 1)
    return rows[start : start + max(pagesize, 0)]


#: Who owns a row: (account name, domain id, belongs to a project).
Owner = Callable[[Row], tuple[str | None, str | None, bool]]


def row_owner(row: Row) -> tuple[str | None, str | None, bool]:
    """Rows of owned resources carry ``account``/``domainid`` (or ``projectid``) themselves."""
    return row.get("account"), row.get("domainid"), "projectid" in row


def _with_hidden_owners(hidden: dict[str, tuple[str | None, str | None, bool]], owner: Owner) -> Owner:
    """Rows whose response has no owner fields are owned through ``cloud.owners``."""
    if not hidden:
        return owner

    def effective(row: Row) -> tuple[str | None, str | None, bool]:
        found = hidden.get(row.get("id", "")) if "account" not in row and "projectid" not in row else None
        return found if found is not None else owner(row)

    return effective


def _visibility(call: Call, table: Table, owner: Owner) -> tuple[Hashable, Callable[[Row], bool]] | None:
    cloud = call.cloud
    caller = cloud.caller
    if table.objectname in SELF_ONLY and not caller.is_admin:  # a user sees its own account, user, domain
        field, own = SELF_ONLY[table.objectname], (caller.account if table.objectname != "domain" else caller.domainid)
        return ("self", table.objectname, own), lambda row: row.get(field) == own
    if table.objectname not in OWNED:
        return None
    owner = _with_hidden_owners(cloud.owners, owner)
    projectid = call.get("projectid")
    if projectid == "-1":
        return ("projects",), lambda row: owner(row)[2]
    if projectid:
        if projectid not in cloud.projects:
            raise invalid_id("projectid", projectid)
        return ("project", projectid), lambda row: row.get("projectid") == projectid
    domainid, account = call.get("domainid"), call.get("account")
    if not cloud.caller.is_admin or (domainid is None and account is None and not call.flag("listall")):
        mine: tuple[str | None, str | None, bool] = (caller.account, caller.domainid, False)
        return ("own", *mine), lambda row: owner(row) == mine  # the key names the caller: cached per caller
    domain_ids: set[str] | None = None
    if domainid is not None:
        domain = cloud.domains.get(domainid)
        if domain is None:
            raise invalid_id("domainid", domainid)
        if call.flag("isrecursive") or (call.flag("listall") and account is None):
            prefix = domain["path"]
            domain_ids = {d["id"] for d in cloud.domains if d["path"] == prefix or d["path"].startswith(prefix + "/")}
        else:
            domain_ids = {domainid}
    if account is not None and domain_ids is None:
        domain_ids = {cloud.caller.domainid}

    def visible(row: Row) -> bool:
        name, row_domain, in_project = owner(row)
        if in_project:
            return False
        if domain_ids is not None and row_domain not in domain_ids:
            return False
        return account is None or name == account

    return ("scope", domainid, account, call.flag("isrecursive"), call.flag("listall")), visible


def list_rows(call: Call, table: Table, *, exact_name: bool = True,
              extra: list[tuple[Hashable, Callable[[Row], bool]]] | None = None,
              owner: Owner = row_owner,
              keyword_fields: tuple[str, ...] = ("name", "displayname", "displaytext", "description")) -> ListResult:
    """Filter ``table`` by the call's parameters, then page it."""
    tests: list[tuple[Hashable, Callable[[Row], bool]]] = []
    if (scope := _visibility(call, table, owner)) is not None:
        tests.append(scope)
    if row_id := _given(call, "id"):
        tests.append((("id", row_id), lambda row: row.get("id") == row_id))
    if ids := (call.ids("ids") if call.api.param("ids") else []):
        wanted = frozenset(ids)
        tests.append((("ids", wanted), lambda row: row.get("id") in wanted))
    if wanted_name := _given(call, "name"):
        if exact_name:
            tests.append((("name", wanted_name), lambda row: row.get("name") == wanted_name))
        else:  # listVirtualMachines matches names with LIKE %name%
            tests.append((("name~", wanted_name), lambda row: wanted_name in row.get("name", "")))
    if keyword := _given(call, "keyword"):
        needle = keyword.lower()
        tests.append((("keyword", needle, keyword_fields), lambda row: any(
            needle in str(row.get(f, "")).lower() for f in keyword_fields)))
    if state := _given(call, "state"):
        wanted_state = state.lower()
        if wanted_state == "present":
            tests.append((("state", "present"), lambda row: row.get("state") not in ("Destroyed", "Expunging")))
        else:
            tests.append((("state", wanted_state), lambda row: str(row.get("state", "")).lower() == wanted_state))
    if zoneid := _given(call, "zoneid"):
        tests.append((("zoneid", zoneid), lambda row: row.get("zoneid", zoneid) == zoneid))
    for field in FIELD_FILTERS:
        if (value := call.get(field)) is not None and call.api.param(field) is not None:
            tests.append(((field, value), _field_equals(field, value)))
    if tags := [t for t in call.map("tags") if "key" in t and call.api.param("tags")]:
        pairs = tuple((t["key"], t.get("value")) for t in tags)
        tests.append((("tags", pairs), lambda row: all(
            any(tag["key"] == k and (v is None or tag["value"] == v) for tag in row.get("tags", ()))
            for k, v in pairs)))
    tests.extend(extra or ())
    predicate: Callable[[Row], bool] | None = None
    if tests:
        checks = [test for _, test in tests]
        predicate = (lambda row: all(check(row) for check in checks)) if len(checks) > 1 else checks[0]
    matching = table.select(tuple(key for key, _ in tests), predicate)
    return ListResult(table, table.objectname, page_of(call, matching), len(matching))


def _given(call: Call, name: str) -> str | None:
    """A filter's value, if the command has that parameter (the server ignores others)."""
    return call.get(name) if call.api.param(name) is not None else None


def _field_equals(name: str, value: str) -> Callable[[Row], bool]:
    lowered = value.lower()

    def equals(row: Row) -> bool:
        field = row.get(name)
        return field is not None and str(field).lower() == lowered

    return equals
