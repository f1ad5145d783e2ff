"""The simulated cloud: every table, the caller, id and time helpers, capacity.

One :class:`Cloud` per simulator. ``inventory.seed`` fills it deterministically from a seed;
command handlers read and change it; ``jobs.JobEngine`` finishes async work on it later.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import itemgetter
from typing import Any

from .tables import Row, Table

__all__ = ["Caller", "Cloud", "format_date", "new_uuid"]

#: Tables and the JSON key their list command answers under.
TABLES = {
    "domains": "domain",
    "accounts": "account",
    "users": "user",
    "projects": "project",
    "zones": "zone",
    "pods": "pod",
    "clusters": "cluster",
    "hosts": "host",
    "ostypes": "ostype",
    "templates": "template",
    "isos": "iso",
    "serviceofferings": "serviceoffering",
    "diskofferings": "diskoffering",
    "networks": "network",
    "vms": "virtualmachine",
    "volumes": "volume",
    "snapshots": "snapshot",
    "publicips": "publicipaddress",
    "securitygroups": "securitygroup",
    "sshkeypairs": "sshkeypair",
    "events": "event",
    "tags": "tag",
    "storagepools": "storagepool",
    "networkofferings": "networkoffering",
    "firewallrules": "firewallrule",
    "egressrules": "firewallrule",
    "portforwardingrules": "portforwardingrule",
    "ipforwardingrules": "ipforwardingrule",
    "loadbalancerrules": "loadbalancerrule",
    "affinitygroups": "affinitygroup",
    "vmsnapshots": "vmsnapshot",
    "roles": "role",
}


def new_uuid(rng: random.Random) -> str:
    """A version-4 UUID string drawn from ``rng`` (deterministic under a seed, and fast)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def format_date(moment: float) -> str:
    """CloudStack's date format: ``2026-05-04T10:22:31+0000``."""
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class Caller:
    """Who the API key belongs to: the root admin of the ROOT domain, as a demo key would."""

    account: str = "admin"
    accountid: str = ""
    domainid: str = ""
    domain: str = "ROOT"
    userid: str = ""
    username: str = "admin"
    #: 0 user, 1 root admin, 2 domain admin (the account's ``accounttype``)
    accounttype: int = 1

    @property
    def is_admin(self) -> bool:
        return self.accounttype == 1

    @classmethod
    def of(cls, user: Row) -> Caller:
        return cls(account=user["account"], accountid=user["accountid"], domainid=user["domainid"],
                   domain=user["domain"], userid=user["id"], username=user["username"],
                   accounttype=user["accounttype"])


@dataclass
class Cloud:
    """All simulated state. ``rng`` drives seeding and new ids, so a run is reproducible."""

    seed: int
    rng: random.Random = field(init=False)
    tables: dict[str, Table] = field(init=False)
    caller: Caller = field(default_factory=Caller)
    #: zone id -> [cores allocated, cores available]; deploys past it fail with 533.
    capacity: dict[str, list[int]] = field(default_factory=dict)
    #: network id -> [network number (its 10.N.0.0/16), addresses handed out]
    network_numbers: dict[str, list[int]] = field(default_factory=dict)
    counter: int = 0
    #: zone id -> its physical network id; zone id -> its primary storage pools (volumes go there)
    physical_networks: dict[str, str] = field(default_factory=dict)
    pools_by_zone: dict[str, list[Row]] = field(default_factory=dict)
    #: owner (account id or domain id) -> limit kind ("vm", "cpu"...) -> max (-1: unlimited)
    limits: dict[str, dict[str, int]] = field(default_factory=dict)
    #: the seeded accounts' limits are still to be derived (``shapes.limits_of``)
    limits_pending: bool = False
    system_account_id: str = ""
    #: row id -> (account, domain id, in a project) for owned rows whose 4.18 response has no
    #: owner fields (port-forwarding and IP-forwarding rules, firewall rules...)
    owners: dict[str, tuple[str | None, str | None, bool]] = field(default_factory=dict)
    #: template/ISO id -> the zones it is in (absent: every zone)
    image_zones: dict[str, list[str]] = field(default_factory=dict)
    #: load-balancer rule id -> the VM ids assigned to it
    lb_members: dict[str, list[str]] = field(default_factory=dict)
    #: api key -> (secret key, user id): the key pairs the simulator accepts (never in a row)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.tables = {
            name: Table(objectname, key=itemgetter("resourceid", "key") if name == "tags" else itemgetter("id"))
            for name, objectname in TABLES.items()
        }

    def __getattr__(self, name: str) -> Table:
        # cloud.vms, cloud.zones …: the tables read like attributes in handlers.
        tables: dict[str, Table] | None = self.__dict__.get("tables")
        if tables is not None and name in tables:
            return tables[name]
        raise AttributeError(name)

    def uuid(self) -> str:
        return new_uuid(self.rng)

    def now(self) -> str:
        return format_date(time.time())

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    def owner_fields(self, account: Row | None = None, project: Row | None = None) -> dict[str, Any]:
        """The ownership fields a row carries: account/domain, or project for project rows."""
        if project is not None:
            return {
                "projectid": project["id"], "project": project["name"],
                "domainid": project["domainid"], "domain": project["domain"],
            }
        account = account or self.accounts.get(self.caller.accountid)
        assert account is not None
        return {"account": account["name"], "domainid": account["domainid"], "domain": account["domain"]}
