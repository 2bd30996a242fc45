"""What AKS and Application Gateway refuse when a deployment writes a cluster or a gateway,
checked when the resource is written (the providers check these after ARM's preflight), with
the codes users quote from real responses:

- a cluster without a System node pool: ``MustDefineAtLeastOneSystemPool`` ("Must define at
  least one system pool.", the message hashicorp/terraform-provider-azurerm quotes in its
  managed-cluster code);
- a node pool in a delegated subnet: ``SubnetIsDelegated`` (MicrosoftDocs/azure-docs#69774);
- ``outboundType: userDefinedRouting`` on a node subnet without a route table, or one with no
  0.0.0.0/0 route: ``ExistingRouteTableNotAssociatedWithSubnet`` (Azure/AKS#1842: AKS validates
  the subnet's route table and its default route when the cluster is created);
- a user-assigned control-plane identity without rights on the node subnet, the API server
  subnet or the bring-your-own private DNS zone: ARM's ``LinkedAuthorizationFailed`` shape
  (the client has the write on the cluster but not the linked action on the linked scope,
  as Azure/AKS#2673 quotes it). Built-in roles only: Owner, Contributor, Network Contributor
  and, for the zone, Private DNS Zone Contributor;
- a change to a property AKS fixes at creation, on a cluster that exists:
  ``PropertyChangeNotAllowed`` with the property as ``target`` ("Changing property 'dnsPrefix'
  is not allowed.", the 2026 response Azure/terraform-azurerm-avm-res-containerservice-
  managedcluster#166 quotes). Only ``dnsPrefix``: the one with a current quoted answer (the
  network plugin, once fixed, can now be migrated; a node pool's size is the agent pool
  API's answer);
- an Application Gateway reading a Key Vault certificate its identity may not read:
  ``ApplicationGatewayKeyVaultSecretException`` with ``ApplicationGatewayKeyVaultSecretAccessDenied``
  (MicrosoftDocs/azure-docs#33157); a vault using Azure RBAC needs a role with
  ``secrets/getSecret`` (Key Vault Secrets User or Key Vault Administrator), and a vault closed
  to the public must let trusted services through (``networkAcls.bypass: AzureServices``): App
  Gateway reads it as one, not through the private endpoint."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

CLUSTER = "microsoft.containerservice/managedclusters"
GATEWAY = "microsoft.network/applicationgateways"
TYPES = (CLUSTER, GATEWAY)
ROLE_ASSIGNMENT = "microsoft.authorization/roleassignments"
OWNER, CONTRIBUTOR = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
DNS_ZONE_CONTRIBUTOR = "b12aa53e-6015-4669-85d0-8515ebb3ae7f"
SECRETS_USER, KV_ADMIN = "4633458b-17de-408a-b874-0445c86b69e6", "00482a5a-887f-4fb3-b363-3b7fe8e74483"
SUBNET_JOIN = ({OWNER, CONTRIBUTOR, NETWORK_CONTRIBUTOR}, "Microsoft.Network/virtualNetworks/subnets/join/action")
ZONE_WRITE = ({OWNER, CONTRIBUTOR, NETWORK_CONTRIBUTOR, DNS_ZONE_CONTRIBUTOR}, "Microsoft.Network/privateDnsZones/write")
SECRET_READ = {OWNER, SECRETS_USER, KV_ADMIN}  # Owner: the rehearsal's simplification of its data actions

FIXED_AT_CREATION = ("dnsPrefix",)

Finder = Callable[[str], "Mapping[str, Any] | None"]


def _props(body: Mapping[str, Any] | None) -> Mapping[str, Any]:
    props = (body or {}).get("properties")
    return props if isinstance(props, Mapping) else {}


def _error(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "message": message}
    if details:
        out["details"] = details
    return out


def granted(principal: str, scope: str, roles: set[str], assignments: Iterable[Mapping[str, Any]]) -> bool:
    """Does an assignment of one of ``roles`` to ``principal`` cover ``scope`` (at it or above)?"""
    target = scope.lower().rstrip("/")
    for entry in assignments:
        if str(entry.get("type", "")).lower() != ROLE_ASSIGNMENT:
            continue
        props = _props(entry)
        at = str(entry.get("id", "")).lower().split("/providers/microsoft.authorization/roleassignments/")[0]
        role = str(props.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower()
        if str(props.get("principalId", "")).lower() == principal.lower() and role in roles and \
                (target == at or target.startswith(at + "/")):
            return True
    return False


def _linked_denied(principal: str, rid: str, action: str, scope: str) -> dict[str, Any]:
    return _error("LinkedAuthorizationFailed",
                  f"The client '{principal}' with object id '{principal}' has permission to perform action "
                  f"'Microsoft.ContainerService/managedClusters/write' on scope '{rid}'; however, it does not have "
                  f"permission to perform action '{action}' on the linked scope(s) '{scope}' or the linked scope(s) "
                  "are invalid.")


def _control_plane(body: Mapping[str, Any], find: Finder) -> str | None:
    """The principal id of the cluster's user-assigned identity (None: system-assigned or unknown)."""
    identity = body.get("identity") or {}
    if str(identity.get("type", "")).lower() != "userassigned":
        return None
    for uami_id in (identity.get("userAssignedIdentities") or {}):
        found = find(str(uami_id))
        if found is not None:
            return str(_props(found).get("principalId", "")) or None
    return None


def _route_error(subnet_id: str, subnet: Mapping[str, Any], find: Finder) -> dict[str, Any] | None:
    table_id = str((_props(subnet).get("routeTable") or {}).get("id", ""))
    table = find(table_id) if table_id else None
    routes = [_props(r) for r in _props(table).get("routes") or []] if table else []
    if table is None or not any(r.get("addressPrefix") == "0.0.0.0/0" for r in routes):
        return _error("ExistingRouteTableNotAssociatedWithSubnet",
                      f"An existing route table has not been associated with subnet {subnet_id}. Please update the "
                      "route table association" + ("" if table is None else " (it has no 0.0.0.0/0 route)") + ".")
    return None


def _fixed_at_creation(current: Mapping[str, Any] | None, props: Mapping[str, Any]) -> dict[str, Any] | None:
    held = _props(current)
    for key in FIXED_AT_CREATION:
        if current is not None and key in held and key in props and str(held[key]) != str(props[key]):
            refused = _error("PropertyChangeNotAllowed", f"Changing property '{key}' is not allowed.")
            return {**refused, "target": key}
    return None


def cluster_error(rid: str, body: Mapping[str, Any], find: Finder,
                  assignments: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    props = _props(body)
    if refused := _fixed_at_creation(find(rid), props):
        return refused
    pools = [p for p in props.get("agentPoolProfiles") or [] if isinstance(p, Mapping)]
    if not any(str(p.get("mode", "")).lower() == "system" for p in pools):
        return _error("MustDefineAtLeastOneSystemPool", "Must define at least one system pool.")
    principal = _control_plane(body, find)
    udr = str((props.get("networkProfile") or {}).get("outboundType", "")).lower() == "userdefinedrouting"
    for pool in pools:
        subnet_id = str(pool.get("vnetSubnetID") or "")
        subnet = find(subnet_id) if subnet_id else None
        if not subnet_id or subnet is None:
            continue
        if _props(subnet).get("delegations"):
            return _error("SubnetIsDelegated", f"AgentPoolProfile.VnetSubnetID {subnet_id} cannot be used as it's a "
                          "delegated subnet. Please check https://aka.ms/adv-network-prerequest for more details.")
        if udr and (refused := _route_error(subnet_id, subnet, find)):
            return refused
        if principal and not granted(principal, subnet_id, SUBNET_JOIN[0], assignments):
            return _linked_denied(principal, rid, SUBNET_JOIN[1], subnet_id)
    api = props.get("apiServerAccessProfile") or {}
    linked = [(str(api.get("subnetId")), SUBNET_JOIN)] if api.get("enableVnetIntegration") and api.get("subnetId") \
        else []
    zone = str(api.get("privateDNSZone") or "")
    if zone.lower().startswith("/subscriptions/"):
        linked.append((zone, ZONE_WRITE))
    for scope, (roles, action) in linked:
        if principal and not granted(principal, scope, roles, assignments):
            return _linked_denied(principal, rid, action, scope)
    return None


def gateway_error(rid: str, body: Mapping[str, Any], find: Finder,
                  assignments: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    principals = [str(_props(find(str(i))).get("principalId", ""))
                  for i in ((body.get("identity") or {}).get("userAssignedIdentities") or {})]
    props = _props(body)
    for cert in (props.get("sslCertificates") or []) + (props.get("trustedRootCertificates") or []):
        secret = str(_props(cert).get("keyVaultSecretId") or "")
        if not secret:
            continue
        vault = secret.split("//", 1)[-1].split(".", 1)[0].lower()
        vault_ids = [str(a.get("id", "")) for a in assignments
                     if str(a.get("type", "")).lower() == "microsoft.keyvault/vaults"
                     and str(a.get("name", "")).lower() == vault]
        allowed = any(granted(p, v, SECRET_READ, assignments) for p in principals if p for v in vault_ids)
        vault_body = find(vault_ids[0]) if vault_ids else None
        closed = str((_props(vault_body).get("networkAcls") or {}).get("bypass", "AzureServices")).lower() == "none" \
            and (str(_props(vault_body).get("publicNetworkAccess", "")).lower() == "disabled"
                 or str((_props(vault_body).get("networkAcls") or {}).get("defaultAction", "")).lower() == "deny")
        if not allowed or closed:
            denied = (f"Access denied for KeyVault Secret '{secret}' for Application Gateway '{rid}'. Make sure that "
                      "Identity assigned to Application Gateway has access to the KeyVault associated with secret.")
            return _error("ApplicationGatewayKeyVaultSecretException",
                          "Problem occured while accessing and validating KeyVault Secrets associated with Application "
                          f"Gateway '{rid}'. See details below:",
                          [{"code": "ApplicationGatewayKeyVaultSecretAccessDenied", "message": denied}])
    return None


def write_error(rid: str, rtype: str, body: Mapping[str, Any], find: Finder,
                known: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    """``known``: every resource Azure knows of (the model and this deployment's writes so far),
    for the role assignments and vaults the rules read."""
    if rtype.lower() == CLUSTER:
        return cluster_error(rid, body, find, known)
    if rtype.lower() == GATEWAY:
        return gateway_error(rid, body, find, known)
    return None
