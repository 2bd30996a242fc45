"""Scenarios: the fictional tenant and subscription a rehearsal runs against.

A scenario is a JSON file in ``assets/scenarios``. Variants say ``"extends": "default"`` and
override only what differs (deep merge), so each teaching scenario stays a few lines long and
the default stays the single source of truth for everything else."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "assets" / "scenarios"


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Dicts merge key by key; anything else (lists included) is replaced, so a variant can
    say ``"zones": []`` and mean it."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _resolve_path(name: str | Path) -> Path:
    path = Path(name)
    if path.suffix == ".json" and path.exists():
        return path
    candidate = SCENARIO_DIR / f"{name}.json"
    if candidate.exists():
        return candidate
    raise FileNotFoundError(f"no rehearsal scenario named {name!r} (looked in {SCENARIO_DIR})")


def load_raw(scenario: str | Path | dict[str, Any] | None, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """Resolve ``extends`` chains; a cycle is a bug in the asset files, so it raises."""
    if scenario is None:
        scenario = "default"
    if isinstance(scenario, dict):
        raw, key = copy.deepcopy(scenario), "<dict>"
    else:
        path = _resolve_path(scenario)
        key = str(path.resolve())
        if key in _seen:
            raise ValueError(f"scenario extends cycle: {' -> '.join(_seen + (key,))}")
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw.setdefault("name", path.stem)
    parent = raw.pop("extends", None)
    if parent:
        base = load_raw(parent, _seen + (key,))
        base.pop("name", None)
        raw = deep_merge(base, raw)
    return raw


@dataclass(frozen=True)
class Scenario:
    """The parsed scenario. ``raw`` keeps every key so new routes can read new data without
    widening this class."""

    name: str
    user: dict[str, Any]
    tenant: dict[str, Any]
    subscriptions: list[dict[str, Any]]
    default_subscription_id: str
    role_assignments: list[dict[str, Any]]
    entra: dict[str, Any]
    providers: dict[str, dict[str, Any]]
    resource_types: dict[str, list[str]]
    zonal_resource_types: list[str]
    regions: dict[str, dict[str, Any]]
    default_region: str
    vm_skus: list[dict[str, Any]]
    faults: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def user_oid(self) -> str:
        return str(self.user["oid"])

    @property
    def tenant_id(self) -> str:
        return str(self.tenant["id"])

    def subscription(self, sub_id: str) -> dict[str, Any] | None:
        for sub in self.subscriptions:
            if sub["subscriptionId"].lower() == sub_id.lower():
                return sub
        return None

    def region(self, location: str) -> dict[str, Any] | None:
        return self.regions.get(normalize_location(location))

    def is_zonal(self, resource_type: str) -> bool:
        return resource_type.lower() in {t.lower() for t in self.zonal_resource_types}


def normalize_location(location: str) -> str:
    """ARM accepts "East US 2" and "eastus2" alike."""
    return location.replace(" ", "").lower()


def load_scenario(scenario: str | Path | dict[str, Any] | None) -> Scenario:
    raw = load_raw(scenario)
    return Scenario(
        name=str(raw.get("name", "custom")),
        user=raw["user"],
        tenant=raw["tenant"],
        subscriptions=list(raw["subscriptions"]),
        default_subscription_id=str(raw.get("defaultSubscriptionId", raw["subscriptions"][0]["subscriptionId"])),
        role_assignments=list(raw.get("roleAssignments", [])),
        entra=dict(raw.get("entra", {})),
        providers=dict(raw.get("providers", {})),
        resource_types=dict(raw.get("resourceTypes", {})),
        zonal_resource_types=list(raw.get("zonalResourceTypes", [])),
        regions={normalize_location(k): v for k, v in raw.get("regions", {}).items()},
        default_region=str(raw.get("defaultRegion", "eastus2")),
        vm_skus=list(raw.get("vmSkus", [])),
        faults=list(raw.get("faults", [])),
        raw=raw,
    )
