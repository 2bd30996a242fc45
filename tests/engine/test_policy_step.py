"""Step 4 (policy) against the rehearsal over real HTTPS: the resource groups, their "Allowed
resource types" denies and the current Defender plans in one subscription deployment; each
plan's state read and recorded before the change; the rehearsal enforcing what the step
assigns (RequestDisallowedByPolicy, DoNotEnforce lets it through) and refusing retired
Defender sub-plans with Azure's sentence; a partial success said plainly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from steps import REGISTRY
from steps import policy_template as tpl
from tests.engine.flow import (Recorder, decide_and_check, deploy_step, finish_prerequisites, journal, not_passing,
                               only_session_dir, open_workspace, records_of, run_cli)
from checks import policy as policy_checks
from wizard.engine.arm import AzureCallFailed
from wizard.engine.contract import CheckStatus
from wizard.engine.contract import ArmDeployment, GroupTemplate, StepDefinition
from wizard.engine.events import Notice
from wizard.engine.runner import StepRunner
from wizard.workspace import Workspace


def _probe(resources: list[dict[str, Any]], group: str | None = None) -> StepDefinition:
    """A one-off step deploying ``resources`` into ``group`` (or at subscription scope)."""
    template = {"$schema": tpl.RG_SCHEMA, "contentVersion": "1.0.0.0", "resources": resources}
    groups = (GroupTemplate(key="probe", resource_group=lambda ctx: str(group), location=lambda ctx: "eastus2",
                            template=lambda ctx: template, parameters=lambda ctx: {}),) if group else ()
    return StepDefinition(id="probe", title="Probe", summary="", lesson="", built=True, action=ArmDeployment(
        deployment_base_name="probe", location=lambda ctx: "eastus2", groups=groups, outputs=lambda g, ctx: {},
        subscription_resources=None if group else (lambda ctx: resources)))


def _run_probe(ws: Workspace, step: StepDefinition) -> StepRunner:
    runner = StepRunner(ws.session, step, ws.registry + (step,), ws.azure, Recorder(), poll_interval=0.01)
    assert runner.submit_decisions({}) == {}
    return runner


STORAGE = {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2025-01-01", "name": "stprobe0001",
           "location": "eastus2", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2", "properties": {}}


def test_defaults_make_the_groups_their_denies_and_current_defender_plans(tmp_path: Path) -> None:
    with open_workspace(tmp_path, "defender-already-on") as ws:
        finish_prerequisites(ws)
        runner = decide_and_check(ws, "policy")
        assert not_passing(runner) == {}
        before = runner.state.checks["policy.defender-plans"]["evidence"]["before"]
        assert before["KeyVaults"] == {"pricingTier": "Standard", "subPlan": "PerTransaction", "deprecated": False,
                                       "replacedBy": [], "extensions": []}
        assert before["Containers"]["pricingTier"] == "Free"
        preview = runner.preview()
        kinds = {c.resource_type: c.change_type for c in preview.changes}
        assert kinds["Microsoft.Resources/resourceGroups"] == "Create"
        pricing = next(c for c in preview.changes if c.name == "KeyVaults")
        assert pricing.change_type == "Modify"  # every plan exists; the preview shows before and after
        assert any(d.path == "properties.subPlan" and d.before == "PerTransaction" and d.after == "PerKeyVault"
                   for d in pricing.deltas)
        runner.approve()
        outputs = runner.deploy()
        assert outputs["hub_resource_group"] == "rg-enterprise-networking-hubs-eastus2"
        assert outputs["defender_plans"]["KeyVaults"] == {"pricingTier": "Standard", "subPlan": "PerKeyVault"}
        listed = [a.as_dict() for a in ws.azure.policy().policy_assignments.list_for_resource_group(
            "rg-enterprise-networking-spokes-eastus2")]
        # the list includes what applies from above (the subscription's Defender initiative), as Azure's does
        assignments = [a for a in listed if "/resourcegroups/" in a["id"].lower()]
        assert len(assignments) == 2 and len(listed) == 3  # Allowed resource types, Network Watcher audit
        assigned = next(a for a in assignments if a["properties"]["policyDefinitionId"] == tpl.baseline()[
            "allowedResourceTypesDefinition"])
        props = assigned["properties"]  # this SDK's models keep ARM's own (camelCase) names
        assert props["enforcementMode"] == "Default"
        assert props["parameters"]["listOfResourceTypesAllowed"]["value"] == tpl.allowed_types("spoke")
        made = records_of(ws.session.dir, "deployment.succeeded", "policy")[0]["data"]["resources"]
        existed = {m["type"]: m["existed_before"] for m in made}
        assert existed["Microsoft.Security/pricings"] is True  # cleanup restores plans, never deletes them
        assert existed["Microsoft.Resources/resourceGroups"] is False
        assert existed["Microsoft.Authorization/policyDefinitions"] is False


def test_the_reference_custom_definitions_and_defender_initiative_are_deployed(tmp_path: Path) -> None:
    """The regulated reference's custom definitions at subscription scope, its four denies on the
    workload group, and the Defender initiative assigned with a managed identity that holds
    Security Admin (its policies' roleDefinitionIds), given with principalType so a minutes-old
    identity does not meet PrincipalNotFound."""
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        outputs = deploy_step(ws, "policy")
        policy = ws.azure.policy()
        ids = outputs["custom_definition_ids"]
        assert set(ids) == {d["key"] for d in tpl.custom()["definitions"]}
        public_aks = policy.policy_definitions.get(ids["DenyPublicAks"].rsplit("/", 1)[-1]).as_dict()
        assert public_aks["properties"]["policyType"] == "Custom"
        nic_rule = policy.policy_definitions.get(ids["NoPublicIPsForNICsInVnet"].rsplit("/", 1)[-1]).as_dict()
        condition = json.dumps(nic_rule["properties"]["policyRule"])
        assert "[parameters('vnetResourceId')]" in condition  # the rule's own parameter, not evaluated by ARM
        workload = [a.as_dict() for a in policy.policy_assignments.list_for_resource_group("rg-bu0001a0008")
                    if "/resourcegroups/" in a.id.lower()]
        assigned = {a["properties"]["policyDefinitionId"].rsplit("/", 1)[-1] for a in workload}
        assert {ids[k].rsplit("/", 1)[-1] for k in ("DenyPublicAks", "DenyAagWithoutWaf", "DenyNonDefenderAks",
                                                    "NoPublicIPsForVMScaleSets")} <= assigned
        builtins = {b["id"] for b in tpl.builtin_audits("workload")}
        assert builtins <= {a["properties"]["policyDefinitionId"] for a in workload}  # the reference's audits
        assert len(workload) == 1 + 4 + len(builtins)  # and Allowed resource types
        initiative = next(a.as_dict() for a in policy.policy_assignments.list()
                          if "policysetdefinitions" in a.policy_definition_id.lower())
        assert initiative["identity"]["type"] == "SystemAssigned" and initiative["location"] == "eastus2"
        principal = initiative["identity"]["principalId"]
        roles = [r.as_dict() for r in ws.azure.authorization().role_assignments.list_for_subscription()]
        given = [r for r in roles if r["principal_id"] == principal]
        assert len(given) == 1 and given[0]["role_definition_id"].endswith("fb1c8493-542b-48eb-b624-b4c8fea62acd")
        assert outputs["defender_initiative_assigned"] is True and outputs["defender_initiative_id"]
        assert initiative["id"] in outputs["policy_assignment_ids"]
        assert {a["id"] for a in workload} <= set(outputs["policy_assignment_ids"])
        assert outputs["defender_plans_before"]["Containers"] == {"pricingTier": "Free", "subPlan": None}


def test_containers_only_leaves_the_key_vault_plan_alone(tmp_path: Path) -> None:
    """The initiative would turn Key Vault's plan on: with 'Containers only' it is not assigned,
    and the check of the right to give its identity a role does not apply."""
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        runner = decide_and_check(ws, "policy", defender="containers")
        assert "policy.remediation-rights" in {c.id for c in runner.not_applicable_checks()}
        assert not_passing(runner) == {}
        outputs = deploy_step(ws, "policy", defender="containers")
        assert outputs["defender_initiative_assigned"] is False
        assert not [a for a in ws.azure.policy().policy_assignments.list()
                    if "policysetdefinitions" in a.policy_definition_id.lower()]


def test_every_type_the_built_steps_deploy_is_allowed_in_its_group(tmp_path: Path) -> None:
    """Run every built step headless, then read each deployment the journal saw: every top-level
    resource (the policy is Indexed: child types and extension resources, which carry a ``scope``,
    are never judged) must be on its group's list."""
    result = run_cli(tmp_path, "run", "--rehearsal", "--accept-defaults", "--yes", "--pace", "6000", timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    session = only_session_dir(tmp_path)
    outputs = json.loads((session / "state.json").read_text())["steps"]["policy"]["outputs"]
    lists = {outputs[f"{key}_resource_group"].lower(): {t.lower() for t in tpl.allowed_types(key)}
             for key in ("hub", "spoke", "workload")}
    checked = 0
    for entry in journal(session):
        if entry["method"] != "PUT" or "/deployments/" not in entry["path"] or entry["status"] >= 300:
            continue
        for nested in entry["request"]["properties"]["template"]["resources"]:
            group = str(nested.get("resourceGroup", "")).lower()
            if nested["type"] != "Microsoft.Resources/deployments" or group not in lists:
                continue
            for resource in nested["properties"]["template"]["resources"]:
                if resource["type"].count("/") == 1 and not resource["type"].startswith("Microsoft.Authorization/") \
                        and "scope" not in resource:
                    assert resource["type"].lower() in lists[group], (group, resource["type"])
                    checked += 1
    assert checked >= 10  # the hub's resources at least


@pytest.mark.parametrize("enforcement, refused", [("Default", True), ("DoNotEnforce", False)])
def test_a_type_not_allowed_is_refused_by_policy_unless_audit_only(tmp_path: Path, enforcement: str,
                                                                   refused: bool) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        deploy_step(ws, "policy", enforcement=enforcement, defender="off")
        runner = _run_probe(ws, _probe([STORAGE], "rg-enterprise-networking-hubs-eastus2"))
        if not refused:
            runner.preview()
            return
        with pytest.raises(AzureCallFailed) as blocked:
            runner.preview()
        failure = blocked.value.failure
        inner = failure.innermost()
        assert inner.code == "RequestDisallowedByPolicy" and "stprobe0001" in inner.message
        assert "Allowed resource types" in inner.message and "policyAssignments" in inner.message


def test_a_retired_defender_sub_plan_fails_with_azures_sentence(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        pricing = tpl.defender_pricing("KeyVaults", {"subPlan": "PerTransaction"})
        runner = _run_probe(ws, _probe([pricing]))
        runner.preview()
        runner.approve()
        with pytest.raises(AzureCallFailed) as failed:
            runner.deploy()
        inner = failed.value.failure.innermost()
        assert inner.code == "InvalidInputError"
        assert "Failed to enable the 'PerTransaction' sub plan on the 'KeyVaults' plan" in inner.message
        assert "no longer available for new subscriptions" in inner.message


def test_a_deprecated_plan_is_refused_too(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        runner = _run_probe(ws, _probe([tpl.defender_pricing("KubernetesService", {})]))
        runner.preview()
        runner.approve()
        with pytest.raises(AzureCallFailed) as failed:
            runner.deploy()
        assert "Containers" in failed.value.failure.innermost().message


def test_an_extension_that_failed_is_a_partial_success_not_a_failure(tmp_path: Path) -> None:
    sink = Recorder()
    with open_workspace(tmp_path, "defender-extension-fails") as ws:
        finish_prerequisites(ws)
        deploy_step(ws, "policy", sink)
        assert ws.session.step("policy").status == "done"
        verify = ws.session.step("policy").checks["policy.verify-defender"]
        assert verify["status"] == "warn" and "Containers/AgentlessDiscoveryForKubernetes" in verify["summary"]
        assert any("Failed assigning roles" in n.message for n in sink.of(Notice))


def test_contributor_alone_may_not_write_policy(make_ctx: Any) -> None:
    ctx = make_ctx("missing-role", step_id="policy")
    rights = policy_checks.check_policy_rights(ctx)
    assert rights.status is CheckStatus.FAIL and "Resource Policy Contributor" in rights.remedy
    assert policy_checks.check_defender_rights(ctx).status is CheckStatus.PASS  # Contributor may change plans
    assert policy_checks.check_policy_rights(make_ctx("default", step_id="policy")).status is CheckStatus.PASS


def test_a_management_group_deny_is_named_and_blocks_the_hub(tmp_path: Path) -> None:
    with open_workspace(tmp_path, "management-group-deny") as ws:
        finish_prerequisites(ws)
        runner = decide_and_check(ws, "policy", defender="off")
        check = runner.state.checks["policy.existing-denies"]
        assert check["status"] == "warn" and "Platform: allowed resource types" in check["summary"]
        evidence = records_of(ws.session.dir, "check.result", "policy")
        denies = next(r for r in evidence if r["data"]["check"] == "policy.existing-denies")["data"]["evidence"]
        assert "Microsoft.Network/azureFirewalls" in denies["blocking"][0]["refused_types"]
        hub = decide_and_check(ws, "hub")
        with pytest.raises(AzureCallFailed) as blocked:
            hub.preview()
        assert blocked.value.failure.innermost().code == "RequestDisallowedByPolicy"


def test_the_policy_step_is_in_the_registry_before_the_hub() -> None:
    ids = [s.id for s in REGISTRY]
    assert ids.index("policy") < ids.index("hub") and next(s for s in REGISTRY if s.id == "policy").built


def test_the_rehearsal_refuses_a_policy_assignment_to_a_contributor_as_arm_does(tmp_path: Path) -> None:
    """Checked against ARM's preflight wording (permissions module docstring): Contributor's
    notActions exclude Microsoft.Authorization/*/Write, so the assignment is refused, while a
    storage account in the same template would be allowed."""
    with open_workspace(tmp_path, "missing-role") as ws:
        assignment = tpl.allowed_resource_types_assignment("rg-probe", ["Microsoft.Network/virtualNetworks"], "Default")
        ws.azure.resources().resource_groups.create_or_update("rg-probe", {"location": "eastus2"})
        runner = _run_probe(ws, _probe([assignment, STORAGE], "rg-probe"))
        with pytest.raises(AzureCallFailed) as refused:
            runner.preview()
        details = [d for d in refused.value.failure.details if d.code == "AuthorizationFailed"]
        assert len(details) == 1
        assert "Microsoft.Authorization/policyAssignments/write" in details[0].message
        assert "avery@contoso-rehearsal.onmicrosoft.com" in details[0].message
