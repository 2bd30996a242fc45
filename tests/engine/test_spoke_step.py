"""Step 7 (spoke) against the rehearsal over real HTTPS: one deployment across the spoke's and
the hub's groups; the peering both ways and Connected; 0.0.0.0/0 to the firewall's private
IP; the AKS egress rule collection group in the hub's policy with the FQDN tag; nothing
written before approval; a network already peered to the hub with an overlapping range
found before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from steps import spoke_template as tpl
from tests.engine.flow import (audit_records, decide_and_check, deploy_step, finish_prerequisites, journal,
                               not_passing, open_workspace)
from tests.engine.test_policy_step import _probe, _run_probe
from wizard.engine.arm import AzureCallFailed
from wizard.workspace import Workspace

HUB_RG = "rg-enterprise-networking-hubs-eastus2"


def _to_spoke(ws: Workspace, **answers: Any) -> Any:
    finish_prerequisites(ws)
    deploy_step(ws, "hub")
    return decide_and_check(ws, "spoke", **answers)


def _puts(session_dir: Path) -> list[dict[str, Any]]:
    return [e for e in journal(session_dir) if e["method"] == "PUT" and "/deployments/" in e["path"]]


def test_defaults_deploy_the_spoke_its_peerings_route_and_egress_rules(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        runner = _to_spoke(ws)
        assert not_passing(runner) == {}, runner.state.checks
        before = len(_puts(ws.session.dir))
        preview = runner.preview()
        assert len(_puts(ws.session.dir)) == before, "what-if and validate only: nothing is deployed before approval"
        types = {c.resource_type for c in preview.changes}
        assert {"Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "Microsoft.Network/routeTables",
                "Microsoft.Network/firewallPolicies/ruleCollectionGroups"} <= types
        runner.approve()
        outputs = runner.deploy()
        firewall_ip = ws.session.step("hub").outputs["firewall_private_ip"]
        sent = json.dumps(_puts(ws.session.dir)[-1]["request"])
        assert '"nextHopIpAddress": "%s"' % firewall_ip in sent and '"addressPrefix": "0.0.0.0/0"' in sent
        assert '"fqdnTags": ["AzureKubernetesService"]' in sent and "AksEgressRuleCollectionGroup" in sent
        assert "to_vnet-eastus2-hub" in sent and "to_vnet-spoke-BU0001A0008-00" in sent  # both directions
        assert '"defaultOutboundAccess": false' in sent
        assert outputs["ingress_ip"] == "10.240.4.4" and outputs["app_gateway_public_ip"]
        assert set(outputs["subnet_ids"]) == {"nodes", "ingress", "private_endpoints", "app_gateway", "api_server",
                                              "management"}
        assert set(outputs["private_dns_zone_ids"]) == {"acr", "keyVault", "aks"}
        verify = {k: v["status"] for k, v in ws.session.step("spoke").checks.items() if k.startswith("spoke.verify")}
        assert verify == {"spoke.verify-peerings": "pass", "spoke.verify-routing": "pass"}


def test_the_egress_rules_come_only_from_the_node_subnet(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        _to_spoke(ws)
        group = tpl.aks_egress_rule_collection_group("fw-policies-eastus2", ["10.240.0.0/22"], "eastus2")
        rules = [r for c in group["properties"]["ruleCollections"] for r in c["rules"]]
        assert all(r["sourceAddresses"] == ["10.240.0.0/22"] for r in rules)
        assert not any("1194" in r.get("destinationPorts", []) for r in rules)  # no tunnel: the API server is private
        assert any(f == "eastus2.dp.kubernetesconfiguration.azure.com" for r in rules for f in r.get("targetFqdns", []))


def _other_spoke(ws: Workspace, cidr: str) -> list[dict[str, Any]]:
    """Someone else's spoke, peered to the hub from its side."""
    vnet = {"type": "Microsoft.Network/virtualNetworks", "apiVersion": tpl.NET_API, "name": "vnet-other",
            "location": "eastus2", "properties": {"addressSpace": {"addressPrefixes": [cidr]}, "subnets": []}}
    hub_id = ws.session.step("hub").outputs["hub_vnet_id"]
    return [vnet, tpl.peering("vnet-other", hub_id, ["[resourceId('Microsoft.Network/virtualNetworks', 'vnet-other')]"])]


def test_an_overlap_with_a_network_already_peered_to_the_hub_fails_before_anything_is_sent(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        hub = deploy_step(ws, "hub")
        ws.azure.resources().resource_groups.create_or_update("rg-other", {"location": "eastus2"})
        probe = _run_probe(ws, _probe(_other_spoke(ws, "10.240.128.0/17"), "rg-other"))
        probe.preview()
        probe.approve()
        probe.deploy()
        back = _run_probe(ws, _probe([tpl.peering("vnet-eastus2-hub", "/subscriptions/" + ws.azure.subscription_id
                                                  + "/resourceGroups/rg-other/providers/Microsoft.Network/"
                                                  "virtualNetworks/vnet-other", [])], HUB_RG))
        back.preview()
        back.approve()
        back.deploy()
        runner = decide_and_check(ws, "spoke")
        check = runner.state.checks["spoke.overlaps"]
        assert check["status"] == "fail" and "peered vnet-other" in check["remedy"], check
        assert hub["hub_vnet_id"]


def test_a_peering_is_initiated_until_its_other_side_exists(tmp_path: Path) -> None:
    """Checked against the REST spec's peeringState enum and the behaviour in
    Azure/bicep-registry-modules#5332: one side alone is Initiated; both sides Connected."""
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        deploy_step(ws, "hub")
        ws.azure.resources().resource_groups.create_or_update("rg-other", {"location": "eastus2"})
        probe = _run_probe(ws, _probe(_other_spoke(ws, "10.250.0.0/16"), "rg-other"))
        probe.preview()
        probe.approve()
        probe.deploy()
        rid = (f"/subscriptions/{ws.azure.subscription_id}/resourceGroups/rg-other/providers/Microsoft.Network/"
               "virtualNetworks/vnet-other/virtualNetworkPeerings/to_vnet-eastus2-hub")
        get = ws.azure.resources().resources.get_by_id
        assert get(rid, api_version=tpl.NET_API).as_dict()["properties"]["peeringState"] == "Initiated"
        back = _run_probe(ws, _probe([tpl.peering("vnet-eastus2-hub", rid.split("/virtualNetworkPeerings/")[0], [])],
                                     HUB_RG))
        back.preview()
        back.approve()
        back.deploy()
        assert get(rid, api_version=tpl.NET_API).as_dict()["properties"]["peeringState"] == "Connected"


def test_the_spoke_needs_the_hub() -> None:
    from steps import step_by_id

    spoke = step_by_id("spoke")
    assert spoke.built and spoke.needs == ("hub",)


def _verify(ws: Workspace, check_id: str) -> Any:
    from steps import step_by_id

    runner = ws.runner("spoke")
    check = next(c for c in step_by_id("spoke").verify if c.id == check_id)
    return check.run(runner.context())


def test_verification_fails_when_the_route_skips_the_firewall_or_a_peering_is_gone(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        runner = _to_spoke(ws)
        runner.preview()
        runner.approve()
        outputs = runner.deploy()
        assert _verify(ws, "spoke.verify-routing").status.value == "pass"
        detour = {**tpl.route_table("eastus2", "10.200.0.99")}
        probe = _run_probe(ws, _probe([detour], "rg-enterprise-networking-spokes-eastus2"))
        probe.preview()
        probe.approve()
        probe.deploy()
        routing = _verify(ws, "spoke.verify-routing")
        assert routing.status.value == "fail" and "10.200.0.99" in routing.summary
        hub_side = f"{ws.session.step('hub').outputs['hub_vnet_id']}/virtualNetworkPeerings/to_vnet-spoke-BU0001A0008-00"
        ws.azure.resources().resources.begin_delete_by_id(hub_side, api_version=tpl.NET_API).result()
        peerings = _verify(ws, "spoke.verify-peerings")
        assert peerings.status.value == "fail" and "Disconnected" in peerings.summary, peerings.summary
        assert outputs["spoke_vnet_id"]


def test_the_hub_check_fails_without_the_hub_outputs_or_its_policy(tmp_path: Path) -> None:
    from checks import hub_link
    from wizard.engine.contract import StepContext

    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        hub = deploy_step(ws, "hub")
        old = {k: v for k, v in hub.items() if k != "firewall_policy_id"}  # a hub made by an older wizard
        ctx = StepContext("spoke", {}, {"hub": old}, "rehearsal", ws.session.dir, ws.azure)
        missing = hub_link.check_hub_ready(ctx)
        assert missing.status.value == "fail" and "firewall_policy_id" in missing.summary
        delete = ws.azure.resources().resources.begin_delete_by_id
        firewall = hub["firewall_policy_id"].replace("firewallPolicies/fw-policies-", "azureFirewalls/fw-")
        delete(firewall, api_version=tpl.NET_API).result()  # a policy in use cannot go (FirewallPolicyInUse)
        delete(hub["firewall_policy_id"], api_version=tpl.NET_API).result()
        gone = hub_link.check_hub_ready(StepContext("spoke", {}, {"hub": hub}, "rehearsal", ws.session.dir, ws.azure))
        assert gone.status.value == "fail" and "firewall policy" in gone.summary and "hub step again" in gone.remedy


def test_another_operation_in_progress_on_the_hubs_policy_is_a_wait_not_a_failure(tmp_path: Path) -> None:
    """Azure refuses a rule collection group write while another deployment changes the same
    firewall policy (AnotherOperationInProgress); the step submits the approved template again
    after a wait, audits the retry, and finishes."""
    from wizard.rehearsal.faults import Fault

    with open_workspace(tmp_path) as ws:
        runner = _to_spoke(ws)
        runner.preview()
        runner.approve()
        ws.backend.faults.add(Fault(kind="lro_failed", path_regex="spoke-BU0001A0008", method="PUT", times=1,
                                    resource_type="Microsoft.Network/firewallPolicies/ruleCollectionGroups",
                                    code="AnotherOperationInProgress",
                                    message="Another operation on this or a dependent resource is in progress."))
        runner.deploy()
        assert runner.state.status == "done"
        retried = [r for r in audit_records(ws.session.dir) if r["kind"] == "deployment.retried"]
        assert len(retried) == 1 and retried[0]["data"]["code"] == "AnotherOperationInProgress"
        assert "ruleCollectionGroups" in retried[0]["data"]["resource"]
        assert len([p for p in _puts(ws.session.dir) if "spoke-BU0001A0008" in p["path"]]) == 2


def test_overlapping_writes_to_one_firewall_policy_fail_the_later_one() -> None:
    """The rehearsal's rule (wizard.rehearsal.serialized_writes), on plain schedules."""
    from wizard.rehearsal.serialized_writes import mark_conflicts

    policy = "/subscriptions/s/resourceGroups/hub/providers/Microsoft.Network/firewallPolicies/fw"
    rcg = "Microsoft.Network/firewallPolicies/ruleCollectionGroups"
    running = [{"startWall": 100.0, "pace": 1.0, "schedule": [{"id": f"{policy}/ruleCollectionGroups/a", "type": rcg,
                                                               "start": 0.0, "end": 30.0}]}]
    overlapping = [{"id": f"{policy}/ruleCollectionGroups/b", "type": rcg, "start": 10.0, "end": 40.0}]
    after = [{"id": f"{policy}/ruleCollectionGroups/b", "type": rcg, "start": 40.0, "end": 70.0}]
    other_policy = [{"id": policy + "2/ruleCollectionGroups/b", "type": rcg, "start": 10.0, "end": 40.0}]
    mark_conflicts(overlapping, 100.0, 1.0, running)
    mark_conflicts(after, 100.0, 1.0, running)
    mark_conflicts(other_policy, 100.0, 1.0, running)
    assert overlapping[0]["error"]["code"] == "AnotherOperationInProgress"
    assert not after[0].get("error") and not other_policy[0].get("error")
