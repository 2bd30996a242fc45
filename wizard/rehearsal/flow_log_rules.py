"""What Azure refuses when a deployment writes a Network Watcher, a flow log or a storage
account, checked when the resource is written (as the providers do, after preflight).

- One Network Watcher per subscription and region: a second is ``NetworkWatcherCountLimitReached``
  ("Cannot create more than 1 network watchers for this subscription in this region", the
  limit Azure/azure-cli#7065 describes).
- NSG flow logs: ``NsgFlowLogCreationBlocked`` since 30 June 2025 (walkthrough.md §5,
  Azure/bicep-registry-modules#6049).
- A flow log's target, storage account and Traffic Analytics workspace must exist and be in the
  flow log's region (vnet-flow-logs-overview.md; Azure/azure-cli#7065); a workspace elsewhere is
  ``InvalidTAWorkspaceRegion`` (aztfmod/terraform-azurerm-caf#613). Azure publishes no code for a
  storage account in another region or a Premium one: the rehearsal answers ``BadRequest`` with
  the documented rule as the message.
- Storage account names are global: one taken by another account is
  ``StorageAccountAlreadyTaken``; outside 3-24 lower-case letters and digits, ``AccountNameInvalid``
  (the storage provider's codes)."""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from wizard.rehearsal.scenario import normalize_location

WATCHER = "microsoft.network/networkwatchers"
FLOW_LOG = "microsoft.network/networkwatchers/flowlogs"
STORAGE = "microsoft.storage/storageaccounts"
TYPES = (WATCHER, FLOW_LOG, STORAGE)
STORAGE_NAME = re.compile(r"^[a-z0-9]{3,24}$")

Finder = Callable[[str], "Mapping[str, Any] | None"]


def _error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


def _region(body: Mapping[str, Any] | None) -> str:
    return normalize_location(str((body or {}).get("location", "")))


def _watcher_error(rid: str, body: Mapping[str, Any], everything: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    sub = rid.split("/")[2].lower()
    for other in everything:
        oid = str(other.get("id", ""))
        if str(other.get("type", "")).lower() == WATCHER and oid.lower() != rid.lower() \
                and oid.split("/")[2].lower() == sub and _region(other) == _region(body):
            return _error("NetworkWatcherCountLimitReached", "Cannot create more than 1 network watchers for this "
                          f"subscription in this region ({_region(body)}): {oid} exists.")
    return None


def _flow_log_error(body: Mapping[str, Any], find: Finder) -> dict[str, Any] | None:
    props = body.get("properties") or {}
    region = _region(body)
    target_id = str(props.get("targetResourceId", ""))
    if "/networksecuritygroups/" in target_id.lower():
        return _error("NsgFlowLogCreationBlocked", "Creation of new NSG flow logs is blocked since June 30, 2025. "
                      "Use virtual network flow logs instead.")
    target = find(target_id) if target_id else None
    if target is None:
        return _error("InvalidResourceReference", f"Resource {target_id} referenced by the flow log was not found.")
    storage_id = str(props.get("storageId", ""))
    storage = find(storage_id) if storage_id else None
    if storage is None:
        return _error("InvalidResourceReference", f"Storage account {storage_id} referenced by the flow log was "
                      "not found.")
    if _region(target) != region or _region(storage) != region:
        return _error("BadRequest", f"The flow log ({region}), its target ({_region(target)}) and its storage account "
                      f"({_region(storage)}) must be in the same region.")
    if str((storage.get("sku") or {}).get("name", "")).lower().startswith("premium"):
        return _error("BadRequest", f"Storage account {storage_id} is Premium; flow logs support only Standard "
                      "storage accounts.")
    days = int((props.get("retentionPolicy") or {}).get("days") or 0)
    if not 0 <= days <= 365:
        return _error("InvalidRequestFormat", f"Retention days {days} is outside 0-365.")
    analytics = ((props.get("flowAnalyticsConfiguration") or {}).get("networkWatcherFlowAnalyticsConfiguration")
                 or {})
    if analytics.get("enabled"):
        workspace_id = str(analytics.get("workspaceResourceId", ""))
        workspace = find(workspace_id) if workspace_id else None
        if workspace is None:
            return _error("InvalidResourceReference", f"Workspace {workspace_id} was not found.")
        if _region(workspace) != region:
            return _error("InvalidTAWorkspaceRegion", f"The specified region {region} for workspace is invalid. "
                          f"Workspace {workspace_id} located in {_region(workspace)} region.")
    return None


def _storage_error(rid: str, name: str, everything: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    if not STORAGE_NAME.match(name):
        return _error("AccountNameInvalid", f"{name} is not a valid storage account name. Storage account name must "
                      "be between 3 and 24 characters in length and use numbers and lower-case letters only.")
    for other in everything:
        if str(other.get("type", "")).lower() == STORAGE and str(other.get("name", "")).lower() == name.lower() \
                and str(other.get("id", "")).lower() != rid.lower():
            return _error("StorageAccountAlreadyTaken", f"The storage account named {name} is already taken.")
    return None


def write_error(rid: str, rtype: str, name: str, body: Mapping[str, Any], find: Finder,
                everything: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The refusal of one write; ``everything``: every resource Azure knows, in any
    subscription (storage names are global), plus what the same deployment wrote before."""
    kind = rtype.lower()
    if kind == WATCHER:
        return _watcher_error(rid, body, everything)
    if kind == FLOW_LOG:
        return _flow_log_error(body, find)
    if kind == STORAGE:
        return _storage_error(rid, name, everything)
    return None
