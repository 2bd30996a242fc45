"""Step 4: the subscription's guardrails before any network exists: the baseline's resource
groups, an "Allowed resource types" deny on each, the regulated reference's custom deny
definitions (assigned to the workload group) and its Defender initiative, and Microsoft
Defender for Cloud plans under their current names - one subscription-scoped deployment
(walkthrough.md §4, facts-2026-12 §1-2)."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from checks import naming
from checks import policy as checks
from steps import policy_template as tpl
from steps.prerequisites import region_error
from wizard.engine.contract import (ArmDeployment, Check, Choice, Field, FieldKind, GroupTemplate, OutputSpec,
                                    StepContext, StepDefinition)

GROUPS = ("hub", "spoke", "workload")
ENFORCEMENT = (Choice("Default", "Enforce (deny)", "A resource of a type not on a group's list is refused; the "
                      "reference's choice."),
               Choice("DoNotEnforce", "Audit only", "Nothing is refused; non-compliant resources are only reported. "
                      "For a first look, but a mistake then costs money instead of an error."))
DEFENDER = (Choice("recommended", "Containers, Key Vault and Resource Manager", "The plans the baseline relies on, "
                   "under their current names and sub-plans (PerKeyVault, PerSubscription)."),
            Choice("containers", "Containers only", "Runtime protection and image scanning for the cluster and ACR."),
            Choice("off", "Off", "No plan is changed; your security team manages Defender. Needs no Security Admin."))


def _region(ctx: StepContext) -> str:
    return str(ctx.answers.get("location") or ctx.output("prerequisites", "region", "eastus2"))


def _group_default(key: str) -> Callable[[StepContext], str]:
    pattern = tpl.baseline()["groups"][key]["default"]
    return lambda ctx: pattern.format(region=_region(ctx))


def _group_name(value: Any, ctx: StepContext) -> str | None:
    return naming.name_error("resource_group", str(value))


def _plans(a: Mapping[str, Any]) -> list[str]:
    return list(tpl.defender_plans(str(a.get("defender", "off"))))


def _group(key: str) -> GroupTemplate:
    return GroupTemplate(
        key=key, resource_group=lambda ctx: str(ctx.answers[f"{key}_group"]), location=_region,
        template=lambda ctx: tpl.group_template(key, str(ctx.answers[f"{key}_group"]), tpl.allowed_types(key),
                                                str(ctx.answers["enforcement"]), _plans(ctx.answers)),
        parameters=lambda ctx: {}, after_resources=tpl.definition_ids(key))


def _keeps_plans_on(a: Mapping[str, Any]) -> bool:
    """The initiative turns Containers and Key Vault back on when someone turns them off: it is
    assigned only when the operator chose both, or it would overrule a narrower choice."""
    chosen = set(_plans(a))
    return bool(chosen) and set(tpl.initiative()["needsPlans"]) <= chosen


def _subscription_resources(ctx: StepContext) -> list[dict[str, Any]]:
    region, enforcement = _region(ctx), str(ctx.answers["enforcement"])
    out = [tpl.policy_definition(d, region) for d in tpl.custom()["definitions"]]
    init = tpl.initiative()
    out.append(tpl.policy_set_definition(init))
    if _keeps_plans_on(ctx.answers):
        out += [tpl.initiative_assignment(init, region, enforcement), tpl.remediation_role_assignment(init)]
    out += [tpl.defender_pricing(plan, settings)
            for plan, settings in tpl.defender_plans(str(ctx.answers["defender"])).items()]
    return out


def _outputs(groups: Mapping[str, Mapping[str, Any]], ctx: StepContext) -> dict[str, Any]:
    assert ctx.azure is not None
    sub = ctx.azure.subscription_id
    ids = dict(groups.get("subscription") or {})
    out: dict[str, Any] = {f"{key}_resource_group": ctx.answers[f"{key}_group"] for key in GROUPS}
    out.update({f"{key}_resource_group_id": f"/subscriptions/{sub}/resourceGroups/{ctx.answers[f'{key}_group']}"
                for key in GROUPS})
    out["location"] = _region(ctx)
    out["enforcement"] = ctx.answers["enforcement"]
    out["custom_definition_ids"] = {key.removeprefix("definition:"): value for key, value in ids.items()
                                    if key.startswith("definition:")}
    out["defender_initiative_id"] = ids.get("initiative", "")
    out["defender_initiative_assigned"] = _keeps_plans_on(ctx.answers)
    out["defender_plans"] = {plan: {"pricingTier": "Standard", "subPlan": s.get("subPlan")}
                             for plan, s in tpl.defender_plans(str(ctx.answers["defender"])).items()}
    before = ((ctx.checks.get("policy.defender-plans") or {}).get("evidence") or {}).get("before") or {}
    out["defender_plans_before"] = {plan: {"pricingTier": b.get("pricingTier"), "subPlan": b.get("subPlan")}
                                    for plan, b in before.items()}
    out["policy_assignment_ids"] = sorted(i for key in GROUPS for i in (groups.get(key) or {}).get("assignmentIds") or [])
    if ids.get("initiative_assignment"):
        out["policy_assignment_ids"].append(ids["initiative_assignment"])
    return out


def _all_types() -> list[str]:
    return sorted({t for key in GROUPS for t in tpl.allowed_types(key)})


POLICY = StepDefinition(
    id="policy",
    title="Azure Policy + Defender",
    summary="Resource groups, allowed resource types, the baseline's deny rules and Microsoft Defender "
            "(one subscription deployment).",
    lesson="policy.md",
    built=True,
    needs=("prerequisites",),
    fields=(
        Field("location", "Region", "Where the resource groups (and the deployment's record) live: the baseline's "
              "region from step 1.", default=lambda ctx: str(ctx.output("prerequisites", "region", "eastus2")),
              validators=(region_error,)),
        *(Field(f"{key}_group", tpl.baseline()["groups"][key]["label"],
                "Each team's resources in their own group, so RBAC and policy stay apart; reference naming.",
                default=_group_default(key), validators=(_group_name,)) for key in GROUPS),
        Field("enforcement", "Policy enforcement", "Each group only accepts the resource types the baseline "
              "deploys there.", default="Default", kind=FieldKind.CHOICE, choices=ENFORCEMENT),
        Field("defender", "Microsoft Defender for Cloud", "The reference enables plans whose names are now "
              "retired (KubernetesService, ContainerRegistry, Dns); the wizard uses the current ones.",
              default="recommended", kind=FieldKind.CHOICE, choices=DEFENDER),
    ),
    checks=(
        Check("policy.rights", "You may write policy at subscription scope", checks.check_policy_rights,
              needs_azure=True),
        Check("policy.defender-rights", "You may change Defender plans", checks.check_defender_rights,
              needs_azure=True, applies_when=lambda a: a.get("defender") != "off",
              not_applicable="Defender is left as it is."),
        Check("policy.existing-denies", "No existing deny blocks the baseline's types",
              lambda ctx: checks.check_existing_denies(ctx, _all_types(),
                                                       [str(ctx.answers[f"{k}_group"]) for k in GROUPS]),
              needs_azure=True),
        Check("policy.remediation-rights", "The Defender initiative's identity can be given its role",
              checks.check_remediation_rights, needs_azure=True, applies_when=_keeps_plans_on,
              not_applicable="The Defender initiative is not assigned (it is only with Containers and Key Vault)."),
        Check("policy.defender-plans", "Defender plans current (and their state now recorded)",
              lambda ctx: checks.check_defender_plans(ctx, _plans(ctx.answers)), needs_azure=True,
              applies_when=lambda a: a.get("defender") != "off", not_applicable="Defender is left as it is."),
    ),
    action=ArmDeployment(
        deployment_base_name="policy-baseline",
        location=_region,
        groups=tuple(_group(key) for key in GROUPS),
        outputs=_outputs,
        subscription_resources=_subscription_resources,
        subscription_outputs=lambda ctx: tpl.definition_outputs(_keeps_plans_on(ctx.answers)),
    ),
    verify=(
        Check("policy.verify-defender", "Defender plans enabled, extensions included",
              lambda ctx: checks.check_defender_extensions(ctx, _plans(ctx.answers)), needs_azure=True,
              applies_when=lambda a: a.get("defender") != "off", not_applicable="Defender is left as it is.",
              advisory=True),
    ),
    outputs=(OutputSpec("hub_resource_group", "Hub resource group"),
             OutputSpec("spoke_resource_group", "Spoke resource group"),
             OutputSpec("workload_resource_group", "Workload resource group"),
             OutputSpec("enforcement", "Policy enforcement")),
)
