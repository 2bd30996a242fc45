"""The cluster's services (issue 9 groundwork, steps/cluster_services.py): their shapes against
current facts, and a deployment of them into the policy step's workload group over real HTTPS,
behind private endpoints in the spoke's subnet and zones. Checked: ACR Premium with the admin
user and public access off and trusted services allowed (facts-2026-12 §12: importImage into a
private registry needs it; PE group id "registry"); Key Vault api-version 2026-05-15 with
enableRbacAuthorization sent explicitly and purge protection only when chosen (facts §11); PE
group id "vault"."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from steps import cluster_services as svc
from tests.engine.flow import deploy_step, finish_prerequisites, journal, open_workspace
from wizard.engine import arm
from wizard.engine.arm_template import compose
from wizard.engine.contract import ArmDeployment, GroupTemplate, StepContext

ANSWERS = {"location": "eastus2", "workspace_name": "la-aks-t1", "log_retention_days": 30, "registry_name": "acraksT1",
           "registry_replica_region": "", "key_vault_name": "kv-aks-t1", "key_vault_retention_days": 90,
           "key_vault_purge_protection": False}


def _one_group(base: str, group: str, template: dict[str, Any], parameters: dict[str, Any]) -> ArmDeployment:
    """A throwaway subscription deployment of one group: the step that will own these
    resources is not built yet, so the tests compose them the way the runner will."""
    return ArmDeployment(
        deployment_base_name=base, location=lambda c: "eastus2", outputs=lambda g, c: {},
        groups=(GroupTemplate(key="workload", resource_group=lambda c: group, location=lambda c: "eastus2",
                              template=lambda c: template, parameters=lambda c: parameters),))


def _submit_and_wait(ws: Any, composed: Any, name: str) -> None:
    arm.submit(ws.azure, "eastus2", name, composed.template, composed.parameters, f"corr-{name}")
    for _ in range(400):
        status = arm.status(ws.azure, name)
        if status is not None and status.state in ("Succeeded", "Failed"):
            break
        time.sleep(0.02)
    assert status is not None and status.state == "Succeeded", status


def _by_type(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["type"]: r for r in resources}


def test_the_services_carry_the_current_secure_settings() -> None:
    spoke = {"subnet_ids": {"private_endpoints": "/sub/x/subnets/snet-privatelinkendpoints"},
             "private_dns_zone_ids": {"acr": "/z/privatelink.azurecr.io", "keyVault": "/z/privatelink.vaultcore.azure.net"}}
    made = _by_type(svc.services(ANSWERS, spoke, "tenant-1"))
    acr = made["Microsoft.ContainerRegistry/registries"]
    assert acr["sku"]["name"] == "Premium" and acr["properties"]["adminUserEnabled"] is False
    assert acr["properties"]["publicNetworkAccess"] == "Disabled" and acr["properties"]["networkRuleBypassOptions"] == "AzureServices"
    vault = made["Microsoft.KeyVault/vaults"]
    assert vault["apiVersion"] == "2026-05-15" and vault["properties"]["enableRbacAuthorization"] is True
    assert "enablePurgeProtection" not in vault["properties"]  # sent only when chosen: it cannot be undone
    protected = svc.key_vault("kv", "eastus2", "t", 90, True)
    assert protected["properties"]["enablePurgeProtection"] is True
    endpoints = [r for r in svc.services(ANSWERS, spoke, "t") if r["type"] == "Microsoft.Network/privateEndpoints"]
    groups = sorted(e["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"][0] for e in endpoints)
    assert groups == ["registry", "vault"]
    assert svc.replica_region_error("eastus2", "East US 2") and svc.replica_region_error("centralus", "eastus2") is None
    with_replica = _by_type(svc.services({**ANSWERS, "registry_replica_region": "centralus"}, spoke, "t"))
    assert with_replica["Microsoft.ContainerRegistry/registries/replications"]["location"] == "centralus"


def test_the_services_deploy_behind_private_endpoints_in_the_spoke(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        deploy_step(ws, "policy")
        deploy_step(ws, "hub")
        deploy_step(ws, "spoke")
        spoke = ws.session.step("spoke").outputs
        workload = ws.session.step("policy").outputs["workload_resource_group"]
        ctx = StepContext("cluster", dict(ANSWERS), {"spoke": spoke}, "rehearsal", ws.session.dir, ws.azure)
        tenant = ws.session.state.tenant_id
        assert len(tenant) == 36  # the signed-in tenant, as the vault's tenantId
        resources = svc.services(ANSWERS, spoke, tenant)
        template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                    "contentVersion": "1.0.0.0", "resources": resources}
        composed = compose(_one_group("services", workload, template, {}), ctx, "services-t1",
                           {"aks-wizard-session": "t"})
        arm.validate(ws.azure, "eastus2", "services-t1", composed.template, composed.parameters)
        _submit_and_wait(ws, composed, "services-t1")
        sent = json.dumps([e["request"] for e in journal(ws.session.dir) if e["method"] == "PUT"
                           and e["path"].endswith("/deployments/services-t1")])
        assert '"groupIds": ["registry"]' in sent and '"groupIds": ["vault"]' in sent
        assert spoke["subnet_ids"]["private_endpoints"] in sent


def test_a_certificate_reaches_the_vault_only_as_a_secure_parameter(tmp_path: Path) -> None:
    """Secret canary: a PFX (base64) and its password sent as secureString parameters appear in
    no file of the session outside the secret store: not in the journal, the audit log, the
    state or the rehearsal's model."""
    canary_pfx, canary_password = "MIIcanaryPFX" + "Q" * 40, "canary-pfx-password-" + "9" * 10
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        workload = "rg-certs"
        ws.backend.model.put_resource_group(ws.azure.subscription_id, workload, "eastus2", None)
        template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                    "contentVersion": "1.0.0.0",
                    "parameters": {"listenerPfx": {"type": "securestring"}, "listenerPassword": {"type": "securestring"}},
                    "resources": [svc.key_vault("kv-certs-t1", "eastus2", ws.session.state.tenant_id, 90, False),
                                  svc.certificate_secret("kv-certs-t1", "listener-pfx", "listenerPfx",
                                                         "application/x-pkcs12"),
                                  svc.certificate_secret("kv-certs-t1", "listener-password", "listenerPassword",
                                                         "text/plain")]}
        action = _one_group("certs", workload, template,
                            {"listenerPfx": canary_pfx, "listenerPassword": canary_password})
        ctx = StepContext("cluster", {}, {}, "rehearsal", ws.session.dir, ws.azure)
        composed = compose(action, ctx, "certs-t1", {"aks-wizard-session": "t"})
        assert composed.secure == {"workloadListenerPfx", "workloadListenerPassword"}  # kept secure when passed on
        _submit_and_wait(ws, composed, "certs-t1")
        ws.backend.model.save()
        for path in ws.session.dir.rglob("*"):
            if path.is_file() and "secrets" not in path.parts:
                text = path.read_text(errors="ignore")
                assert canary_pfx not in text and canary_password not in text, path
