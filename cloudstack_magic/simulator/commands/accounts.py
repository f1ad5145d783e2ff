"""Accounts, users, their API keys and roles; SSH key pairs; password and key resets for VMs.

A new account gets a user, the default limits and no key pair until ``registerUserKeys``;
keys work at once (the app looks callers up by key). Deleting an account removes its users,
keys and resources; a deleted or disabled user's keys stop working.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

from ..dispatch import Call, Handler, JobAccepted, ListResult, Result
from ..errors import ApiError, PARAM_ERROR, param_error, permission_error, state_error
from ..resources import Kind, lookup_owned, new_row, owner_of_call
from ..shapes import default_limits
from ..tables import Row

__all__ = ["COMMANDS"]

ACCOUNT_TYPES = {0: ("User", "User"), 1: ("Root Admin", "Admin"), 2: ("Domain Admin", "DomainAdmin")}
OWNED_TABLES = ("vms", "volumes", "snapshots", "networks", "publicips", "securitygroups", "sshkeypairs",
                "firewallrules", "egressrules", "portforwardingrules", "ipforwardingrules", "loadbalancerrules",
                "affinitygroups", "vmsnapshots")


def _fingerprint(blob: bytes) -> str:
    digest = hashlib.md5(blob).hexdigest()  # noqa: S324 - the SSH fingerprint format, not security
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def _only_admin_or_self(call: Call, user: Row) -> None:
    caller = call.cloud.caller
    if not caller.is_admin and user["id"] != caller.userid:
        raise permission_error(caller.account, f"user {user['id']}")


def create_ssh_key_pair(call: Call) -> Result:
    """A new key pair: the private key is in this answer only (the server keeps the public one)."""
    name = call.get("name") or ""
    _no_duplicate_key(call, name)
    public = secrets.token_bytes(279)
    private = base64.encodebytes(secrets.token_bytes(1190)).decode()
    kind = Kind("sshkeypairs", "listSSHKeyPairs")
    row = new_row(call, kind, fingerprint=_fingerprint(public), hasannotations=False)
    call.cloud.sshkeypairs.add(row)
    return {"keypair": {**row, "privatekey": f"-----BEGIN RSA PRIVATE KEY-----\n{private}-----END RSA PRIVATE KEY-----\n"}}


def register_ssh_key_pair(call: Call) -> Result:
    name = call.get("name") or ""
    _no_duplicate_key(call, name)
    parts = (call.get("publickey") or "").split()
    try:
        blob = base64.b64decode(parts[1], validate=True) if len(parts) >= 2 else b""
    except ValueError:
        blob = b""
    if not blob:
        raise param_error("Public key is invalid")
    row = new_row(call, Kind("sshkeypairs", "listSSHKeyPairs"), fingerprint=_fingerprint(blob), hasannotations=False)
    call.cloud.sshkeypairs.add(row)
    return {"keypair": dict(row)}


def _no_duplicate_key(call: Call, name: str) -> None:
    owner = owner_of_call(call)
    if any(k["name"] == name and k.get("account") == owner.get("account") and k.get("domainid") == owner["domainid"]
           for k in call.cloud.sshkeypairs):
        raise param_error(f"A key pair with name '{name}' already exists.")


def delete_ssh_key_pair(call: Call) -> Result:
    owner = owner_of_call(call)
    name = call.get("name")
    row = next((k for k in call.cloud.sshkeypairs if k["name"] == name and k.get("account") == owner.get("account")
                and k.get("domainid") == owner["domainid"]), None)
    if row is None:
        raise param_error(f"A key pair with name '{name}' does not exist for account {owner.get('account')} in"
                          f" specified domain id")
    call.cloud.sshkeypairs.remove(row["id"])
    return {"success": True}


def _stopped_vm_job(call: Call, what: str, change: dict[str, Any] | None = None) -> Result:
    vm = lookup_owned(call, "vms", "id")
    assert vm is not None
    if vm["state"] != "Stopped":
        raise state_error(f"Vm {vm['id']} should be stopped to do {what} reset")
    if what == "password" and not vm.get("passwordenabled"):
        raise state_error("Fail to reset password for the virtual machine, the template is not password enabled")
    keypair = call.get("keypair") or call.get("keypairs")
    if what == "SSH Key":
        owner = (vm.get("account"), vm.get("domainid"))
        if not any(k["name"] == keypair and (k.get("account"), k.get("domainid")) == owner
                   for k in call.cloud.sshkeypairs):
            raise state_error(f"A key pair with name '{keypair}' was not found for account {vm.get('account')}")

    def work() -> dict[str, Any]:
        password = secrets.token_urlsafe(9)
        fields: dict[str, Any] = {"keypairs": keypair} if what == "SSH Key" else {}
        row = call.cloud.vms.update(vm["id"], **fields)
        return {"virtualmachine": {**row, "password": password} if vm.get("passwordenabled") else dict(row)}

    return JobAccepted(call.jobs.submit(call.command, "VirtualMachine", vm["id"], work))


def _account_row(call: Call, name: str, accounttype: int, domain: Row) -> Row:
    rolename, roletype = ACCOUNT_TYPES.get(accounttype, ACCOUNT_TYPES[0])
    role = next((r for r in call.cloud.roles if r["name"] == rolename), None)
    return {"id": call.cloud.uuid(), "name": name, "accounttype": accounttype, "roletype": roletype,
            "rolename": rolename, **({"roleid": role["id"]} if role else {}), "domainid": domain["id"],
            "domain": domain["name"], "domainpath": domain["path"], "state": "enabled", "created": call.cloud.now(),
            "isdefault": False}


def _user_row(call: Call, account: Row) -> Row:
    return {"id": call.cloud.uuid(), "username": call.get("username"), "firstname": call.get("firstname"),
            "lastname": call.get("lastname"), "email": call.get("email"), "account": account["name"],
            "accountid": account["id"], "accounttype": account["accounttype"], "roletype": account["roletype"],
            "domainid": account["domainid"], "domain": account["domain"], "state": "enabled",
            "created": call.cloud.now(), "isdefault": False, "timezone": call.get("timezone"),
            **({"roleid": account["roleid"], "rolename": account["rolename"]} if "roleid" in account else {})}


def _admin_only(call: Call) -> None:
    if not call.cloud.caller.is_admin:
        raise ApiError(PARAM_ERROR, f"The API [{call.command}] does not exist or is not available for the account"
                       f" {call.cloud.caller.account}.")


def create_account(call: Call) -> Result:
    _admin_only(call)
    cloud = call.cloud
    domain = cloud.domains.get(call.get("domainid") or cloud.caller.domainid)
    if domain is None:
        raise param_error(f"Unable to find domain by id {call.get('domainid')}")
    name = call.get("account") or call.get("username") or ""
    if any(a["name"] == name and a["domainid"] == domain["id"] for a in cloud.accounts):
        raise param_error(f"The specified account: {name} already exists")
    role = cloud.roles.get(call.get("roleid")) if call.get("roleid") else None
    accounttype = call.integer("accounttype", None)
    if accounttype is None:
        accounttype = {"Admin": 1, "DomainAdmin": 2}.get(role["type"], 0) if role else 0
    account = _account_row(call, name, accounttype, domain)
    cloud.accounts.add(account)
    cloud.limits[account["id"]] = {k: -1 for k in default_limits()} if accounttype == 1 else default_limits()
    user = _user_row(call, account)
    cloud.users.add({k: v for k, v in user.items() if v is not None})
    return {"account": {**account, "user": [cloud.users.get(user["id"])]}}


def update_account(call: Call) -> Result:
    _admin_only(call)
    account = _named_account(call)
    fields: dict[str, Any] = {}
    if newname := call.get("newname"):
        fields["name"] = newname
        for user in [u for u in call.cloud.users if u["accountid"] == account["id"]]:
            call.cloud.users.update(user["id"], account=newname)
    return {"account": dict(call.cloud.accounts.update(account["id"], **fields))}


def _named_account(call: Call) -> Row:
    if call.get("id"):
        row = lookup_owned(call, "accounts", "id")
        assert row is not None
        return row
    name, domainid = call.get("account"), call.get("domainid") or call.cloud.caller.domainid
    found = next((a for a in call.cloud.accounts if a["name"] == name and a["domainid"] == domainid), None)
    if found is None:
        raise param_error(f"Unable to find account by name {name} in domain {domainid}")
    return found


def delete_account(call: Call) -> Result:
    _admin_only(call)
    account = lookup_owned(call, "accounts", "id")
    assert account is not None
    if account["id"] == call.cloud.caller.accountid:
        raise state_error("Deleting the account of the caller is not allowed")

    def work() -> dict[str, Any]:
        cloud = call.cloud
        for user in [u for u in cloud.users if u["accountid"] == account["id"]]:
            _drop_user(call, user)
        owner = (account["name"], account["domainid"])
        for table in OWNED_TABLES:
            for row in [r for r in cloud.tables[table] if (r.get("account"), r.get("domainid")) == owner]:
                cloud.tables[table].remove(row["id"])
        cloud.accounts.remove(account["id"])
        return {"success": True}

    return JobAccepted(call.jobs.submit(call.command, "Account", account["id"], work))


def _drop_user(call: Call, user: Row) -> None:
    for key in [k for k, (_, userid) in call.cloud.keys.items() if userid == user["id"]]:
        del call.cloud.keys[key]
    call.cloud.users.remove(user["id"])


def create_user(call: Call) -> Result:
    _admin_only(call)
    account = _named_account(call)
    user = {k: v for k, v in _user_row(call, account).items() if v is not None}
    call.cloud.users.add(user)
    return {"user": dict(user)}


def update_user(call: Call) -> Result:
    user = lookup_owned(call, "users", "id")
    assert user is not None
    _only_admin_or_self(call, user)
    fields = {k: call.get(k) for k in ("firstname", "lastname", "email", "username", "timezone") if call.get(k)}
    return {"user": dict(call.cloud.users.update(user["id"], **fields))}


def delete_user(call: Call) -> Result:
    _admin_only(call)
    user = lookup_owned(call, "users", "id")
    assert user is not None
    if user["id"] == call.cloud.caller.userid:
        raise param_error("Deleting the caller's own user is not allowed")
    _drop_user(call, user)
    return {"success": True}


def register_user_keys(call: Call) -> Result:
    user = lookup_owned(call, "users", "id")
    assert user is not None
    _only_admin_or_self(call, user)
    for key in [k for k, (_, userid) in call.cloud.keys.items() if userid == user["id"]]:
        del call.cloud.keys[key]
    apikey, secret = secrets.token_urlsafe(64), secrets.token_urlsafe(64)
    call.cloud.keys[apikey] = (secret, user["id"])
    return {"userkeys": {"apikey": apikey, "secretkey": secret}}


def get_user_keys(call: Call) -> Result:
    user = lookup_owned(call, "users", "id")
    assert user is not None
    _only_admin_or_self(call, user)
    found = [(k, secret) for k, (secret, userid) in call.cloud.keys.items() if userid == user["id"]]
    return {"userkeys": {"apikey": found[-1][0], "secretkey": found[-1][1]} if found else {}}


def list_roles(call: Call) -> Result:
    rows = [r for r in call.cloud.roles if all(
        call.get(f) in (None, r[f]) for f in ("id", "name", "type"))]
    return ListResult(None, "role", rows, len(rows))


def list_nics(call: Call) -> Result:
    vm = lookup_owned(call, "vms", "virtualmachineid")
    assert vm is not None
    rows = [nic for nic in vm["nic"] if call.get("nicid") in (None, nic["id"])
            and call.get("networkid") in (None, nic["networkid"])]
    return ListResult(None, "nic", rows, len(rows))


COMMANDS: dict[str, Handler] = {
    "createSSHKeyPair": create_ssh_key_pair, "registerSSHKeyPair": register_ssh_key_pair,
    "deleteSSHKeyPair": delete_ssh_key_pair,
    "resetSSHKeyForVirtualMachine": lambda call: _stopped_vm_job(call, "SSH Key"),
    "resetPasswordForVirtualMachine": lambda call: _stopped_vm_job(call, "password"),
    "createAccount": create_account, "updateAccount": update_account, "deleteAccount": delete_account,
    "createUser": create_user, "updateUser": update_user, "deleteUser": delete_user,
    "registerUserKeys": register_user_keys, "getUserKeys": get_user_keys, "listRoles": list_roles,
    "listNics": list_nics,
}
