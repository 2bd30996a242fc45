"""Microsoft Defender for Cloud plans (``Microsoft.Security/pricings``) in the rehearsal.

Every subscription lists every plan (Free until enabled), with ``deprecated`` / ``replacedBy``
on retired ones, as the 2024-01-01 ListPricings example shows. The plan facts are data
(``assets/azure/defender-plans.json``, with sources). What Azure refuses, the rehearsal
refuses when the deployment writes the plan (the pricings provider has no preflight):
a retired sub-plan (``InvalidInputError``, Azure's sentence) and a deprecated plan set to
Standard (modelled wording, marked so in the data file). A write can succeed while one of
the plan's extensions failed: ``extensions[].operationStatus`` says so (the
PutPricingByNamePartialSuccess example); a scenario chooses which, under
``defender.failingExtensions``."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

PRICINGS_TYPE = "microsoft.security/pricings"
_DATA = Path(__file__).resolve().parents[2] / "assets" / "azure" / "defender-plans.json"


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    return json.loads(_DATA.read_text(encoding="utf-8"))


def pricing_id(sub: str, name: str) -> str:
    return f"/subscriptions/{sub}/providers/Microsoft.Security/pricings/{name}"


def _plan(name: str) -> tuple[str, dict[str, Any]] | None:
    for known, facts in catalog()["plans"].items():
        if known.lower() == name.lower():
            return known, facts
    return None


def write_error(sub: str, name: str, properties: dict[str, Any]) -> dict[str, Any] | None:
    """The error the pricings provider answers a write with, or None when it accepts it."""
    found = _plan(name)
    if found is None:
        return {"code": "InvalidInputError", "message": f"The pricing name '{name}' is not a valid Defender plan."}
    plan, facts = found
    tier = str(properties.get("pricingTier", ""))
    if tier not in ("Free", "Standard"):
        return {"code": "InvalidInputError", "message": f"The pricing tier '{tier}' is invalid; use Free or Standard."}
    if tier == "Standard" and facts.get("deprecated"):
        return {"code": "InvalidInputError", "message": catalog()["deprecatedPlanMessage"].format(
            plan=plan, replacedBy=", ".join(facts.get("replacedBy", [])))}
    sub_plan = properties.get("subPlan")
    if tier == "Standard" and sub_plan and sub_plan in facts.get("retiredSubPlans", []):
        return {"code": "InvalidInputError", "message": catalog()["retiredSubPlanMessage"].format(
            subPlan=sub_plan, plan=plan, subscription=sub)}
    if tier == "Standard" and sub_plan and sub_plan not in facts.get("subPlans", []):
        return {"code": "InvalidInputError", "message": f"The sub plan '{sub_plan}' is not valid for the '{plan}' "
                f"plan; valid sub plans: {', '.join(facts.get('subPlans', [])) or 'none'}."}
    return None


def _extensions(plan: str, state: dict[str, Any] | None, scenario: Any) -> list[dict[str, Any]] | None:
    known = catalog()["plans"][plan].get("extensions")
    if not known:
        return None
    given = {str(e.get("name")): e for e in ((state or {}).get("properties") or {}).get("extensions", [])}
    failing = (scenario.raw.get("defender") or {}).get("failingExtensions", {})
    out = []
    for name in known:
        enabled = str(given.get(name, {}).get("isEnabled", "False")).lower() == "true"
        entry: dict[str, Any] = {"name": name, "isEnabled": "True" if enabled else "False"}
        if enabled:
            message = failing.get(f"{plan}/{name}")
            entry["operationStatus"] = ({"code": "Failed", "message": message} if message else
                                        {"code": "Succeeded", "message": "Successfully updated pricing"})
        out.append(entry)
    return out


def seed(model: Any, scenario: Any, sub: str) -> None:
    """Every plan exists in every subscription (Free unless the scenario says otherwise), so a
    deployment that sets one modifies it - what-if shows before and after - and cleanup knows
    it existed before the session (a new model only)."""
    if not model.fresh:
        return
    seeded = (scenario.raw.get("defender") or {}).get("plans") or {}
    for plan in catalog()["plans"]:
        props = {"pricingTier": "Free", **dict(seeded.get(plan, {}))}
        model.apply_resource({"id": pricing_id(sub, plan), "name": plan, "type": "Microsoft.Security/pricings",
                              "properties": props}, {"properties": props})


def pricing_view(model: Any, scenario: Any, sub: str, plan: str) -> dict[str, Any]:
    """A plan as GET answers it, from the model (seeded Free, then what deployments wrote)."""
    facts = catalog()["plans"][plan]
    state = model.resource(pricing_id(sub, plan))
    props = dict((state or {}).get("properties") or {"pricingTier": "Free"})
    tier = str(props.get("pricingTier", "Free"))
    view: dict[str, Any] = {"pricingTier": tier, "freeTrialRemainingTime": "PT0S" if tier == "Standard" else "P30D"}
    if props.get("subPlan"):
        view["subPlan"] = props["subPlan"]
    if tier == "Standard":
        view["enablementTime"] = props.get("enablementTime", "2026-12-01T09:00:00Z")
    if facts.get("deprecated"):
        view["deprecated"] = True
        view["replacedBy"] = list(facts.get("replacedBy", []))
    extensions = _extensions(plan, state, scenario)
    if extensions is not None:
        view["extensions"] = extensions
    return {"id": pricing_id(sub, plan), "name": plan, "type": "Microsoft.Security/pricings", "properties": view}


def all_pricings(model: Any, scenario: Any, sub: str) -> list[dict[str, Any]]:
    return [pricing_view(model, scenario, sub, plan) for plan in catalog()["plans"]]
