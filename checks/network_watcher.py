"""Where a region's Network Watcher is, read from ARM before VNet flow logs are planned.

A subscription has at most one Network Watcher per region (a second is refused with
``NetworkWatcherCountLimitReached``); Azure usually made it already, as ``NetworkWatcher_<region>``
in ``NetworkWatcherRG``, the first time a VNet was created there, but a platform team may keep
its own layout (walkthrough.md §5: the reference's templates break on one). A flow log is a
child of that watcher, so the spoke step must use the one that exists, and create one only when
there is none. What this check finds is what the template builds on (its evidence)."""

from __future__ import annotations

from typing import Any, Mapping

from wizard.engine.arm import AzureCallFailed, call
from wizard.engine.contract import CheckStatus, Finding, StepContext

WATCHERS = "Microsoft.Network/networkWatchers"
KEPT = ("watcher", "create")  # in the step's state: the template is built on them


def find_watcher(ctx: StepContext, region: str) -> dict[str, str] | None:
    """The subscription's watcher in ``region`` (id, name, resource group), or None."""
    assert ctx.azure is not None
    resources = ctx.azure.resources().resources
    found = call(WATCHERS, lambda: list(resources.list(filter=f"resourceType eq '{WATCHERS}'")))
    for item in found:
        if str(item.location or "").replace(" ", "").lower() == region.lower():
            rid = str(item.id)
            return {"id": rid, "name": str(item.name), "resource_group": rid.split("/")[4]}
    return None


def _group_location(ctx: StepContext, group: str, fallback: str) -> str:
    """A resource group's location is fixed when it is made: the template must say the same."""
    assert ctx.azure is not None
    groups = ctx.azure.resources().resource_groups
    try:
        return str(call(group, groups.get, group).location)
    except AzureCallFailed as exc:
        if exc.failure.status == 404:
            return fallback
        raise


def check_network_watcher(ctx: StepContext, region: str, default_group: str, default_name: str) -> Finding:
    watcher = find_watcher(ctx, region)
    if watcher is not None:
        watcher["group_location"] = _group_location(ctx, watcher["resource_group"], region)
        return Finding(CheckStatus.PASS, f"The subscription's Network Watcher for {region} is {watcher['name']} in "
                       f"{watcher['resource_group']}: the flow log goes under it.",
                       {"watcher": watcher, "create": False}, kept=KEPT)
    planned = {"name": default_name, "resource_group": default_group,
               "group_location": _group_location(ctx, default_group, region)}
    return Finding(CheckStatus.PASS, f"No Network Watcher in {region} yet: the deployment creates {default_name} in "
                   f"{default_group} (Azure's own naming), and cleanup removes it.",
                   {"watcher": planned, "create": True}, kept=KEPT)


def planned_watcher(checks: Mapping[str, Any], check_id: str, default_group: str, default_name: str,
                    region: str) -> tuple[dict[str, str], bool]:
    """(the watcher: name, resource group and that group's location; whether the deployment
    creates it) from the check's stored evidence; Azure's default layout when the check has not
    run (a plan without Azure)."""
    evidence = ((checks.get(check_id) or {}).get("evidence") or {})
    watcher = evidence.get("watcher")
    if isinstance(watcher, Mapping) and watcher.get("name") and watcher.get("resource_group"):
        return {"name": str(watcher["name"]), "resource_group": str(watcher["resource_group"]),
                "group_location": str(watcher.get("group_location") or region)}, bool(evidence.get("create"))
    return {"name": default_name, "resource_group": default_group, "group_location": region}, True
