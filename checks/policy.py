"""Preflight for the policy step: may the caller write policy and Defender plans at
subscription scope, will existing deny assignments block the baseline's resource types, and
what is each Defender plan set to now (read and recorded before anything changes, so cleanup
can put it back exactly).

Rights (azure-facts §5.1; facts-2026-12 §1): policy assignments need
``Microsoft.Authorization/policyAssignments/write``, which Contributor's notActions exclude:
Owner or Resource Policy Contributor. Defender plans: Security Admin, or Contributor/Owner."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from checks.access import assigned_roles
from checks.roles import CONTRIBUTOR, OWNER, RESOURCE_POLICY_CONTRIBUTOR, SECURITY_ADMIN, USER_ACCESS_ADMINISTRATOR
from wizard.engine.contract import CheckStatus, Finding, StepContext

ALLOWED_TYPES = "a08ec900-254a-4555-9bf5-e42af04b5c5c"
NOT_ALLOWED_TYPES = "6c112d4e-5bc7-47ae-a041-ea2d9dccd749"
PRICINGS_API = "2024-01-01"


def _azure(ctx: StepContext) -> Any:
    assert ctx.azure is not None
    return ctx.azure


def check_policy_rights(ctx: StepContext) -> Finding:
    held, rows = assigned_roles(ctx)
    evidence = {"assignments": rows}
    if OWNER in held or RESOURCE_POLICY_CONTRIBUTOR in held:
        return Finding.ok("You may write policy definitions and assignments at subscription scope.", **evidence)
    sub = _azure(ctx).subscription_id
    return Finding.fail(
        "You hold neither Owner nor Resource Policy Contributor at subscription scope, so the policy assignments "
        "would be refused (Contributor cannot write them).",
        "Ask a subscription Owner for Resource Policy Contributor, e.g. az role assignment create --assignee "
        f"{_azure(ctx).actor().object_id} --role \"Resource Policy Contributor\" --scope /subscriptions/{sub}",
        **evidence)


def check_defender_rights(ctx: StepContext) -> Finding:
    held, rows = assigned_roles(ctx)
    evidence = {"assignments": rows}
    if held & {OWNER, CONTRIBUTOR, SECURITY_ADMIN}:
        return Finding.ok("You may change Microsoft Defender for Cloud plans.", **evidence)
    return Finding.fail("Changing Defender plans needs Security Admin (or Contributor or Owner) on the subscription.",
                        "Ask for Security Admin, or set Microsoft Defender to Off in the decisions (press 2) and let "
                        "your security team enable the plans.", **evidence)


def check_remediation_rights(ctx: StepContext) -> Finding:
    """The Defender initiative deploys plans through its own identity, which the step gives
    Security Admin: a role assignment, which Owner or User Access Administrator may make
    (Resource Policy Contributor and Contributor may not)."""
    held, rows = assigned_roles(ctx)
    evidence = {"assignments": rows}
    if held & {OWNER, USER_ACCESS_ADMINISTRATOR}:
        return Finding.ok("You may give the Defender initiative's identity Security Admin, so it can turn a plan "
                          "back on.", **evidence)
    return Finding.fail(
        "The Defender initiative's identity needs Security Admin, and giving a role takes Owner or User Access "
        "Administrator, which you do not hold at subscription scope.",
        "Ask a subscription Owner for User Access Administrator, or choose 'Containers only' for Microsoft Defender "
        "in the decisions (press 2): the plans are then set once and the initiative is not assigned.", **evidence)


def assignment_facts(assignment: Any) -> dict[str, Any]:
    raw = assignment.as_dict() if hasattr(assignment, "as_dict") else dict(assignment)
    props = raw.get("properties", raw)
    return {"id": raw.get("id"), "name": raw.get("name"), "display_name": props.get("display_name",
            props.get("displayName")), "definition": str(props.get("policy_definition_id",
            props.get("policyDefinitionId", ""))), "enforcement": str(props.get("enforcement_mode",
            props.get("enforcementMode", "Default"))), "parameters": props.get("parameters") or {}}


def listed(parameters: Mapping[str, Any], name: str) -> list[str]:
    value = (parameters.get(name) or {}).get("value") or []
    return [str(v).lower() for v in value]


def check_existing_denies(ctx: StepContext, types: Sequence[str], own_groups: Sequence[str]) -> Finding:
    """Assignments at the subscription or above (management groups) whose deny would refuse a
    type the baseline deploys; the ones this step makes on its own groups are not counted."""
    wanted = sorted({t.lower(): t for t in types}.items())
    blocking = []
    for assignment in _azure(ctx).policy().policy_assignments.list(filter="atScope()"):
        facts = assignment_facts(assignment)
        definition = facts["definition"].rsplit("/", 1)[-1].lower()
        if facts["enforcement"].lower() == "donotenforce":
            continue
        if any(f"/resourcegroups/{g.lower()}/" in str(facts["id"]).lower() for g in own_groups):
            continue
        if definition == ALLOWED_TYPES:
            allowed = set(listed(facts["parameters"], "listOfResourceTypesAllowed"))
            refused = [shown for low, shown in wanted if low not in allowed]
        elif definition == NOT_ALLOWED_TYPES:
            denied = set(listed(facts["parameters"], "listOfResourceTypesNotAllowed"))
            refused = [shown for low, shown in wanted if low in denied]
        else:
            continue
        if refused:
            blocking.append({"assignment": facts["display_name"] or facts["name"], "id": facts["id"],
                             "refused_types": refused})
    if not blocking:
        return Finding.ok("No existing assignment at the subscription or above denies the baseline's resource types.",
                          checked_types=len(wanted))
    names = "; ".join(f"{b['assignment']} ({', '.join(b['refused_types'][:4])}"
                      f"{'…' if len(b['refused_types']) > 4 else ''})" for b in blocking)
    return Finding(CheckStatus.WARN, f"Existing deny assignments would refuse baseline resource types: {names}.",
                   {"blocking": blocking},
                   "Ask the owner of each assignment for an exemption for the baseline's resource groups, or add the "
                   "types to it; then override this warning with the exemption's reference.")


def read_plans(ctx: StepContext, plans: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each plan's current tier and sub-plan, as Azure reports them."""
    azure = _azure(ctx)
    out: dict[str, dict[str, Any]] = {}
    for plan in plans:
        rid = f"/subscriptions/{azure.subscription_id}/providers/Microsoft.Security/pricings/{plan}"
        props = (azure.resources().resources.get_by_id(rid, api_version=PRICINGS_API).as_dict()
                 .get("properties") or {})
        out[plan] = {"pricingTier": props.get("pricingTier"), "subPlan": props.get("subPlan"),
                     "deprecated": bool(props.get("deprecated")), "replacedBy": props.get("replacedBy") or [],
                     "extensions": [{"name": e.get("name"), "isEnabled": e.get("isEnabled")}
                                    for e in props.get("extensions") or []]}
    return out


def check_defender_plans(ctx: StepContext, plans: Sequence[str]) -> Finding:
    """The plans to enable exist under these names and are not deprecated; their current
    state is the evidence cleanup restores from."""
    if not plans:
        return Finding(CheckStatus.PASS, "Microsoft Defender plans are left as they are.", {"before": {}}, kept=("before",))
    before = read_plans(ctx, plans)
    retired = [f"{p} (replaced by {', '.join(s['replacedBy']) or 'another plan'})"
               for p, s in before.items() if s["deprecated"]]
    if retired:
        return Finding(CheckStatus.FAIL, "Deprecated Defender plans chosen: " + ", ".join(retired) + ".",
                       {"before": before}, "This is a bug in the wizard's plan list; report it and set Defender to "
                       "Off meanwhile.", kept=("before",))
    summary = ", ".join(f"{p} {s['pricingTier']}" + (f" ({s['subPlan']})" if s["subPlan"] else "")
                        for p, s in before.items())
    return Finding(CheckStatus.PASS, f"Current plans recorded before any change: {summary}.", {"before": before},
                   kept=("before",))


def check_defender_extensions(ctx: StepContext, plans: Sequence[str]) -> Finding:
    """After the deployment: a plan write can succeed while an extension failed (Azure reports
    it only in ``extensions[].operationStatus``): a partial success, said plainly."""
    azure = _azure(ctx)
    failed, after = [], {}
    for plan in plans:
        rid = f"/subscriptions/{azure.subscription_id}/providers/Microsoft.Security/pricings/{plan}"
        props = azure.resources().resources.get_by_id(rid, api_version=PRICINGS_API).as_dict().get("properties") or {}
        after[plan] = {"pricingTier": props.get("pricingTier"), "subPlan": props.get("subPlan")}
        for ext in props.get("extensions") or []:
            status = ext.get("operationStatus") or {}
            if str(ext.get("isEnabled")).lower() == "true" and status.get("code") == "Failed":
                failed.append({"plan": plan, "extension": ext.get("name"), "message": status.get("message")})
    if failed:
        names = ", ".join(f"{f['plan']}/{f['extension']}" for f in failed)
        return Finding(CheckStatus.WARN, f"Plans enabled, but extensions failed: {names}.",
                       {"after": after, "failed_extensions": failed},
                       "Open Microsoft Defender for Cloud > Environment settings > the subscription and re-enable the "
                       "failed extension; " + (failed[0]["message"] or ""))
    return Finding.ok("Defender plans enabled: " + ", ".join(f"{p} {s['pricingTier']}" for p, s in after.items())
                      + ".", after=after)
