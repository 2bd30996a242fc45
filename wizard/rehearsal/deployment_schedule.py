"""When each resource of a deployment starts and finishes, in simulated Azure time.

The schedule is fixed when the deployment is submitted (start = when its dependencies are
done). Status is a pure function of wall-clock time x pace, so no background thread is needed
and a deployment persisted to disk keeps progressing after the wizard restarts."""

from __future__ import annotations

import datetime as dt
from typing import Any

# Typical Azure minutes to create a resource. A hub (workspace, policy + 2 rule collection
# groups, 4 public IPs, NSG, VNet, firewall, bastion) lands near 10 minutes like in Azure.
DURATION_MINUTES: dict[str, float] = {
    "microsoft.network/azurefirewalls": 8,
    "microsoft.network/bastionhosts": 6,
    "microsoft.network/firewallpolicies": 1,
    "microsoft.network/firewallpolicies/rulecollectiongroups": 0.5,
    "microsoft.network/publicipaddresses": 0.1,
    "microsoft.network/virtualnetworks": 0.3,
    "microsoft.network/networksecuritygroups": 0.2,
    "microsoft.operationalinsights/workspaces": 0.5,
    # The cluster step lands near the 20 minutes both references state (walkthrough.md §8):
    # services first, then the cluster (the gateway beside it).
    "microsoft.containerservice/managedclusters": 15,
    "microsoft.network/applicationgateways": 6,
    "microsoft.compute/virtualmachinescalesets": 3,
    "microsoft.containerregistry/registries": 1,
    "microsoft.keyvault/vaults": 0.5,
    "microsoft.network/privateendpoints": 1,
    # Installing Flux's controllers on the nodes (B#393 and B#295 are this step timing out).
    "microsoft.kubernetesconfiguration/extensions": 4,
    "microsoft.kubernetesconfiguration/fluxconfigurations": 1,
    "microsoft.resources/deployments": 0.05,
    "microsoft.resources/resourcegroups": 0.05,
}
DEFAULT_MINUTES = 0.2


def duration_seconds(resource_type: str, factor: float = 1.0) -> float:
    return DURATION_MINUTES.get(resource_type.lower(), DEFAULT_MINUTES) * 60.0 * factor


def build_schedule(resources: list[dict[str, Any]], factor: float = 1.0,
                   fail_type: str | None = None, fail_error: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Give each resource ``start``/``end`` offsets (Azure seconds from submission).

    ``resources`` are dicts with ``id``, ``type`` and ``depends_on`` in an order where every
    dependency comes first (the planner's order). The first resource of ``fail_type`` fails."""
    ends: dict[str, float] = {}
    failed_marked = False
    out = []
    for res in resources:
        start = max((ends.get(d.lower(), 0.0) for d in res["depends_on"]), default=0.0)
        end = start + duration_seconds(res["type"], factor)
        ends[res["id"].lower()] = end
        entry = dict(res, start=start, end=end, error=None)
        if fail_type and not failed_marked and res["type"].lower() == fail_type.lower():
            entry["error"] = fail_error
            failed_marked = True
        out.append(entry)
    return out


def resource_states(schedule: list[dict[str, Any]], elapsed: float) -> list[tuple[dict[str, Any], str]]:
    """(entry, state) for every resource that has started; state is Running/Succeeded/Failed.

    A resource whose dependency failed never starts, as in ARM."""
    failed: set[str] = set()
    out: list[tuple[dict[str, Any], str]] = []
    for entry in schedule:
        if any(d.lower() in failed for d in entry["depends_on"]):
            failed.add(entry["id"].lower())  # blocked: its dependents are blocked too
            continue
        if elapsed < entry["start"]:
            continue
        if elapsed < entry["end"]:
            out.append((entry, "Running"))
        elif entry.get("error"):
            failed.add(entry["id"].lower())
            out.append((entry, "Failed"))
        else:
            out.append((entry, "Succeeded"))
    return out


def deployment_state(schedule: list[dict[str, Any]], elapsed: float) -> tuple[str, float]:
    """Overall state and when (Azure seconds) it was or will be reached."""
    states = resource_states(schedule, elapsed)
    started = {e["id"].lower() for e, _ in states}
    blocked = _blocked(schedule)
    pending = [e for e in schedule if e["id"].lower() not in started and e["id"].lower() not in blocked]
    running = [e for e, s in states if s == "Running"]
    failed = [e for e, s in states if s == "Failed"]
    if running or pending:
        return "Running", 0.0
    finish = max((e["end"] for e, _ in states), default=0.0)
    return ("Failed" if failed else "Succeeded"), finish


def _blocked(schedule: list[dict[str, Any]]) -> set[str]:
    failed: set[str] = set()
    blocked: set[str] = set()
    for entry in schedule:
        key = entry["id"].lower()
        if any(d.lower() in failed for d in entry["depends_on"]):
            failed.add(key)
            blocked.add(key)
        elif entry.get("error"):
            failed.add(key)
    return blocked


def iso_duration(seconds: float) -> str:
    seconds = round(max(seconds, 0.0), 7)  # 59.99999999 s is one minute, not "PT60S"
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    return out + f"{secs:.7f}".rstrip("0").rstrip(".") + "S"


def iso_time(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat().replace("+00:00", "Z")
