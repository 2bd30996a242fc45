"""Step 8 (cluster) against the rehearsal over real HTTPS: every earlier step deployed (once per
scenario, then copied: ``prepared_workspace``), then the cluster's checks, preview, deployment and posture check; the journal's template carries every
property the baseline asks for; the certificates reach ARM only as secure parameters; the
scenarios where Azure refuses or drifts make the right check or item fail."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from steps.tls_material import INGRESS_KEY, LISTENER_PFX
from tests.engine.flow import Recorder, decide_and_check, journal, not_passing, records_of
from wizard.rehearsal.journal import REDACTED
from wizard.workspace import Workspace

EARLIER = ("tls-certificates", "identity", "policy", "hub", "jumpbox-image", "spoke")


def _cluster_puts(session_dir: Path) -> list[dict[str, Any]]:
    return [e for e in journal(session_dir) if e["method"] == "PUT" and "/deployments/cluster-" in e["path"]]


def _deploy_cluster(ws: Workspace, sink: Any = None, **answers: Any) -> dict[str, Any]:
    runner = decide_and_check(ws, "cluster", sink, **answers)
    assert not_passing(runner) == {}, runner.state.checks
    before = len(_cluster_puts(ws.session.dir))
    preview = runner.preview()
    assert len(_cluster_puts(ws.session.dir)) == before, "validate and what-if only before approval"
    assert "Microsoft.ContainerService/managedClusters" in {c.resource_type for c in preview.changes}
    runner.approve()
    return runner.deploy()


# Each fragment is one property the issue lists, as the journal records the template sent.
TEMPLATE_FRAGMENTS = (
    '"apiVersion": "2026-08-01"', '"kubernetesVersion": "1.37"', '"tier": "Standard"',
    '"enablePrivateCluster": true', '"enableVnetIntegration": true', '"enablePrivateClusterPublicFQDN": false',
    '"privateDNSZone": "/subscriptions/', '"outboundType": "userDefinedRouting"', '"networkPluginMode": "overlay"',
    '"networkDataplane": "cilium"', '"networkPolicy": "cilium"', '"managed": true', '"disableLocalAccounts": true',
    '"oidcIssuerProfile": {"enabled": true}', '"workloadIdentity": {"enabled": true}',
    '"enableSecretRotation": "true"', '"azurepolicy": {"enabled": true', '"securityMonitoring": {"enabled": true}',
    '"imageCleaner": {"enabled": true', '"upgradeChannel": "patch"', '"nodeOSUpgradeChannel": "NodeImage"',
    "aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule", '"omsagent": {"enabled": true',
    '"category": "kube-audit-admin"', '"category": "guard"', '"CriticalAddonsOnly=true:NoSchedule"',
    '"availabilityZones": ["1", "2", "3"]', '"osDiskType": "Ephemeral"', '"enableAutoScaling": true',
    '"disableRunCommand": false', '"adminUserEnabled": false', '"publicNetworkAccess": "Disabled"',
    '"zoneRedundancy": "Enabled"', '"groupIds": ["registry"]', '"groupIds": ["vault"]',
    '"enableRbacAuthorization": true', '"softDeleteRetentionInDays": 7', '"principalType": "ServicePrincipal"',
    '"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.2"', '"mode": "Prevention"',
    '"policyName": "AppGwSslPolicy20220101"', '"autoscaleConfiguration"', '"keyVaultSecretId": "https://',
    '"requireServerNameIndication": true', '"trustedRootCertificates"', '/secrets/ingress-root"',
    '"path": "/favicon.ico"',
    '"Microsoft.Compute/virtualMachineScaleSets"', '"disablePasswordAuthentication": true',
    "42b8ef37-b724-4e24-bbc8-7a7708edfe00", "1a5b4dca-0b6f-4cf5-907c-56316bc1bf3d",
    "3fc4dc25-5baf-40d8-9b05-7fe74c1bc64e", "febd0533-8e55-448f-b837-bd0e06f16469", '"flux-system"',
    "system:serviceaccount:a0008:traefik-ingress-controller",
)


def test_defaults_deploy_the_cluster_and_every_posture_item_passes(prepared_workspace: Any) -> None:
    """Checked against the REST specifications: managedClusters.json 2026-08-01 (the property
    names above, identityProfile.kubeletidentity, privateFQDN), applicationGateway.json and
    webapplicationfirewall.json 2025-07-01, keyvault.json 2026-05-15, ComputeRP.json 2026-04-01."""
    with prepared_workspace(EARLIER) as ws:
        outputs = _deploy_cluster(ws)
        sent = json.dumps(_cluster_puts(ws.session.dir)[-1]["request"])
        missing = [f for f in TEMPLATE_FRAGMENTS if f not in sent]
        assert missing == []
        checks = ws.session.step("cluster").checks
        posture = {k: v["status"] for k, v in checks.items() if k.startswith("cluster.posture.")}
        assert len(posture) == 20 and set(posture.values()) == {"pass"}, posture
        assert outputs["kubernetes_version"] == "1.37" and outputs["private_fqdn"].endswith(
            ".privatelink.eastus2.azmk8s.io")
        assert outputs["registry_login_server"] == f"{outputs['registry_name']}.azurecr.io"
        assert outputs["oidc_issuer"].startswith("https://eastus2.oic.prod-aks.azure.com/")
        assert outputs["jumpbox"] == "vmss-jumpboxes" and outputs["run_command"] is True
        assert ws.session.step("cluster").status == "done"
        # AKS's own node resource group: a scale set per pool and the kubelet identity, not the session's
        made = ws.backend.model.resources_in_group(ws.azure.subscription_id, outputs["node_resource_group"])
        assert sorted(r["type"] for r in made) == ["Microsoft.Compute/virtualMachineScaleSets"] * 2 + [
            "Microsoft.ManagedIdentity/userAssignedIdentities"]
        group = ws.backend.model.resource_group(ws.azure.subscription_id, outputs["node_resource_group"])
        assert group["tags"]["aks-managed-cluster-name"] == outputs["cluster_name"]


def test_the_certificates_reach_arm_only_as_secure_parameters(prepared_workspace: Any) -> None:
    """Secret canary: the listener PFX and the ingress private key are in the 0600 store and sent
    as secureString parameters; no session file outside the store holds either, and the
    journal shows the parameters redacted."""
    with prepared_workspace(EARLIER) as ws:
        _deploy_cluster(ws)
        store: Any = ws.session.secrets
        pfx_b64 = base64.b64encode(store.get_bytes(LISTENER_PFX)).decode()
        key_lines = [line for line in store.get_bytes(INGRESS_KEY).decode().splitlines()
                     if line and not line.startswith("-----")]
        # Every full line of the key, the modulus ones included: the certificate App Gateway
        # trusts holds the same modulus, which is why it goes to Key Vault, not into the template.
        canaries = [pfx_b64[:64], pfx_b64[-64:], *(line for line in key_lines if len(line) >= 40)]
        ws.backend.model.save()
        for path in ws.session.dir.rglob("*"):
            if path.is_file() and "secrets" not in path.parts:
                text = path.read_text(errors="ignore")
                assert not [c for c in canaries if c in text], path
        params = _cluster_puts(ws.session.dir)[-1]["request"]["properties"]["parameters"]
        secure = {k: v for k, v in params.items() if k.lower().endswith(("listenerpfx", "ingresspem", "ingressroot"))}
        assert set(secure) == {"servicesListenerPfx", "servicesIngressPem", "servicesIngressRoot"}
        assert all(v == {"value": REDACTED} for v in secure.values()), secure
        [started] = records_of(ws.session.dir, "deployment.started", "cluster")
        fingerprints = started["data"]["secure_parameters"]
        assert set(fingerprints) == set(secure) and all(f.startswith("sha256:") for f in fingerprints.values())


def test_the_posture_check_fails_exactly_the_items_azure_changed(prepared_workspace: Any) -> None:
    """Scenario posture-drift: the Azure Policy add-on left off and the vault's public access
    opened after the template was applied. The verify checks read both back and fail those two;
    every other item passes, and the evidence names the property path and the value read."""
    with prepared_workspace(EARLIER, "posture-drift") as ws:
        runner = decide_and_check(ws, "cluster")
        runner.preview()
        runner.approve()
        try:
            runner.deploy()
        except Exception:  # noqa: BLE001 - the failed verification is what this test reads
            pass
        checks = ws.session.step("cluster").checks
        failed = {k for k, v in checks.items() if k.startswith("cluster.posture.") and v["status"] != "pass"}
        assert failed == {"cluster.posture.azure-policy", "cluster.posture.vault-public-access"}
        [audited] = [r for r in records_of(ws.session.dir, "check.result", "cluster")
                     if r["data"]["check"] == "cluster.posture.vault-public-access"]
        evidence = audited["data"]["evidence"]
        assert evidence["path"] == "properties.publicNetworkAccess" and evidence["read"] == "Enabled"
        assert evidence["checklist"]  # the checklist item the finding proves (or, here, disproves)


def test_a_principal_not_yet_replicated_is_waited_for_and_the_deployment_resubmitted(prepared_workspace: Any) -> None:
    """Scenario principal-not-found-once: the first role assignment fails with PrincipalNotFound;
    the wizard audits a retry and submits the same approved template again, which succeeds."""
    with prepared_workspace(EARLIER, "principal-not-found-once") as ws:
        sink = Recorder()
        _deploy_cluster(ws, sink)
        retried = records_of(ws.session.dir, "deployment.retried", "cluster")
        assert [r["data"]["code"] for r in retried] == ["PrincipalNotFound"]
        assert "Microsoft.Authorization/roleAssignments" in retried[0]["data"]["resource"]
        assert len(_cluster_puts(ws.session.dir)) == 2
        assert ws.session.step("cluster").status == "done"


def test_a_pinned_minor_the_region_dropped_fails_its_check_and_newest_takes_the_current_one(prepared_workspace: Any) -> None:
    with prepared_workspace(EARLIER, "kubernetes-minor-retired") as ws:
        runner = decide_and_check(ws, "cluster", kubernetes_version="1.35")
        found = runner.state.checks["cluster.kubernetes-version"]
        assert found["status"] == "fail" and "1.36, 1.37" in found["summary"] and "newest" in found["remedy"]
        assert "cluster.kubernetes-version" in runner.blocking()
        runner = decide_and_check(ws, "cluster", kubernetes_version="newest")
        assert runner.state.checks["cluster.kubernetes-version"]["status"] == "pass"
        runner.preview()
        sent = json.dumps(_cluster_template_sent(ws))
        assert '"kubernetesVersion": "1.37"' in sent


def _cluster_template_sent(ws: Workspace) -> Any:
    """The template of the cluster's last what-if or deployment, as the journal has it."""
    bodies = [e["request"] for e in journal(ws.session.dir) if "/deployments/cluster-" in e["path"]
              and isinstance(e.get("request"), dict) and "template" in (e["request"].get("properties") or {})]
    return bodies[-1]["properties"]["template"]


def test_a_deleted_vault_holding_the_default_name_is_found_and_purged_before_anything_is_sent(prepared_workspace: Any) -> None:
    """Scenario deleted-vault-holds-name: the default vault name is held by a soft-deleted vault;
    the check fails before the 20-minute deployment, its fix purges (audited), then it passes."""
    with prepared_workspace(EARLIER, "deleted-vault-holds-name") as ws:
        runner = decide_and_check(ws, "cluster")
        found = runner.state.checks["cluster.key-vault-name"]
        assert found["status"] == "fail" and "press f" in found["remedy"].lower()
        assert not _cluster_puts(ws.session.dir)
        fixed = runner.apply_fix("cluster.key-vault-name")
        assert fixed.status.value == "pass"
        [purge] = records_of(ws.session.dir, "remedy.applied", "cluster")
        assert purge["data"]["ok"] is True and "Purged the deleted vault" in purge["data"]["action"]


def test_defender_left_off_in_step_4_means_no_profile_and_a_recorded_posture_warning(prepared_workspace: Any) -> None:
    """Step 4 with Defender off: the cluster gets no Defender profile (nothing to send it to),
    and the posture item says it is off by decision instead of failing the step."""
    with prepared_workspace(EARLIER, policy={"defender": "off"}) as ws:
        outputs = _deploy_cluster(ws)
        assert outputs["defender"] is False
        assert '"securityMonitoring"' not in json.dumps(_cluster_template_sent(ws))
        item = ws.session.step("cluster").checks["cluster.posture.defender"]
        assert item["status"] == "warn" and "Off by decision" in item["summary"]
        assert ws.session.step("cluster").status == "done"


def test_managed_prometheus_when_chosen_adds_its_workspace_rule_and_association(prepared_workspace: Any) -> None:
    """Checked against monitoringAccounts_API.json 2023-04-03 and dataCollection.json 2024-03-11
    (prometheusForwarder, monitoringAccounts, dataFlows; the association on the cluster)."""
    with prepared_workspace(EARLIER) as ws:
        ws.azure.resources().providers.register("Microsoft.Monitor")
        _deploy_cluster(ws, prometheus=True)
        sent = json.dumps(_cluster_template_sent(ws))
        assert '"metrics": {"enabled": true' in sent and '"Microsoft-PrometheusMetrics"' in sent
        sub, group = ws.azure.subscription_id, "rg-bu0001a0008"
        types = {r["type"] for r in ws.backend.model.resources_in_group(sub, group)}
        assert {"Microsoft.Monitor/accounts", "Microsoft.Insights/dataCollectionEndpoints",
                "Microsoft.Insights/dataCollectionRules"} <= types
        cluster = ws.session.step("cluster").outputs["cluster_id"]
        association = ws.backend.model.resource(
            f"{cluster}/providers/Microsoft.Insights/dataCollectionRuleAssociations/MSProm-eastus2-"
            f"{ws.session.step('cluster').outputs['cluster_name']}")
        assert association is not None and association["properties"]["dataCollectionRuleId"].endswith(
            "/dataCollectionRules/MSProm-eastus2-" + ws.session.step("cluster").outputs["cluster_name"])


def test_prometheus_needs_microsoft_monitor_registered_and_the_fix_registers_it(prepared_workspace: Any) -> None:
    """The default scenario's subscription has Microsoft.Monitor unregistered (the prerequisites
    do not ask for it): choosing managed Prometheus fails the providers check before anything is
    sent, with ARM's MissingSubscriptionRegistration avoided; the check's fix registers it."""
    with prepared_workspace(EARLIER) as ws:
        runner = decide_and_check(ws, "cluster", prometheus=True)
        found = runner.state.checks["cluster.providers"]
        assert found["status"] == "fail" and "Microsoft.Monitor" in found["summary"]
        assert not _cluster_puts(ws.session.dir)
        runner.apply_fix("cluster.providers")
        assert runner.state.checks["cluster.providers"]["status"] in ("pass", "warn")
