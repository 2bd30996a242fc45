"""The rehearsal enforcing what the policy step deploys, as Azure would, over real HTTPS:

- the reference's custom denies on the workload group refuse a public AKS API, an Application
  Gateway without WAF_v2 and a scale set with public IPs (``RequestDisallowedByPolicy`` naming
  the assignment and the definition's display name), and audit-only lets them through;
- Microsoft.Authorization's own write validations, checked against the errors users quote
  (see ``wizard/rehearsal/authorization_writes.py``): a deployIfNotExists assignment needs an
  identity, a role assignment for a minutes-old identity needs ``principalType``, a role
  assignment's name is a GUID and its principal cannot change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checks import policy as policy_checks
from steps import policy_template as tpl
from tests.engine.flow import deploy_step, finish_prerequisites, journal, open_workspace, records_of
from tests.engine.test_policy_step import _probe, _run_probe
from wizard.engine.arm import AzureCallFailed
from wizard.engine.contract import CheckStatus

WORKLOAD = "rg-bu0001a0008"
AKS_API = "2026-06-01"


def _cluster(private: bool, defender: bool = True) -> dict[str, Any]:
    return {"type": "Microsoft.ContainerService/managedClusters", "apiVersion": AKS_API, "name": "aks-probe",
            "location": "eastus2", "identity": {"type": "SystemAssigned"},
            "properties": {"dnsPrefix": "probe", "apiServerAccessProfile": {"enablePrivateCluster": private},
                           "securityProfile": {"defender": {"securityMonitoring": {"enabled": defender}}},
                           "agentPoolProfiles": [{"name": "system", "count": 1, "vmSize": "Standard_D4ds_v5",
                                                  "mode": "System"}]}}


def _gateway(sku: str) -> dict[str, Any]:
    return {"type": "Microsoft.Network/applicationGateways", "apiVersion": "2024-07-01", "name": "agw-probe",
            "location": "eastus2", "properties": {"sku": {"name": sku, "tier": sku, "capacity": 1}}}


def _refusal(runner: Any) -> Any:
    with pytest.raises(AzureCallFailed) as blocked:
        runner.preview()
    return blocked.value.failure.innermost()


@pytest.mark.parametrize("resource, definition, defender", [
    (_cluster(private=False), "Public network access on AKS API should be disabled", "off"),
    # assigned only when step 4 turns Defender for Containers on (the cluster then gets its profile)
    (_cluster(private=True, defender=False), "Microsoft Defender for Containers should be enabled in the cluster",
     "containers"),
    (_gateway("Standard_v2"), "WAF SKU must be enabled on Azure Application Gateway", "off"),
])
def test_a_custom_deny_refuses_what_the_baseline_forbids(tmp_path: Path, resource: dict[str, Any],
                                                          definition: str, defender: str) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        deploy_step(ws, "policy", defender=defender)
        inner = _refusal(_run_probe(ws, _probe([resource], WORKLOAD)))
        assert inner.code == "RequestDisallowedByPolicy" and resource["name"] in inner.message
        assert definition in inner.message and f"[{WORKLOAD}]" not in inner.message  # the definition, not the label
        assert "policyAssignments" in inner.message


def test_what_the_baseline_deploys_passes_the_custom_denies(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        deploy_step(ws, "policy", defender="off")
        preview = _run_probe(ws, _probe([_cluster(private=True), _gateway("WAF_v2")], WORKLOAD)).preview()
        assert {c.resource_type for c in preview.changes} >= {"Microsoft.ContainerService/managedClusters",
                                                              "Microsoft.Network/applicationGateways"}


def test_audit_only_lets_a_public_cluster_through(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        deploy_step(ws, "policy", defender="off", enforcement="DoNotEnforce")
        _run_probe(ws, _probe([_cluster(private=False)], WORKLOAD)).preview()


def _deploy_failure(runner: Any) -> Any:
    runner.preview()
    runner.approve()
    with pytest.raises(AzureCallFailed) as failed:
        runner.deploy()
    return failed.value.failure


def test_a_deploy_if_not_exists_assignment_without_an_identity_fails_its_write(tmp_path: Path) -> None:
    """Checked against the wording quoted in Azure/azure-cli#13150 (ResourceIdentityRequired):
    a provider validation, so preflight passes and the write fails."""
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        init = tpl.initiative()
        definitions = [tpl.policy_definition(d, "eastus2") for d in tpl.custom()["definitions"]
                       if d["key"] in init["definitions"]]
        assignment = tpl.initiative_assignment(init, "eastus2", "Default")
        del assignment["identity"]
        failure = _deploy_failure(_run_probe(ws, _probe([*definitions, tpl.policy_set_definition(init), assignment])))
        inner = failure.innermost()
        assert inner.code == "ResourceIdentityRequired" and "DeployIfNotExists" in inner.message


def test_a_role_for_a_new_identity_without_principal_type_meets_principal_not_found(tmp_path: Path) -> None:
    """The replication race of a minutes-old identity, with ARM's remedy in the message; the
    wizard waits and resubmits the same template once (audited), and by then Entra ID knows the
    identity, as it does in Azure a little later."""
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        init = tpl.initiative()
        resources = [tpl.policy_definition(d, "eastus2") for d in tpl.custom()["definitions"]
                     if d["key"] in init["definitions"]]
        role = tpl.remediation_role_assignment(init)
        del role["properties"]["principalType"]
        resources += [tpl.policy_set_definition(init), tpl.initiative_assignment(init, "eastus2", "Default"), role]
        runner = _run_probe(ws, _probe(resources))
        runner.preview()
        runner.approve()
        runner.deploy()
        [retried] = records_of(ws.session.dir, "deployment.retried")
        assert retried["data"]["code"] == "PrincipalNotFound"
        failed = [o for e in journal(ws.session.dir) if e["method"] == "GET" and e["path"].endswith("/operations")
                  for o in (e.get("response") or {}).get("value", [])
                  if (o.get("properties") or {}).get("provisioningState") == "Failed"]
        assert any("principalType" in json.dumps(o) for o in failed)


def _role(name: str, principal: str) -> dict[str, Any]:
    return {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": tpl.ROLE_ASSIGNMENTS_API, "name": name,
            "properties": {"roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                                               "'acdd72a7-3385-48ef-bd42-f606fba81ae7')]",
                           "principalId": principal, "principalType": "User"}}


def test_role_assignment_names_are_guids_and_their_principal_cannot_change(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        me = ws.azure.actor().object_id
        bad = _deploy_failure(_run_probe(ws, _probe([_role("reader-for-me", me)]))).innermost()
        assert bad.code == "InvalidRoleAssignmentId"
        name = "6b1c7c8e-9a5f-4d8e-b1c2-3d4e5f607182"
        runner = _run_probe(ws, _probe([_role(name, me)]))
        runner.preview()
        runner.approve()
        runner.deploy()
        other = "0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c"
        moved = _deploy_failure(_run_probe(ws, _probe([_role(name, other)]))).innermost()
        assert moved.code == "RoleAssignmentUpdateNotPermitted"
        twice = _deploy_failure(_run_probe(ws, _probe([_role("7c2d8d9f-0b6a-4e9f-82d3-4e5f60718293", me)])))
        assert twice.innermost().code == "RoleAssignmentExists"


def test_giving_the_initiative_identity_a_role_needs_owner_or_user_access_administrator(make_ctx: Any) -> None:
    refused = policy_checks.check_remediation_rights(make_ctx("missing-role", step_id="policy"))
    assert refused.status is CheckStatus.FAIL and "User Access Administrator" in refused.remedy
    assert "Containers only" in refused.remedy
    assert policy_checks.check_remediation_rights(make_ctx("default", step_id="policy")).status is CheckStatus.PASS
