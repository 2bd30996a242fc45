"""What Microsoft.Network refuses when a deployment writes a virtual network, a peering, a
route table, a network security group, a public IP or a private DNS zone, and the peering
state it reports afterwards.

Each refusal is the provider's own, raised when the resource is written (a deployment's
preflight passes them), with the codes and wording users quote from real responses:

- subnets: ``NetcfgSubnetRangeOutsideVnet`` and ``NetcfgSubnetRangesOverlap``
  (MicrosoftDocs/azure-docs#123869), ``InvalidCIDRNotation`` (host bits set, the corrected
  prefix named), ``InvalidResourceReference`` for a route table or NSG that does not exist or
  is in another region (hashicorp/terraform-provider-azurerm#14344);
- routes: ``MissingNextHopIpAddress`` (hashicorp/terraform-provider-azurerm#20365);
- NSG rules: ``SecurityRuleInvalidPriority`` (pulumi/pulumi-azure-native#2221, range
  100-4096) and ``SecurityRuleConflict`` (Azure/aks-engine#2106);
- public IPs: ``StandardSkuPublicIPAddressesMustBeStatic`` (MicrosoftDocs/azure-docs#42889);
- peerings: ``InvalidGlobalResourceReference`` for a remote VNet that does not exist
  (FreddyAyala/AzureAIServicesLandingZone#2) and ``VnetAddressSpacesOverlap``;
- private DNS zones: a location other than ``global`` meets ARM's
  ``MissingRegistrationForLocation``; a second link to the same VNet is a ``Conflict``
  (ansible-collections/azure#813).

Peering state follows the REST specification's enums (virtualNetwork.json,
``VirtualNetworkPeeringPropertiesFormat``): a peering whose remote side has no peering back
is ``Initiated``, and both become ``Connected`` / ``FullyInSync`` once it does (the behaviour
users describe in Azure/bicep-registry-modules#5332); a connected peering whose other side is
deleted becomes ``Disconnected`` and must be recreated (Azure's troubleshooting guidance:
re-create the peering on both sides)."""

from __future__ import annotations

import ipaddress
from typing import Any, Callable, Mapping

from wizard.rehearsal.resource_ids import ResourceIdError, parse_resource_id

VNET = "microsoft.network/virtualnetworks"
PEERING = "microsoft.network/virtualnetworks/virtualnetworkpeerings"
ROUTE_TABLE = "microsoft.network/routetables"
NSG = "microsoft.network/networksecuritygroups"
PUBLIC_IP = "microsoft.network/publicipaddresses"
DNS_ZONE = "microsoft.network/privatednszones"
DNS_LINK = "microsoft.network/privatednszones/virtualnetworklinks"
PRIORITY_RANGE = (100, 4096)

Finder = Callable[[str], "Mapping[str, Any] | None"]


def _props(body: Mapping[str, Any]) -> Mapping[str, Any]:
    props = body.get("properties")
    return props if isinstance(props, Mapping) else {}


def _network(prefix: str, where: str) -> tuple[ipaddress.IPv4Network | None, dict[str, Any] | None]:
    try:
        return ipaddress.ip_network(prefix, strict=True), None  # type: ignore[return-value]
    except ValueError:
        pass
    try:
        loose = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return None, {"code": "InvalidAddressPrefixFormat",
                      "message": f"Address prefix {prefix} of resource {where} is not formatted correctly. It should "
                                 "follow CIDR notation, for example 10.0.0.0/24."}
    return None, {"code": "InvalidCIDRNotation",
                  "message": f"The address prefix {prefix} in resource {where} has an invalid CIDR notation. For the "
                             f"given prefix length, the address prefix should be {loose}."}


def _location(body: Mapping[str, Any]) -> str:
    return str(body.get("location", "")).replace(" ", "").lower()


def _vnet_error(rid: str, body: Mapping[str, Any], find: Finder) -> dict[str, Any] | None:
    name = str(body.get("name") or rid.rsplit("/", 1)[-1])
    spaces = []
    for prefix in (_props(body).get("addressSpace") or {}).get("addressPrefixes") or []:
        net, error = _network(str(prefix), rid)
        if error:
            return error
        spaces.append(net)
    subnets: list[tuple[str, ipaddress.IPv4Network]] = []
    for subnet in _props(body).get("subnets") or []:
        sname = str(subnet.get("name", ""))
        sprops = _props(subnet)
        net, error = _network(str(sprops.get("addressPrefix", "")), f"{rid}/subnets/{sname}")
        if error:
            return error
        assert net is not None
        if not any(net.subnet_of(space) for space in spaces):  # type: ignore[arg-type]
            return {"code": "NetcfgSubnetRangeOutsideVnet",
                    "message": f"Subnet '{sname}' is not valid because its IP address range is outside the IP address "
                               f"range of virtual network '{name}'."}
        for other_name, other in subnets:
            if net.overlaps(other):
                return {"code": "NetcfgSubnetRangesOverlap",
                        "message": f"Subnet '{sname}' is not valid because its IP address range overlaps with that of "
                                   f"an existing subnet in virtual network '{name}'."}
        subnets.append((sname, net))
        for key in ("routeTable", "networkSecurityGroup"):
            ref = str((sprops.get(key) or {}).get("id", ""))
            target = find(ref) if ref else None
            if ref and (target is None or _location(target) != _location(body)):
                return {"code": "InvalidResourceReference",
                        "message": f"Resource {ref} referenced by resource {rid}/subnets/{sname} was not found. Please "
                                   "make sure that the referenced resource exists, and that both resources are in the "
                                   "same region."}
    return None


def _route_table_error(body: Mapping[str, Any]) -> dict[str, Any] | None:
    for route in _props(body).get("routes") or []:
        rprops = _props(route)
        if str(rprops.get("nextHopType", "")).lower() == "virtualappliance" and not rprops.get("nextHopIpAddress"):
            return {"code": "MissingNextHopIpAddress",
                    "message": f"NextHopIpAddress cannot be Null or Empty in route {route.get('name')} when NextHopType "
                               "is VirtualAppliance."}
    return None


def _nsg_error(body: Mapping[str, Any]) -> dict[str, Any] | None:
    seen: dict[tuple[str, int], str] = {}
    for rule in _props(body).get("securityRules") or []:
        rprops = _props(rule)
        priority = int(rprops.get("priority", 0) or 0)
        if not PRIORITY_RANGE[0] <= priority <= PRIORITY_RANGE[1]:
            return {"code": "SecurityRuleInvalidPriority",
                    "message": f"Security rule has invalid Priority. Value provided: {priority} Allowed range "
                               f"{PRIORITY_RANGE[0]}-{PRIORITY_RANGE[1]}."}
        key = (str(rprops.get("direction", "")).lower(), priority)
        if key in seen:
            return {"code": "SecurityRuleConflict",
                    "message": f"Security rule {rule.get('name')} conflicts with rule {seen[key]}. Rules cannot have "
                               "the same Priority and Direction."}
        seen[key] = str(rule.get("name"))
    return None


def _public_ip_error(rid: str, body: Mapping[str, Any]) -> dict[str, Any] | None:
    sku = str((body.get("sku") or {}).get("name", "Basic")).lower()
    method = str(_props(body).get("publicIPAllocationMethod", "Dynamic")).lower()
    if sku == "standard" and method != "static":
        return {"code": "StandardSkuPublicIPAddressesMustBeStatic",
                "message": f"Standard sku publicIp {rid} must have AllocationMethod set to Static."}
    return None


def _spaces(vnet: Mapping[str, Any]) -> list[ipaddress.IPv4Network]:
    out = []
    for prefix in (_props(vnet).get("addressSpace") or {}).get("addressPrefixes") or []:
        try:
            out.append(ipaddress.ip_network(str(prefix), strict=False))
        except ValueError:
            continue
    return out  # type: ignore[return-value]


def _peering_error(rid: str, body: Mapping[str, Any], find: Finder) -> dict[str, Any] | None:
    remote_id = str((_props(body).get("remoteVirtualNetwork") or {}).get("id", ""))
    remote = find(remote_id) if remote_id else None
    if remote is None:
        return {"code": "InvalidGlobalResourceReference",
                "message": f"Resource {remote_id} referenced by resource {rid} was not found. Please make sure that "
                           "the referenced resource exists."}
    local_id = parse_resource_id(rid).parent_id or ""
    local = find(local_id)
    overlapping = [str(a) for a in _spaces(local or {}) for b in _spaces(remote) if a.overlaps(b)]
    if overlapping:
        return {"code": "VnetAddressSpacesOverlap",
                "message": f"Cannot create or update peering {rid}. Virtual networks {local_id} and {remote_id} cannot "
                           f"be peered because their address spaces overlap. Overlapping address prefixes: "
                           f"{', '.join(overlapping)}"}
    return None


def _zone_error(rtype: str, rid: str, body: Mapping[str, Any], find: Finder,
                links: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    if rtype == DNS_ZONE and _location(body) != "global":
        return {"code": "MissingRegistrationForLocation",
                "message": f"The subscription is not registered for the resource type 'privateDnsZones' in the location "
                           f"'{body.get('location')}'. Please re-register for this provider in order to have access to "
                           "this location."}
    if rtype == DNS_LINK:
        zone_id = parse_resource_id(rid).parent_id or ""
        vnet_id = str((_props(body).get("virtualNetwork") or {}).get("id", "")).lower()
        for other_id, other in links.items():
            same_zone = other_id.startswith(zone_id.lower() + "/")
            other_vnet = str((_props(other).get("virtualNetwork") or {}).get("id", "")).lower()
            if same_zone and other_id != rid.lower() and other_vnet == vnet_id:
                return {"code": "Conflict", "message": f"Private zone '{zone_id.rsplit('/', 1)[-1]}' is already linked "
                                                       f"to the virtual network '{vnet_id}'."}
    return None


def write_error(rid: str, rtype: str, body: Mapping[str, Any], find: Finder,
                links: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any] | None:
    """Microsoft.Network's refusal of one write (``find`` sees the model plus what the same
    deployment wrote before; ``links`` every private DNS zone link so far, id -> body)."""
    kind = rtype.lower()
    try:
        if kind == VNET:
            return _vnet_error(rid, body, find)
        if kind == ROUTE_TABLE:
            return _route_table_error(body)
        if kind == NSG:
            return _nsg_error(body)
        if kind == PUBLIC_IP:
            return _public_ip_error(rid, body)
        if kind == PEERING:
            return _peering_error(rid, body, find)
        if kind in (DNS_ZONE, DNS_LINK):
            return _zone_error(kind, rid, body, find, links or {})
    except ResourceIdError:
        return None
    return None


def settle_peerings(resources: dict[str, dict[str, Any]], written: Mapping[str, Any]) -> list[dict[str, Any]]:
    """After a peering is written: its state, and its partner's, as Azure reports them. A
    peering with a partner pointing back is Connected and FullyInSync; one without stays
    Initiated. Returns the peerings it changed (so their VNets' lists can be updated)."""
    rid = str(written["id"]).lower()
    local_vnet = rid.split("/virtualnetworkpeerings/")[0]
    remote_vnet = str((_props(written).get("remoteVirtualNetwork") or {}).get("id", "")).lower()
    partner = next((r for key, r in resources.items() if key.startswith(remote_vnet + "/virtualnetworkpeerings/")
                    and str((_props(r).get("remoteVirtualNetwork") or {}).get("id", "")).lower() == local_vnet), None)
    changed = []
    for peering, other_vnet in ((resources.get(rid), remote_vnet), (partner, local_vnet)):
        if peering is None:
            continue
        props = peering.setdefault("properties", {})
        props["peeringState"] = "Connected" if partner is not None else "Initiated"
        props["peeringSyncLevel"] = "FullyInSync" if partner is not None else "RemoteNotInSync"
        other = resources.get(other_vnet) or {}
        space = {"addressPrefixes": list((_props(other).get("addressSpace") or {}).get("addressPrefixes") or [])}
        props["remoteAddressSpace"] = space
        props["remoteVirtualNetworkAddressSpace"] = space
        changed.append(peering)
    return changed


def _partner_exists(resources: Mapping[str, Any], peering: Mapping[str, Any]) -> bool:
    local_vnet = str(peering["id"]).lower().split("/virtualnetworkpeerings/")[0]
    remote_vnet = str((_props(peering).get("remoteVirtualNetwork") or {}).get("id", "")).lower()
    return any(key.startswith(remote_vnet + "/virtualnetworkpeerings/")
               and str((_props(r).get("remoteVirtualNetwork") or {}).get("id", "")).lower() == local_vnet
               for key, r in resources.items())


def disconnect_orphans(resources: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """After a delete: a Connected peering whose other side is gone is Disconnected."""
    changed = []
    for key, peering in resources.items():
        if str(peering.get("type", "")).lower() != PEERING:
            continue
        props = peering.setdefault("properties", {})
        if props.get("peeringState") == "Connected" and not _partner_exists(resources, peering):
            props["peeringState"] = "Disconnected"
            props["peeringSyncLevel"] = "RemoteNotInSync"
            changed.append(peering)
    return changed
