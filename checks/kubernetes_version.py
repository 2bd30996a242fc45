"""The cluster's Kubernetes version: chosen from what the region offers today, never a
pinned literal (issue 9; facts-2026-12.md §4).

The references pin a version (1.30 in the regulated one) that AKS has since removed, which is
the most reported failure of their cluster step. AKS takes a minor version ("1.36") and picks
its newest patch; a pinned patch breaks once AKS drops that patch. So the decision is a minor
or "newest", the answer comes from ``ManagedClusters_ListKubernetesVersions`` for the region, and
the resolved minor is kept in the step's state for the template to use."""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from wizard.engine.arm import call
from wizard.engine.contract import CheckStatus, Finding, StepContext

NEWEST = "newest"  # the decision's default: the newest GA minor the region offers
MINOR = re.compile(r"^1\.\d{1,3}$")
PATCH = re.compile(r"^1\.\d{1,3}\.\d{1,3}$")
KEPT = ("minor", "offered")


def version_error(value: Any, ctx: StepContext | None = None) -> str | None:
    """A field validator: "newest", or a minor version such as 1.36; a patch is refused with why."""
    text = str(value).strip()
    if text == NEWEST or MINOR.match(text):
        return None
    if PATCH.match(text):
        minor = text.rsplit(".", 1)[0]
        return (f"Give the minor version only ({minor}): AKS picks its newest patch, and a pinned patch stops "
                "working once AKS removes it.")
    return f"Kubernetes version {text!r}: write {NEWEST!r} or a minor version such as 1.36."


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def ga_minors(listed: Sequence[Mapping[str, Any]]) -> list[str]:
    """The generally available minors, oldest first (preview ones are not GA)."""
    return sorted((str(v["version"]) for v in listed if not v.get("isPreview")), key=_key)


def offered(ctx: StepContext, region: str) -> list[dict[str, Any]]:
    assert ctx.azure is not None
    clusters = ctx.azure.container_service().managed_clusters
    result = call(f"Kubernetes versions in {region}", clusters.list_kubernetes_versions, region)
    return list(result.as_dict().get("values") or [])


def judge(listed: Sequence[Mapping[str, Any]], wanted: str, region: str) -> Finding:
    """The finding for ``wanted`` against the region's list (a pure function, tested alone)."""
    ga = ga_minors(listed)
    by_minor = {str(v["version"]): v for v in listed}
    evidence: dict[str, Any] = {"offered": ga, "preview": sorted(set(by_minor) - set(ga), key=_key)}
    if not ga:
        return Finding(CheckStatus.FAIL, f"{region} offers no generally available Kubernetes version for AKS.",
                       evidence, "Choose another region for the hub and the cluster (step 1).", kept=KEPT)
    if wanted == NEWEST:
        minor = ga[-1]
        patches = sorted(by_minor[minor].get("patchVersions") or {}, key=_key)
        return Finding(CheckStatus.PASS, f"Kubernetes {minor} (the newest GA minor in {region}; AKS will use its "
                       f"newest patch{', ' + patches[-1] + ' today' if patches else ''}).",
                       {**evidence, "minor": minor}, kept=KEPT)
    entry = by_minor.get(wanted)
    if entry is None:
        return Finding(CheckStatus.FAIL, f"Kubernetes {wanted} is not offered in {region} (GA there: "
                       f"{', '.join(ga)}).", {**evidence, "minor": wanted},
                       f"Choose one of {', '.join(ga)} or '{NEWEST}' (press 2; headless: --answers with "
                       "cluster.kubernetes_version).", kept=KEPT)
    if entry.get("isPreview"):
        return Finding(CheckStatus.WARN, f"Kubernetes {wanted} is in preview in {region}: no support agreement "
                       "covers it.", {**evidence, "minor": wanted},
                       f"Use a GA minor ({ga[-1]}) for a baseline, or override with a written reason.", kept=KEPT)
    older = len(ga) - 1 - ga.index(wanted)
    note = "" if older == 0 else f"; {ga[-1]} is newer, and {wanted} leaves support sooner"
    return Finding(CheckStatus.PASS, f"Kubernetes {wanted} is offered in {region}{note}.",
                   {**evidence, "minor": wanted}, kept=KEPT)


def check_kubernetes_version(ctx: StepContext, region: str, wanted: str) -> Finding:
    return judge(offered(ctx, region), str(wanted).strip() or NEWEST, region)
