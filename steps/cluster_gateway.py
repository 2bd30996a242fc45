"""Template builders for the cluster's front door (step 8): Application Gateway WAF_v2 and its
WAF policy. One small function per resource.

Current values, not the references' (reference/facts-2026-12.md §6): the Default Rule Set 2.2
(Microsoft's advice is the highest DRS; the references' OWASP CRS 3.2 has an end date once a DRS
after 2.2 ships) plus Bot Manager 1.1, in Prevention mode; the predefined TLS policy
AppGwSslPolicy20220101 (TLS 1.2 and 1.3, the default for api-versions from 2023-02-01) instead of
the references' hand-listed cipher suites. The listener's certificate is read from Key Vault by
the gateway's own identity (the secret's versionless URI, so a renewed certificate is picked up);
the backend is the ingress controller's internal address, reached over HTTPS with the ingress
host name as SNI and the ingress certificate (also from Key Vault) as the only trusted root."""

from __future__ import annotations

from typing import Any, Mapping

GATEWAY_API = "2025-07-01"  # Microsoft.Network/applicationGateways and their WAF policies, stable
TLS_POLICY = "AppGwSslPolicy20220101"
RULE_SETS = ({"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.2"},
             {"ruleSetType": "Microsoft_BotManagerRuleSet", "ruleSetVersion": "1.1"})
PROBE_PATH = "/favicon.ico"  # the reference's probe: the sample app serves it without authentication


def waf_policy(name: str, region: str) -> dict[str, Any]:
    return {"type": "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies", "apiVersion": GATEWAY_API,
            "name": name, "location": region,
            "properties": {"policySettings": {"state": "Enabled", "mode": "Prevention", "requestBodyCheck": True,
                                              "maxRequestBodySizeInKb": 128, "fileUploadLimitInMb": 100},
                           "managedRules": {"managedRuleSets": [dict(r) for r in RULE_SETS]}}}


def _sub(gateway: str, kind: str, name: str) -> dict[str, str]:
    """A reference to one of the gateway's own parts (listener, pool, probe…) by resource id."""
    return {"id": f"[resourceId('Microsoft.Network/applicationGateways/{kind}', '{gateway}', '{name}')]"}


def application_gateway(names: Mapping[str, str], region: str, spoke: Mapping[str, Any], hosts: Mapping[str, str],
                        listener_secret_uri: str, ingress_root_secret_uri: str) -> dict[str, Any]:
    """``hosts``: ``public`` (the listener's) and ``backend`` (the ingress's); ``spoke``: the
    spoke step's outputs (its App Gateway subnet and public IP, the ingress IP)."""
    gw = names["app_gateway"]
    identity = f"[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', '{names['app_gateway_identity']}')]"
    waf = f"[resourceId('Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies', '{names['waf_policy']}')]"
    subnet = str((spoke.get("subnet_ids") or {}).get("app_gateway", ""))
    return {
        "type": "Microsoft.Network/applicationGateways", "apiVersion": GATEWAY_API, "name": gw, "location": region,
        "zones": ["1", "2", "3"], "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity: {}}},
        "dependsOn": [waf],  # its identity comes from the services group, deployed first
        "properties": {
            "sku": {"name": "WAF_v2", "tier": "WAF_v2"},
            "autoscaleConfiguration": {"minCapacity": 0, "maxCapacity": 10},
            "sslPolicy": {"policyType": "Predefined", "policyName": TLS_POLICY},
            "firewallPolicy": {"id": waf}, "enableHttp2": False,
            "gatewayIPConfigurations": [{"name": "gateway-ip", "properties": {"subnet": {"id": subnet}}}],
            "frontendIPConfigurations": [{"name": "public-frontend", "properties": {
                "publicIPAddress": {"id": str(spoke.get("app_gateway_public_ip_id", ""))}}}],
            "frontendPorts": [{"name": "port-443", "properties": {"port": 443}}],
            "sslCertificates": [{"name": "listener", "properties": {"keyVaultSecretId": listener_secret_uri}}],
            "trustedRootCertificates": [{"name": "ingress-root",
                                         "properties": {"keyVaultSecretId": ingress_root_secret_uri}}],
            "probes": [{"name": "ingress-probe", "properties": {
                "protocol": "Https", "path": PROBE_PATH, "interval": 30, "timeout": 30, "unhealthyThreshold": 3,
                "pickHostNameFromBackendHttpSettings": True, "minServers": 0, "match": {"statusCodes": ["200-399"]}}}],
            "backendAddressPools": [{"name": "ingress", "properties": {
                "backendAddresses": [{"ipAddress": str(spoke.get("ingress_ip", ""))}]}}],
            "backendHttpSettingsCollection": [{"name": "ingress-https", "properties": {
                "port": 443, "protocol": "Https", "cookieBasedAffinity": "Disabled", "requestTimeout": 20,
                "hostName": hosts["backend"], "pickHostNameFromBackendAddress": False,
                "probe": _sub(gw, "probes", "ingress-probe"),
                "trustedRootCertificates": [_sub(gw, "trustedRootCertificates", "ingress-root")]}}],
            "httpListeners": [{"name": "listener-https", "properties": {
                "frontendIPConfiguration": _sub(gw, "frontendIPConfigurations", "public-frontend"),
                "frontendPort": _sub(gw, "frontendPorts", "port-443"), "protocol": "Https",
                "sslCertificate": _sub(gw, "sslCertificates", "listener"), "hostName": hosts["public"],
                "requireServerNameIndication": True}}],
            "requestRoutingRules": [{"name": "listener-to-ingress", "properties": {
                "ruleType": "Basic", "priority": 100, "httpListener": _sub(gw, "httpListeners", "listener-https"),
                "backendAddressPool": _sub(gw, "backendAddressPools", "ingress"),
                "backendHttpSettings": _sub(gw, "backendHttpSettingsCollection", "ingress-https")}}],
        },
    }
