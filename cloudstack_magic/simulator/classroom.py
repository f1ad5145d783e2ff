"""Accounts for a class: ``Settings(accounts=N)`` adds ``student01``... ``studentNN``.

Each is a user account of the ``Class`` domain with its own user, key pair, guest network per
zone (with its source-NAT address), default security group and SSH key pair, and no VMs yet:
what a student sees with its own key is only what it makes. Keys are drawn from a generator
seeded by the simulator's seed, so a class's ``cloudstack.ini`` stays valid across restarts.
"""

from __future__ import annotations

import random

from .seed import BASE_TIME
from .shapes import default_limits
from .state import Cloud, format_date
from .tables import Row

__all__ = ["CLASS_DOMAIN", "add_class_accounts", "student_name"]

CLASS_DOMAIN = "Class"


def student_name(number: int) -> str:
    return f"student{number:02d}"


def add_class_accounts(cloud: Cloud, count: int) -> None:
    keys = random.Random(f"class-keys-{cloud.seed}")
    root = next(d for d in cloud.domains if d["level"] == 0)
    domain: Row = {"id": cloud.uuid(), "name": CLASS_DOMAIN, "level": 1, "parentdomainid": root["id"],
                   "parentdomainname": root["name"], "path": f"ROOT/{CLASS_DOMAIN}", "haschild": False,
                   "state": "Active"}
    cloud.domains.add(domain)
    created = format_date(BASE_TIME)
    template_account = next(a for a in cloud.accounts if a["accounttype"] == 0)
    template_user = next(u for u in cloud.users if u["accounttype"] == 0)
    for number in range(1, count + 1):
        name = student_name(number)
        account = {**template_account, "id": cloud.uuid(), "name": name, "domainid": domain["id"],
                   "domain": domain["name"], "domainpath": domain["path"], "created": created, "isdefault": False}
        cloud.accounts.add(account)
        cloud.limits[account["id"]] = default_limits()
        user = {**template_user, "id": cloud.uuid(), "username": name, "firstname": name.title(),
                "lastname": "Class", "email": f"{name}@example.org", "account": name, "accountid": account["id"],
                "domainid": domain["id"], "domain": domain["name"], "created": created, "isdefault": False}
        cloud.users.add(user)
        cloud.keys[f"{keys.getrandbits(256):064x}"] = (f"{keys.getrandbits(256):064x}", user["id"])
        owner = {"account": name, "domainid": domain["id"], "domain": domain["name"]}
        for zone in cloud.zones:
            _add_network(cloud, zone, owner)
        cloud.securitygroups.add({"id": cloud.uuid(), "name": "default", "description": "Default Security Group",
                                  **owner, "ingressrule": [], "egressrule": [], "tags": []})
        cloud.sshkeypairs.add({"id": cloud.uuid(), "name": f"{name}-laptop", **owner,
                               "fingerprint": ":".join(f"{keys.getrandbits(8):02x}" for _ in range(16))})


def _add_network(cloud: Cloud, zone: Row, owner: dict[str, str]) -> None:
    """A guest network like the seeded ones, in the next free 10.N.0.0/16."""
    shape = next(n for n in cloud.networks if n["zoneid"] == zone["id"] and "account" in n)
    number = max(numbers[0] for numbers in cloud.network_numbers.values()) + 1
    name = f"{owner['account']}-{zone['name']}-net"
    network = {**shape, "id": cloud.uuid(), "name": name, "displaytext": name, "cidr": f"10.{number}.0.0/16",
               "gateway": f"10.{number}.0.1", "broadcasturi": f"vlan://{100 + number}", **owner, "tags": []}
    network["related"] = network["id"]
    cloud.networks.add(network)
    cloud.network_numbers[network["id"]] = [number, 1]
    source_nat = next(ip for ip in cloud.publicips if ip.get("associatednetworkid") == shape["id"])
    cloud.publicips.add({**source_nat, "id": cloud.uuid(), "ipaddress": f"203.0.{number // 250}.{number % 250 + 1}",
                         "associatednetworkid": network["id"], "associatednetworkname": name, **owner, "tags": []})
