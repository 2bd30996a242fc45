"""The Azure-facing preflight checks (checks/access.py, providers.py, region.py,
firewall_tier.py) against the rehearsal backend: real SDK clients over real HTTPS on
127.0.0.1, one scenario per condition the check must tell apart."""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest

from checks import access, firewall_tier, providers, region, roles, tools
from steps.hub import HUB
from steps.node_pools import REFERENCE_POOLS, NodePool
from steps.prerequisites import PREREQUISITES
from wizard.engine.checks_runner import run_one
from wizard.engine.contract import CheckResult, CheckStatus, StepContext
from wizard.engine.fields import validate
from wizard.rehearsal.routes_providers import REGISTRATION_AZURE_SECONDS

MakeCtx = Callable[..., StepContext]


# -- access ----------------------------------------------------------------------------------

def test_signed_in_reports_the_token_identity(make_ctx: MakeCtx, backend_for: Any) -> None:
    ctx = make_ctx("default")
    user = backend_for("default").scenario.user
    finding = access.check_signed_in(ctx)
    assert finding.status is CheckStatus.PASS
    assert finding.evidence["object_id"] == user["oid"]
    assert finding.evidence["upn"] == user["userPrincipalName"]
    assert user["userPrincipalName"] in finding.summary


def test_signed_in_fails_for_a_token_without_identity(make_ctx: MakeCtx, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = make_ctx("default")
    real = ctx.azure.credential.get_token  # type: ignore[union-attr]

    class Opaque:
        def __init__(self, token: Any) -> None:
            self.token, self.expires_on = "not-a-jwt", token.expires_on

    monkeypatch.setattr(ctx.azure.credential, "get_token", lambda *a, **k: Opaque(real(*a, **k)))  # type: ignore[union-attr]
    finding = access.check_signed_in(ctx)
    assert finding.status is CheckStatus.FAIL
    assert "az login" in finding.remedy


def test_subscription_enabled_passes_on_the_default_subscription(make_ctx: MakeCtx) -> None:
    finding = access.check_subscription_enabled(make_ctx("default"))
    assert finding.status is CheckStatus.PASS
    assert finding.evidence["state"] == "Enabled"


def test_subscription_enabled_fails_on_a_disabled_subscription(make_ctx: MakeCtx, backend_for: Any) -> None:
    disabled = [s["subscriptionId"] for s in backend_for("default").scenario.subscriptions if s["state"] == "Disabled"]
    assert len(disabled) == 1
    DISABLED_SUBSCRIPTION = disabled[0]
    ctx = make_ctx("default", subscription_id=DISABLED_SUBSCRIPTION)
    assert ctx.azure is not None and ctx.azure.subscription_id == DISABLED_SUBSCRIPTION
    finding = access.check_subscription_enabled(ctx)
    assert finding.status is CheckStatus.FAIL
    assert finding.evidence["state"] == "Disabled"
    assert finding.evidence["subscription_id"] == DISABLED_SUBSCRIPTION
    assert "Disabled" in finding.summary and finding.remedy


def test_rbac_passes_for_owner(make_ctx: MakeCtx) -> None:
    finding = access.check_rbac(make_ctx("default"))
    assert finding.status is CheckStatus.PASS
    assert "Owner" in finding.summary
    assert [a["role"] for a in finding.evidence["assignments"]] == ["Owner"]


def test_rbac_fails_for_contributor_only_and_names_the_missing_roles(make_ctx: MakeCtx) -> None:
    finding = access.check_rbac(make_ctx("missing-role"))
    assert finding.status is CheckStatus.FAIL
    assert [a["role"] for a in finding.evidence["assignments"]] == ["Contributor"]
    for missing in ("User Access Administrator", "Resource Policy Contributor"):
        assert missing in finding.summary
        assert missing in finding.remedy
    # Contributor is held, so it is not listed as missing; Owner is offered as the alternative.
    listed = finding.summary.split(":", 1)[1].split("(or Owner)")[0]
    assert [r.strip() for r in listed.split(",")] == ["Resource Policy Contributor", "User Access Administrator"]


def test_entra_group_rights_pass_when_members_may_create_groups(make_ctx: MakeCtx) -> None:
    finding = access.check_entra_group_rights(make_ctx("default"))
    assert finding.status is CheckStatus.PASS
    assert finding.evidence["members_can_create_security_groups"] is True


def test_entra_group_rights_warn_without_member_rights_or_directory_role(make_ctx: MakeCtx) -> None:
    finding = access.check_entra_group_rights(make_ctx("no-group-rights"))
    assert finding.status is CheckStatus.WARN
    assert finding.evidence == {"members_can_create_security_groups": False, "directory_roles": []}
    assert "Groups Administrator" in finding.remedy


def test_entra_group_rights_pass_through_a_directory_role(make_ctx: MakeCtx) -> None:
    finding = access.check_entra_group_rights(make_ctx("groups-admin"))
    assert finding.status is CheckStatus.PASS
    assert finding.evidence["directory_roles"] == ["Groups Administrator"]
    assert "Groups Administrator" in finding.summary


# -- providers -------------------------------------------------------------------------------

def test_providers_pass_when_all_registered(make_ctx: MakeCtx) -> None:
    finding = providers.check_providers(make_ctx("default"))
    assert finding.status is CheckStatus.PASS
    assert set(finding.evidence["providers"]) == set(providers.REQUIRED_PROVIDERS)
    assert set(finding.evidence["providers"].values()) == {"Registered"}


def test_providers_fail_naming_the_unregistered_ones(make_ctx: MakeCtx) -> None:
    finding = providers.check_providers(make_ctx("unregistered-provider"))
    assert finding.status is CheckStatus.FAIL
    states = finding.evidence["providers"]
    assert states["Microsoft.OperationsManagement"] == "NotRegistered"
    assert states["Microsoft.KubernetesConfiguration"] == "NotRegistered"
    assert "Microsoft.OperationsManagement" in finding.summary
    assert "Microsoft.KubernetesConfiguration" in finding.summary
    assert "Microsoft.Network" not in finding.summary


def test_register_missing_then_registering_then_registered(fresh_backend: Any, make_ctx: MakeCtx) -> None:
    backend = fresh_backend("unregistered-provider")
    ctx = make_ctx(backend=backend)
    before = providers.check_providers(ctx)
    assert before.status is CheckStatus.FAIL

    said = providers.register_missing(ctx, before)
    assert "Microsoft.OperationsManagement" in said and "Microsoft.KubernetesConfiguration" in said
    assert "Microsoft.Network" not in said

    after = providers.check_providers(ctx)
    states = after.evidence["providers"]
    targets = ("Microsoft.OperationsManagement", "Microsoft.KubernetesConfiguration")
    assert all(states[ns] in ("Registering", "Registered") for ns in targets)
    if any(states[ns] == "Registering" for ns in targets):
        assert after.status is CheckStatus.WARN
        assert "Still registering" in after.summary
    else:
        assert after.status is CheckStatus.PASS

    # Registration takes REGISTRATION_AZURE_SECONDS of Azure time; at PACE that is 10 ms.
    time.sleep(REGISTRATION_AZURE_SECONDS / backend.pace + 0.05)
    final = providers.check_providers(ctx)
    assert final.status is CheckStatus.PASS
    assert all(final.evidence["providers"][ns] == "Registered" for ns in targets)
    # Nothing left to do: the remedy must not re-register.
    assert providers.register_missing(ctx, final) == "Nothing to register."


# -- region ----------------------------------------------------------------------------------

def test_region_zones_pass_in_eastus2(make_ctx: MakeCtx) -> None:
    finding = region.check_region_zones(make_ctx("default"), "eastus2", REFERENCE_POOLS)
    assert finding.status is CheckStatus.PASS
    assert finding.evidence["zones"] == ["1", "2", "3"]


def test_region_zones_fail_without_zones(make_ctx: MakeCtx) -> None:
    finding = region.check_region_zones(make_ctx("no-zones"), "eastus2", REFERENCE_POOLS)
    assert finding.status is CheckStatus.FAIL
    assert finding.evidence["zones"] == []
    assert "none" in finding.summary


def test_region_zones_fail_for_a_region_without_zones_in_the_catalogue(make_ctx: MakeCtx) -> None:
    finding = region.check_region_zones(make_ctx("default"), "westcentralus", REFERENCE_POOLS)
    assert finding.status is CheckStatus.FAIL


def test_region_zones_fail_for_an_unknown_region(make_ctx: MakeCtx) -> None:
    finding = region.check_region_zones(make_ctx("default"), "atlantis", REFERENCE_POOLS)
    assert finding.status is CheckStatus.FAIL
    assert "atlantis" in finding.summary
    assert "eastus2" in finding.remedy


def _quota_row(finding: Any, key: str) -> dict[str, Any]:
    return next(r for r in finding.evidence["quotas"] if r["quota"] == key)


def test_vcpu_quota_passes_with_room(make_ctx: MakeCtx) -> None:
    finding = region.check_vcpu_quota(make_ctx("default"), "eastus2", REFERENCE_POOLS)
    assert finding.status is CheckStatus.PASS
    # 3 x D2d_v5 (2 vCPUs) + 2 x D4d_v5 (4 vCPUs) at start; (4+2)x2 + (5+2)x4 at peak with 33% surge.
    for key in ("cores", "standardDDv5Family"):
        row = _quota_row(finding, key)
        assert (row["needed_at_start"], row["needed_at_peak"], row["free"]) == (14, 40, 96)


def test_vcpu_quota_fails_when_start_does_not_fit(make_ctx: MakeCtx) -> None:
    finding = region.check_vcpu_quota(make_ctx("low-quota"), "eastus2", REFERENCE_POOLS)
    assert finding.status is CheckStatus.FAIL
    assert _quota_row(finding, "cores")["free"] == 6
    assert "6 free, 14 needed at start" in finding.summary
    assert "quota increase" in finding.remedy


def test_vcpu_quota_warns_when_only_peak_does_not_fit(make_ctx: MakeCtx) -> None:
    finding = region.check_vcpu_quota(make_ctx("tight-quota"), "eastus2", REFERENCE_POOLS)
    assert finding.status is CheckStatus.WARN
    assert _quota_row(finding, "cores")["free"] == 26
    assert "26 free, 40 needed" in finding.summary


def test_vcpu_quota_boundary_free_equal_to_peak_passes(make_ctx: MakeCtx) -> None:
    pools = (NodePool("np", "Standard_D2d_v5", 1, 36, 34, "System"),)  # peak (36 + 13) x 2 = 98 > 96
    assert region.check_vcpu_quota(make_ctx("default"), "eastus2", pools).status is CheckStatus.WARN
    pools = (NodePool("np", "Standard_D2d_v5", 1, 36, 33, "System"),)  # peak (36 + 12) x 2 = 96 = free
    assert region.check_vcpu_quota(make_ctx("default"), "eastus2", pools).status is CheckStatus.PASS


def test_vm_sizes_pass_when_offered_in_every_zone(make_ctx: MakeCtx) -> None:
    finding = region.check_vm_sizes(make_ctx("default"), "eastus2", REFERENCE_POOLS)
    assert finding.status is CheckStatus.PASS
    assert all(r["offered"] and r["zones"] == ["1", "2", "3"] for r in finding.evidence["sizes"])


def test_vm_sizes_fail_with_a_zone_restriction(make_ctx: MakeCtx) -> None:
    finding = region.check_vm_sizes(make_ctx("zone-restricted-size"), "eastus2", REFERENCE_POOLS)
    assert finding.status is CheckStatus.FAIL
    rows = {r["size"]: r for r in finding.evidence["sizes"]}
    assert rows["Standard_D4d_v5"]["zones"] == ["1", "2"]
    assert rows["Standard_D2d_v5"]["zones"] == ["1", "2", "3"]
    assert "Standard_D4d_v5 (npuser01)" in finding.summary
    assert "Standard_D2d_v5" not in finding.summary


def test_vm_sizes_fail_when_a_size_is_absent(make_ctx: MakeCtx) -> None:
    finding = region.check_vm_sizes(make_ctx("absent-size"), "eastus2", REFERENCE_POOLS)
    assert finding.status is CheckStatus.FAIL
    rows = {r["size"]: r for r in finding.evidence["sizes"]}
    assert rows["Standard_D2d_v5"]["offered"] is False
    assert "Standard_D2d_v5 (npsystem) is not offered in eastus2" in finding.summary


def test_public_ip_quota_pass_and_fail_around_the_free_count(make_ctx: MakeCtx) -> None:
    ctx = make_ctx("default")
    exact = region.check_public_ip_quota(ctx, "eastus2", 98)  # limit 100, 2 used
    assert exact.status is CheckStatus.PASS
    assert exact.evidence["quota"] == "StandardSkuPublicIpAddresses"
    over = region.check_public_ip_quota(ctx, "eastus2", 99)
    assert over.status is CheckStatus.FAIL
    assert "98 Standard public IPs free" in over.summary and "needs 99" in over.summary


def test_network_zones_pass_in_eastus2(make_ctx: MakeCtx) -> None:
    finding = region.check_network_zones(make_ctx("default"), "eastus2")
    assert finding.status is CheckStatus.PASS
    assert finding.evidence["zones"] == {"azureFirewalls": ["1", "2", "3"], "publicIPAddresses": ["1", "2", "3"]}


def test_network_zones_fail_without_zones(make_ctx: MakeCtx) -> None:
    finding = region.check_network_zones(make_ctx("no-zones"), "eastus2")
    assert finding.status is CheckStatus.FAIL
    assert "azureFirewalls" in finding.summary


def test_network_zones_accept_the_display_name(make_ctx: MakeCtx) -> None:
    assert region.check_network_zones(make_ctx("default"), "East US 2").status is CheckStatus.PASS


# -- firewall tier ---------------------------------------------------------------------------

def test_firewall_premium_passes_where_offered(make_ctx: MakeCtx) -> None:
    finding = firewall_tier.check_firewall_tier(make_ctx("default"), "rg-hub-probe", "eastus2", "Premium")
    assert finding.status is CheckStatus.PASS
    assert finding.evidence == {"region": "eastus2", "tier": "Premium", "validated_against": "NetworkWatcherRG"}


def test_firewall_premium_fails_with_azures_code(make_ctx: MakeCtx) -> None:
    ctx = make_ctx("no-firewall-premium")
    finding = firewall_tier.check_firewall_tier(ctx, "rg-hub-probe", "eastus2", "Premium")
    assert finding.status is CheckStatus.FAIL
    assert finding.evidence["code"] == "SkuNotAvailable"
    assert "Premium" in finding.evidence["message"]
    assert "SkuNotAvailable" in finding.summary
    # the remedy says it once (not also Azure's generic "choose another region or SKU")
    assert finding.remedy == "Choose another firewall tier or region."
    # Standard is still offered there.
    assert firewall_tier.check_firewall_tier(ctx, "rg-hub-probe", "eastus2", "Standard").status is CheckStatus.PASS


def test_firewall_tier_warns_when_no_group_exists_to_validate_against(make_ctx: MakeCtx) -> None:
    """ARM short-circuits the preflight of a nested deployment into a group that does not exist
    (NestedDeploymentShortCircuited), so a probe that creates its own group would pass live even
    where the tier is missing. With nothing to validate against, the check says it cannot know."""
    finding = firewall_tier.check_firewall_tier(make_ctx("empty-subscription"), "rg-hub-probe", "eastus2", "Premium")
    assert finding.status is CheckStatus.WARN
    assert "no resource group" in finding.summary and "az group create" in finding.remedy


def test_firewall_tier_uses_the_hub_group_when_it_exists(make_ctx: MakeCtx) -> None:
    ctx = make_ctx("no-firewall-premium")
    ctx.azure.resources().resource_groups.create_or_update("rg-hub-probe", {"location": "eastus2"})  # type: ignore[union-attr]
    finding = firewall_tier.check_firewall_tier(ctx, "rg-hub-probe", "eastus2", "Premium")
    assert finding.status is CheckStatus.FAIL and finding.evidence["validated_against"] == "rg-hub-probe"


def test_firewall_probe_creates_nothing(make_ctx: MakeCtx, backend_for: Any) -> None:
    ctx = make_ctx("default")
    firewall_tier.check_firewall_tier(ctx, "rg-probe-only", "eastus2", "Standard")
    groups = [g.name for g in ctx.azure.resources().resource_groups.list()]  # type: ignore[union-attr]
    assert "rg-probe-only" not in groups


# -- registered Check objects through run_one --------------------------------------------------

def _fake_which(name: str) -> str | None:
    return f"/opt/fake/{name}"


def _fake_run(cmd: list[str]) -> str:
    return {"az": '{"azure-cli": "2.61.0"}', "kubectl": '{"clientVersion": {"gitVersion": "v1.34.1"}}'}.get(
        cmd[0].rsplit("/", 1)[-1], "version 1.0.0")


@pytest.fixture
def hermetic_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    """prereq.tools calls check_tools with its defaults: swap them so no subprocess runs."""
    monkeypatch.setattr(tools.check_tools, "__defaults__", (_fake_which, _fake_run, tools.TOOLS))


def _step_answers(step: Any, ctx: StepContext) -> dict[str, Any]:
    values, errors = validate(step, {}, ctx)
    assert errors == {}
    return values


@pytest.mark.usefixtures("hermetic_tools")
def test_every_prerequisites_check_runs_through_run_one(make_ctx: MakeCtx) -> None:
    ctx = make_ctx("default")
    answers = _step_answers(PREREQUISITES, ctx)
    assert answers["region"] == "eastus2"
    ctx = make_ctx("default", answers=answers)
    results = [run_one(check, ctx) for check in PREREQUISITES.checks]
    assert all(isinstance(r, CheckResult) for r in results)
    assert {r.check_id: r.status for r in results} == {c.id: CheckStatus.PASS for c in PREREQUISITES.checks}


@pytest.mark.usefixtures("hermetic_tools")
def test_prerequisites_checks_report_each_scenario_problem_via_run_one(make_ctx: MakeCtx) -> None:
    by_scenario = {"missing-role": "prereq.rbac", "unregistered-provider": "prereq.providers",
                   "no-zones": "prereq.zones", "low-quota": "prereq.quota"}
    for scenario, failing in by_scenario.items():
        ctx = make_ctx(scenario)
        results = {c.id: run_one(c, ctx) for c in PREREQUISITES.checks if c.id in (failing, "prereq.providers")}
        assert results[failing].status is CheckStatus.FAIL, scenario
        assert results[failing].finding.remedy, scenario
        # Only a non-passing check with a one-key remedy is offered as fixable.
        assert results["prereq.providers"].fixable is (scenario == "unregistered-provider")


def test_every_hub_check_runs_through_run_one(make_ctx: MakeCtx) -> None:
    outputs = {"prerequisites": {"region": "eastus2"}}
    ctx = make_ctx("default", step_id="hub", answers={}, outputs=outputs)
    answers = _step_answers(HUB, ctx)
    ctx = make_ctx("default", step_id="hub", answers=answers, outputs=outputs)
    results = [run_one(check, ctx) for check in HUB.checks]
    assert all(isinstance(r, CheckResult) for r in results)
    assert {r.check_id: r.status for r in results} == {c.id: CheckStatus.PASS for c in HUB.checks}

    ctx = make_ctx("no-firewall-premium", step_id="hub", answers=answers, outputs=outputs)
    tier = next(c for c in HUB.checks if c.id == "hub.firewall-tier")
    result = run_one(tier, ctx)
    assert result.status is CheckStatus.FAIL
    assert result.finding.evidence["code"] == "SkuNotAvailable"


def test_run_one_turns_an_azure_error_into_an_error_result(make_ctx: MakeCtx) -> None:
    ctx = make_ctx("default", step_id="hub", answers={"location": "atlantis", "firewall_public_ips": 3})
    check = next(c for c in HUB.checks if c.id == "hub.public-ip-quota")
    result = run_one(check, ctx)
    assert result.status is CheckStatus.ERROR
    assert result.finding.evidence["error_code"] == "NoRegisteredProviderFound"


def test_run_one_without_azure_session_is_an_error_not_a_crash() -> None:
    ctx = StepContext(step_id="prerequisites", answers={"region": "eastus2"}, outputs={}, mode="rehearsal")
    for check in PREREQUISITES.checks:
        if check.needs_azure:
            result = run_one(check, ctx)
            assert result.status is CheckStatus.ERROR
            assert "Sign in" in result.finding.remedy


def test_role_sets_are_consistent() -> None:
    # The FAIL message of check_rbac relies on SUFFICIENT_ROLE_SETS[1] being the narrow set.
    assert roles.SUFFICIENT_ROLE_SETS[0] == {roles.OWNER}
    assert roles.CONTRIBUTOR in roles.SUFFICIENT_ROLE_SETS[1]
