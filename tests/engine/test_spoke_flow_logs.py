"""VNet flow logs, the spoke's opt-in (issue 8), against the rehearsal over real HTTPS: off by
default and absent from the template; on, a Standard storage account beside the VNet and one
flow log on the VNet under the region's Network Watcher, which is created only when the
subscription has none and adopted when it has one under another name.

What was checked against Azure's published material: the flow log's shape (networkWatcher.json
2025-07-01, example NetworkWatcherFlowLogCreate.json: targetResourceId, storageId, enabled,
retentionPolicy, format, flowAnalyticsConfiguration); one watcher per subscription and region
(Azure/azure-cli#7065); storage in the same region and Standard only, NSG flow logs blocked
since 2025-06-30 (vnet-flow-logs-overview.md, walkthrough.md §5); InvalidTAWorkspaceRegion
(aztfmod/terraform-azurerm-caf#613)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.engine.flow import decide_and_check, deploy_step, finish_prerequisites, journal, not_passing, open_workspace
from wizard.engine.arm import AzureCallFailed
from wizard.rehearsal import flow_log_rules
from wizard.workspace import Workspace

SUB = "2d6f9a1b-4c3e-4b7a-8f15-0a9e8d7c6b51"


def _to_spoke(ws: Workspace, **answers: Any) -> Any:
    finish_prerequisites(ws)
    deploy_step(ws, "policy")
    deploy_step(ws, "hub")
    return decide_and_check(ws, "spoke", **answers)


def _last_put(session_dir: Path) -> str:
    puts = [e for e in journal(session_dir) if e["method"] == "PUT" and "/deployments/" in e["path"]]
    return json.dumps(puts[-1]["request"])


def test_flow_logs_are_off_by_default_and_leave_no_trace_in_the_template(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        runner = _to_spoke(ws)
        assert "spoke.network-watcher" not in runner.state.checks  # the check does not apply
        runner.preview()
        runner.approve()
        runner.deploy()
        sent = _last_put(ws.session.dir)
        assert "flowLogs" not in sent and "Microsoft.Storage" not in sent and "NetworkWatcherRG" not in sent


def test_on_they_log_the_vnet_into_standard_storage_under_a_new_watcher(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        runner = _to_spoke(ws, flow_logs=True, traffic_analytics=True)
        assert not_passing(runner) == {}, runner.state.checks
        assert "creates NetworkWatcher_eastus2 in NetworkWatcherRG" in runner.state.checks["spoke.network-watcher"]["summary"]
        preview = runner.preview()
        planned = {c.resource_type: c.change_type for c in preview.changes}
        assert planned["Microsoft.Network/networkWatchers/flowLogs"] == "Create"
        assert planned["Microsoft.Storage/storageAccounts"] == "Create"
        runner.approve()
        outputs = runner.deploy()
        sent = json.loads(_last_put(ws.session.dir))
        nested = {r["name"].rsplit("-", 1)[-1]: r for r in sent["properties"]["template"]["resources"]
                  if r["type"] == "Microsoft.Resources/deployments"}
        watcher_group = nested["flowlogs"]
        assert watcher_group["resourceGroup"] == "NetworkWatcherRG"
        inner = {r["type"]: r for r in watcher_group["properties"]["template"]["resources"]}
        log = inner["Microsoft.Network/networkWatchers/flowLogs"]["properties"]
        assert log["targetResourceId"].endswith("/virtualNetworks/vnet-spoke-BU0001A0008-00")  # the VNet, not an NSG
        assert log["format"] == {"type": "JSON", "version": 2} and log["retentionPolicy"] == {"days": 30, "enabled": True}
        analytics = log["flowAnalyticsConfiguration"]["networkWatcherFlowAnalyticsConfiguration"]
        assert analytics["workspaceResourceId"] == ws.session.step("hub").outputs["log_analytics_id"]
        storage = next(r for r in nested["spoke"]["properties"]["template"]["resources"]
                       if r["type"] == "Microsoft.Storage/storageAccounts")
        assert storage["sku"]["name"] == "Standard_LRS" and storage["properties"]["allowBlobPublicAccess"] is False
        assert outputs["flow_log_id"].endswith("/networkWatchers/NetworkWatcher_eastus2/flowLogs/fl-vnet-spoke-BU0001A0008-00")
        made = {r["type"]: r for r in runner.state.deployment.resources}
        assert made["Microsoft.Network/networkWatchers"]["existed_before"] is False  # cleanup may remove it


def test_an_existing_watcher_of_another_name_is_adopted_not_duplicated(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        model = ws.backend.model
        model.put_resource_group(SUB, "rg-platform-monitoring", "eastus2", None)
        rid = (f"/subscriptions/{SUB}/resourceGroups/rg-platform-monitoring/providers/Microsoft.Network/"
               "networkWatchers/nw-platform-eastus2")
        model.apply_resource({"id": rid, "name": "nw-platform-eastus2", "type": "Microsoft.Network/networkWatchers",
                              "location": "eastus2", "properties": {"provisioningState": "Succeeded"}})
        runner = _to_spoke(ws, flow_logs=True)
        assert "nw-platform-eastus2 in rg-platform-monitoring" in runner.state.checks["spoke.network-watcher"]["summary"]
        runner.preview()
        runner.approve()
        outputs = runner.deploy()
        sent = _last_put(ws.session.dir)
        assert '"type": "Microsoft.Network/networkWatchers",' not in sent  # not created again
        assert outputs["flow_log_id"].startswith(rid + "/flowLogs/")


def test_a_storage_name_someone_else_holds_fails_with_azures_code(tmp_path: Path) -> None:
    """Scenario storage-name-taken: the default name is another customer's (names are global)."""
    with open_workspace(tmp_path, scenario="storage-name-taken") as ws:
        runner = _to_spoke(ws, flow_logs=True)
        assert runner.state.answers["flow_logs_storage"] == "stvnfleastus22d6f9a1b"
        runner.preview()
        runner.approve()
        with pytest.raises(AzureCallFailed) as failed:
            runner.deploy()
        failure = failed.value.failure
        said = f"{failure.code} {failure.resource} {failure.message} {failure.details}"
        assert "StorageAccountAlreadyTaken" in said and "stvnfleastus22d6f9a1b" in said, said


def test_a_bad_storage_name_or_retention_is_a_field_error(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        deploy_step(ws, "hub")
        runner = ws.runner("spoke")
        errors = runner.submit_decisions({**runner.defaults(), "flow_logs": True, "flow_logs_storage": "Bad_Name",
                                          "flow_logs_retention_days": 400})
        assert set(errors) == {"flow_logs_storage", "flow_logs_retention_days"}, errors


# -- the provider's refusals, one by one -------------------------------------------------------

def _vnet(region: str = "eastus2") -> dict[str, Any]:
    return {"id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
            "type": "Microsoft.Network/virtualNetworks", "location": region}


def _storage(region: str = "eastus2", sku: str = "Standard_LRS") -> dict[str, Any]:
    return {"id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1",
            "type": "Microsoft.Storage/storageAccounts", "name": "st1", "location": region, "sku": {"name": sku}}


def _flow_log(target: str, **extra: Any) -> dict[str, Any]:
    return {"location": "eastus2", "properties": {"targetResourceId": target, "storageId": _storage()["id"],
                                                  "enabled": True, **extra}}


def _refusal(body: dict[str, Any], *known: dict[str, Any]) -> str | None:
    index = {k["id"].lower(): k for k in known}
    refused = flow_log_rules.write_error("/x/flowLogs/f", "Microsoft.Network/networkWatchers/flowLogs", "f", body,
                                         lambda rid: index.get(rid.lower()), list(known))
    return refused["code"] if refused else None


def test_the_provider_refuses_what_azure_refuses() -> None:
    vnet, storage = _vnet(), _storage()
    assert _refusal(_flow_log(vnet["id"]), vnet, storage) is None
    nsg = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n"
    assert _refusal(_flow_log(nsg), vnet, storage) == "NsgFlowLogCreationBlocked"
    assert _refusal(_flow_log(vnet["id"]), vnet, _storage(region="westus")) == "BadRequest"
    assert _refusal(_flow_log(vnet["id"]), vnet, _storage(sku="Premium_LRS")) == "BadRequest"
    assert _refusal(_flow_log(vnet["id"]), storage) == "InvalidResourceReference"  # no such target
    workspace = {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w",
                 "type": "Microsoft.OperationalInsights/workspaces", "location": "westus"}
    analytics = {"flowAnalyticsConfiguration": {"networkWatcherFlowAnalyticsConfiguration": {
        "enabled": True, "workspaceResourceId": workspace["id"]}}}
    assert _refusal(_flow_log(vnet["id"], **analytics), vnet, storage, workspace) == "InvalidTAWorkspaceRegion"
    first = {"id": f"/subscriptions/{SUB}/resourceGroups/a/providers/Microsoft.Network/networkWatchers/one",
             "type": "Microsoft.Network/networkWatchers", "location": "eastus2"}
    second = f"/subscriptions/{SUB}/resourceGroups/b/providers/Microsoft.Network/networkWatchers/two"
    refused = flow_log_rules.write_error(second, "Microsoft.Network/networkWatchers", "two", {"location": "eastus2"},
                                         lambda rid: None, [first])
    assert refused and refused["code"] == "NetworkWatcherCountLimitReached"
    bad = flow_log_rules.write_error(storage["id"], "Microsoft.Storage/storageAccounts", "Bad_Name", {},
                                     lambda rid: None, [])
    assert bad and bad["code"] == "AccountNameInvalid"


def test_an_allow_list_from_before_flow_logs_is_found_before_anything_is_sent(tmp_path: Path) -> None:
    """The spoke group's allow-list as a policy step of an earlier version wrote it (no storage
    accounts): the check reads the assignment from ARM and names the type, where ARM's
    preflight would refuse the whole deployment with RequestDisallowedByPolicy."""
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        deploy_step(ws, "policy")
        model = ws.backend.model
        with model.lock:
            for rid, res in model.data["resources"].items():
                params = res.get("properties", {}).get("parameters") or {}
                if "/resourcegroups/rg-enterprise-networking-spokes-eastus2/" in rid and \
                        "listOfResourceTypesAllowed" in params:
                    params["listOfResourceTypesAllowed"]["value"].remove("Microsoft.Storage/storageAccounts")
        deploy_step(ws, "hub")
        runner = decide_and_check(ws, "spoke", flow_logs=True)
        found = runner.state.checks["spoke.allowed-types"]
        assert found["status"] == "fail" and "Microsoft.Storage/storageAccounts in rg-enterprise-networking-spokes" \
            in found["summary"], found
        assert "press 2" in found["remedy"] and "az policy assignment update --name" in found["remedy"]
        assert "Microsoft.Storage/storageAccounts" in found["remedy"].split("--params", 1)[1]
        off = decide_and_check(ws, "spoke", flow_logs=False)
        assert off.state.checks["spoke.allowed-types"]["status"] == "pass"
