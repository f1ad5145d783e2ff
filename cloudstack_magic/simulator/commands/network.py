"""Public IPs, static NAT, firewall/egress/port-forwarding/IP-forwarding and load-balancer rules,
security groups, networks and network offerings — what libcloud, cs and CloudMonkey call.

Simple create/list/delete/update come from :mod:`..resources` (driven by the spec); the
handlers here hold the rules of the server: a source-NAT address is not released, static NAT
needs a VM and excludes source NAT, IP forwarding needs static NAT, a network with VMs is not
deleted; state errors of async commands fail the job (``state_error``).
"""

from __future__ import annotations

from typing import Any

from ..dispatch import Call, Handler, JobAccepted, ListResult, Result
from ..errors import param_error, state_error
from ..resources import Kind, handlers_for, lookup_owned, new_row
from ..shapes import NETWORK_FIELDS
from ..tables import Row

__all__ = ["COMMANDS"]

RULE_DEFAULTS = {"state": "Active", "fordisplay": True, "cidrlist": ""}


def _ip_fields(ip: Row) -> dict[str, Any]:
    return {"ipaddress": ip["ipaddress"], "ipaddressid": ip["id"], "networkid": ip.get("associatednetworkid")}


def _vm_fields(vm: Row) -> dict[str, Any]:
    return {"virtualmachineid": vm["id"], "virtualmachinename": vm["name"],
            "virtualmachinedisplayname": vm["displayname"], "vmguestip": vm["nic"][0]["ipaddress"]}


def _port_range(call: Call, row: Row) -> dict[str, Any]:
    fields = {}
    for start, end in (("publicport", "publicendport"), ("privateport", "privateendport"), ("startport", "endport")):
        if start in row and end not in row:
            fields[end] = row[start]
    return fields


def _static_nat_target(call: Call, row: Row) -> dict[str, Any]:
    ip = call.cloud.publicips.get(row["ipaddressid"]) or {}
    if not ip.get("isstaticnat"):
        raise state_error(f"Unable to create ip forwarding rule: static nat is not enabled on {ip.get('ipaddress')}")
    return {k: ip[k] for k in ("virtualmachineid", "virtualmachinename", "virtualmachinedisplayname") if k in ip} | {
        "vmguestip": ip.get("vmipaddress"), **_port_range(call, row)}


KINDS = (
    Kind("firewallrules", "listFirewallRules", "createFirewallRule", "deleteFirewallRule",
         instancetype="FirewallRule", defaults={**RULE_DEFAULTS, "traffictype": "Ingress"},
         refs=(("ipaddressid", "publicips", _ip_fields),), derive=_port_range),
    Kind("egressrules", "listEgressFirewallRules", "createEgressFirewallRule", "deleteEgressFirewallRule",
         instancetype="FirewallRule", defaults={**RULE_DEFAULTS, "traffictype": "Egress"}, derive=_port_range),
    Kind("portforwardingrules", "listPortForwardingRules", "createPortForwardingRule", "deletePortForwardingRule",
         "updatePortForwardingRule", instancetype="FirewallRule", defaults=RULE_DEFAULTS,
         refs=(("ipaddressid", "publicips", _ip_fields), ("virtualmachineid", "vms", _vm_fields)),
         derive=_port_range),
    Kind("ipforwardingrules", "listIpForwardingRules", "createIpForwardingRule", "deleteIpForwardingRule",
         instancetype="FirewallRule", defaults=RULE_DEFAULTS, refs=(("ipaddressid", "publicips", _ip_fields),),
         derive=_static_nat_target),
    Kind("loadbalancerrules", "listLoadBalancerRules", "createLoadBalancerRule", "deleteLoadBalancerRule",
         "updateLoadBalancerRule", instancetype="FirewallRule", defaults={**RULE_DEFAULTS, "state": "Add"},
         result_name="loadbalancer",
         refs=(("publicipid", "publicips", lambda ip: {"publicip": ip["ipaddress"], "publicipid": ip["id"],
                                                       "zoneid": ip["zoneid"], "zonename": ip["zonename"],
                                                       "networkid": ip.get("associatednetworkid")}),)),
    Kind("securitygroups", "listSecurityGroups", "createSecurityGroup",
         defaults={"ingressrule": [], "egressrule": [], "virtualmachinecount": 0, "virtualmachineids": []}),
    Kind("networkofferings", "listNetworkOfferings", "createNetworkOffering", "deleteNetworkOffering",
         "updateNetworkOffering", owned=False,
         defaults={"state": "Disabled", "isdefault": False, "conservemode": True, "specifyvlan": False,
                   "specifyipranges": False, "availability": "Optional", "forvpc": False, "ispersistent": False,
                   "egressdefaultpolicy": False, "supportsstrechedl2subnet": False, "supportspublicaccess": False,
                   "networkrate": 200, "service": [], "internetprotocol": "IPv4", "hasannotations": False}),
    Kind("networks", "listNetworks", update="updateNetwork", instancetype="Network"),
)


def associate_ip(call: Call) -> Result:
    cloud = call.cloud
    network = lookup_owned(call, "networks", "networkid", required=False)
    zone = cloud.zones.get(network["zoneid"] if network else call.get("zoneid"))
    if zone is None:
        raise param_error("Please specify a network id or a zone id to associate an IP address with")
    number = cloud.next_number()
    kind = Kind("publicips", "listPublicIpAddresses")
    row = new_row(call, kind, ipaddress=f"198.51.{number // 250 % 250}.{number % 250 + 1}", issourcenat=False,
                  isstaticnat=False, state="Allocating", zoneid=zone["id"], zonename=zone["name"],
                  allocated=cloud.now(), forvirtualnetwork=True, fordisplay=True, isportable=False, issystem=False,
                  vlanid=cloud.uuid(), vlanname="vlan://untagged",
                  physicalnetworkid=cloud.physical_networks.get(zone["id"]), hasannotations=False)
    if network is not None:
        row.update(associatednetworkid=network["id"], associatednetworkname=network["name"], networkid=network["id"])
    cloud.publicips.add(row)

    def work() -> dict[str, Any]:
        return {"ipaddress": dict(cloud.publicips.update(row["id"], state="Allocated"))}

    return JobAccepted(call.jobs.submit(call.command, "IpAddress", row["id"], work), id=row["id"])


def disassociate_ip(call: Call) -> Result:
    ip = lookup_owned(call, "publicips", "id")
    assert ip is not None
    if ip.get("issourcenat"):
        raise state_error(f"IP address id={ip['id']} is a source NAT address and can not be released")

    def work() -> dict[str, Any]:
        cloud = call.cloud
        for table in ("firewallrules", "portforwardingrules", "ipforwardingrules"):
            for rule in [r for r in cloud.tables[table] if r.get("ipaddressid") == ip["id"]]:
                cloud.tables[table].remove(rule["id"])
        cloud.publicips.remove(ip["id"])
        return {"success": True}

    return JobAccepted(call.jobs.submit(call.command, "IpAddress", ip["id"], work))


def enable_static_nat(call: Call) -> Result:
    ip = lookup_owned(call, "publicips", "ipaddressid")
    vm = lookup_owned(call, "vms", "virtualmachineid")
    assert ip is not None and vm is not None
    if ip.get("issourcenat"):
        raise param_error("Can't enable static nat on the source nat ip address")
    if ip.get("isstaticnat") and ip.get("virtualmachineid") != vm["id"]:
        raise param_error(f"Failed to enable static nat for the ip address id={ip['id']} as it is already"
                          f" assigned to vm {ip.get('virtualmachinename')}")
    call.cloud.publicips.update(ip["id"], isstaticnat=True, virtualmachineid=vm["id"],
                                virtualmachinename=vm["name"], virtualmachinedisplayname=vm["displayname"],
                                vmipaddress=vm["nic"][0]["ipaddress"])
    return {"success": True}


def disable_static_nat(call: Call) -> Result:
    ip = lookup_owned(call, "publicips", "ipaddressid")
    assert ip is not None
    if not ip.get("isstaticnat"):
        raise state_error(f"Specified IP address id is not associated with any vm Id: {ip['id']}")

    def work() -> dict[str, Any]:
        cloud = call.cloud
        for rule in [r for r in cloud.ipforwardingrules if r.get("ipaddressid") == ip["id"]]:
            cloud.ipforwardingrules.remove(rule["id"])
        cloud.publicips.update(ip["id"], isstaticnat=False, virtualmachineid=None, virtualmachinename=None,
                               virtualmachinedisplayname=None, vmipaddress=None)
        return {"success": True}

    return JobAccepted(call.jobs.submit(call.command, "IpAddress", ip["id"], work))


def _load_balancer(call: Call) -> tuple[Row, list[Row]]:
    rule = lookup_owned(call, "loadbalancerrules", "id")
    assert rule is not None
    vms = [vm for vm_id in call.ids("virtualmachineids")
           if (vm := lookup_owned(call, "vms", "virtualmachineids", value=vm_id)) is not None]
    return rule, vms


def assign_to_load_balancer(call: Call) -> Result:
    rule, vms = _load_balancer(call)
    members = call.cloud.lb_members.setdefault(rule["id"], [])
    if not vms:
        raise param_error("Unable to execute API command assigntoloadbalancerrule due to missing parameter"
                          " virtualmachineids")

    def work() -> dict[str, Any]:
        members.extend(vm["id"] for vm in vms if vm["id"] not in members)
        return {"success": True}

    return JobAccepted(call.jobs.submit(call.command, "FirewallRule", rule["id"], work))


def remove_from_load_balancer(call: Call) -> Result:
    rule, vms = _load_balancer(call)
    members = call.cloud.lb_members.setdefault(rule["id"], [])
    missing = [vm["id"] for vm in vms if vm["id"] not in members]
    if missing:
        raise state_error(f"Failed to remove vm(s) {', '.join(missing)} from the load balancer rule {rule['id']}:"
                          " they are not assigned to it")

    def work() -> dict[str, Any]:
        for vm in vms:
            members.remove(vm["id"])
        return {"success": True}

    return JobAccepted(call.jobs.submit(call.command, "FirewallRule", rule["id"], work))


def list_load_balancer_instances(call: Call) -> Result:
    rule = lookup_owned(call, "loadbalancerrules", "id")
    assert rule is not None
    rows = [dict(vm) for vm_id in call.cloud.lb_members.get(rule["id"], []) if (vm := call.cloud.vms.get(vm_id))]
    return ListResult(None, "loadbalancerruleinstance", rows, len(rows))


def _security_group(call: Call) -> Row:
    if call.get("securitygroupid"):
        group = lookup_owned(call, "securitygroups", "securitygroupid")
        assert group is not None
        return group
    name = call.get("securitygroupname") or call.get("name")
    caller = call.cloud.caller
    group = next((g for g in call.cloud.securitygroups if g["name"] == name and g.get("account") == (
        call.get("account") or caller.account)), None)
    if group is None:
        raise param_error(f"Unable to find security group by name {name}" if name else
                          "Either securitygroupid or securitygroupname must be specified")
    return group


def _authorize(direction: str) -> Handler:
    def handler(call: Call) -> Result:
        group = _security_group(call)
        protocol = (call.get("protocol") or "tcp").lower()
        rules = []
        for cidr in call.ids("cidrlist") or ["0.0.0.0/0"]:
            rule: Row = {"ruleid": call.cloud.uuid(), "protocol": protocol, "cidr": cidr, "tags": []}
            for name in ("startport", "endport", "icmptype", "icmpcode"):
                if (value := call.integer(name)) is not None:
                    rule[name] = value
            rules.append(rule)

        def work() -> dict[str, Any]:
            group[f"{direction}rule"] = [*group.get(f"{direction}rule", []), *rules]
            call.cloud.securitygroups.touch(group["id"])
            return {"securitygroup": dict(group)}

        return JobAccepted(call.jobs.submit(call.command, "SecurityGroup", group["id"], work))

    return handler


def _revoke(direction: str) -> Handler:
    def handler(call: Call) -> Result:
        ruleid = call.get("id")
        group = next((g for g in call.cloud.securitygroups
                      if any(r["ruleid"] == ruleid for r in g.get(f"{direction}rule", []))), None)
        if group is None:
            raise state_error(f"Unable to find {direction} rule {ruleid}")

        def work() -> dict[str, Any]:
            group[f"{direction}rule"] = [r for r in group[f"{direction}rule"] if r["ruleid"] != ruleid]
            call.cloud.securitygroups.touch(group["id"])
            return {"success": True}

        return JobAccepted(call.jobs.submit(call.command, "SecurityGroup", group["id"], work))

    return handler


def delete_security_group(call: Call) -> Result:
    group = _security_group(call) if not call.get("id") else lookup_owned(call, "securitygroups", "id")
    assert group is not None
    if group["name"] == "default":
        raise param_error("The network group default is reserved and can not be deleted")
    call.cloud.securitygroups.remove(group["id"])
    return {"success": True}


def create_network(call: Call) -> Result:
    cloud = call.cloud
    offering = lookup_owned(call, "networkofferings", "networkofferingid")
    zone = lookup_owned(call, "zones", "zoneid")
    assert offering is not None and zone is not None
    number = max(numbers[0] for numbers in cloud.network_numbers.values()) + 1
    kind = Kind("networks", "listNetworks", defaults=NETWORK_FIELDS)
    row = new_row(call, kind, zonename=zone["name"], networkofferingname=offering["name"],
                  networkofferingdisplaytext=offering["displaytext"], networkofferingavailability=offering["availability"],
                  type=offering["guestiptype"], traffictype="Guest", state="Allocated", acltype="Account",
                  cidr=f"10.{number}.0.0/16", gateway=call.get("gateway") or f"10.{number}.0.1",
                  netmask=call.get("netmask") or "255.255.0.0", broadcastdomaintype="Vlan", ispersistent=False,
                  restartrequired=False, specifyipranges=False, canusefordeploy=True,
                  physicalnetworkid=cloud.physical_networks.get(zone["id"]), networkdomain=f"cs{number}cloud.internal",
                  service=offering.get("service", []))
    row["related"] = row["id"]
    cloud.networks.add(row)
    cloud.network_numbers[row["id"]] = [number, 1]
    return {"network": dict(row)}


def _network_job(call: Call, finish: str) -> Result:
    network = lookup_owned(call, "networks", "id")
    assert network is not None
    in_use = any(nic["networkid"] == network["id"] for vm in call.cloud.vms for nic in vm["nic"]
                 if vm["state"] not in ("Destroyed", "Expunging"))
    if finish == "delete" and in_use and not call.flag("forced"):
        raise state_error(f"Network {network['id']} has active VMs: destroy them before deleting the network")

    def work() -> dict[str, Any]:
        if finish == "delete":
            call.cloud.networks.remove(network["id"])
        else:
            call.cloud.networks.update(network["id"], restartrequired=False)
        return {"success": True}

    return JobAccepted(call.jobs.submit(call.command, "Network", network["id"], work))


COMMANDS: dict[str, Handler] = {
    **handlers_for(KINDS),
    "associateIpAddress": associate_ip, "disassociateIpAddress": disassociate_ip,
    "enableStaticNat": enable_static_nat, "disableStaticNat": disable_static_nat,
    "assignToLoadBalancerRule": assign_to_load_balancer, "removeFromLoadBalancerRule": remove_from_load_balancer,
    "listLoadBalancerRuleInstances": list_load_balancer_instances,
    "authorizeSecurityGroupIngress": _authorize("ingress"), "authorizeSecurityGroupEgress": _authorize("egress"),
    "revokeSecurityGroupIngress": _revoke("ingress"), "revokeSecurityGroupEgress": _revoke("egress"),
    "deleteSecurityGroup": delete_security_group, "createNetwork": create_network,
    "restartNetwork": lambda call: _network_job(call, "restart"),
    "deleteNetwork": lambda call: _network_job(call, "delete"),
}
