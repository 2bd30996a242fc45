"""The cluster step's input checks, each with an input that makes it fail (over real HTTPS
against the rehearsal where it reads Azure): an output missing from an earlier step, an App
Gateway subnet someone else uses or too small, a listener certificate for another host, a
caller without the right to assign roles. Checked against: Subnets_Get (virtualNetwork.json
2025-07-01: properties.addressPrefix, ipConfigurations[].id) and RoleAssignments_ListForScope
with assignedTo()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checks import cluster_inputs
from tests.engine.flow import deploy_step, finish_prerequisites, open_workspace
from wizard.engine.contract import CheckStatus, StepContext
from wizard.workspace import Workspace

SPOKE_RG = "rg-enterprise-networking-spokes-eastus2"


def _ctx(ws: Workspace, outputs: dict[str, Any] | None = None) -> StepContext:
    return StepContext("cluster", {}, outputs or {}, "rehearsal", ws.session.dir, ws.azure, ws.session.secrets)


def test_missing_outputs_are_named_by_step_and_key() -> None:
    outputs = {"spoke": {"subnet_ids": {"nodes": "/x"}, "spoke_vnet_id": ""}}
    needed = (("spoke", "subnet_ids.nodes", "the node subnet"), ("spoke", "subnet_ids.app_gateway", "the gateway subnet"),
              ("spoke", "spoke_vnet_id", "the spoke VNet"), ("identity", "admin_group_id", "the admin group"))
    assert cluster_inputs.missing_outputs(outputs, needed) == [
        "the gateway subnet (spoke.subnet_ids.app_gateway)", "the spoke VNet (spoke.spoke_vnet_id)",
        "the admin group (identity.admin_group_id)"]


def test_an_ingress_certificate_file_that_is_gone_fails_the_outputs_check(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        ctx = _ctx(ws, {"tls-certificates": {"ingress_certificate_path": str(tmp_path / "gone.crt")}})
        found = cluster_inputs.check_earlier_outputs(ctx, ())
        assert found.status is CheckStatus.FAIL and "gone.crt" in found.summary and "run" in found.remedy.lower()


def _vnet(ws: Workspace, prefix: str, nic: bool) -> str:
    sub = ws.azure.subscription_id
    ws.backend.model.put_resource_group(sub, SPOKE_RG, "eastus2", None)
    vnet = f"/subscriptions/{sub}/resourceGroups/{SPOKE_RG}/providers/Microsoft.Network/virtualNetworks/vnet-t"
    config = [{"id": f"/subscriptions/{sub}/resourceGroups/x/providers/Microsoft.Network/networkInterfaces/nic1/"
                     "ipConfigurations/ipconfig1"}] if nic else []
    ws.backend.model.apply_resource({"id": vnet, "name": "vnet-t", "type": "Microsoft.Network/virtualNetworks",
                                     "location": "eastus2", "properties": {
                                         "addressSpace": {"addressPrefixes": ["10.240.0.0/16"]},
                                         "subnets": [{"name": "snet-applicationgateway", "properties": {
                                             "addressPrefix": prefix, "ipConfigurations": config}}]}})
    return f"{vnet}/subnets/snet-applicationgateway"


def test_the_app_gateway_subnet_must_be_free_large_and_there(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        ctx = _ctx(ws)
        assert cluster_inputs.check_app_gateway_subnet(ctx, _vnet(ws, "10.240.5.0/24", nic=False)).status \
            is CheckStatus.PASS
        used = cluster_inputs.check_app_gateway_subnet(ctx, _vnet(ws, "10.240.5.0/24", nic=True))
        assert used.status is CheckStatus.FAIL and "subnet of its own" in used.summary
        small = cluster_inputs.check_app_gateway_subnet(ctx, _vnet(ws, "10.240.5.0/26", nic=False))
        assert small.status is CheckStatus.WARN and "/24" in small.summary
        gone = cluster_inputs.check_app_gateway_subnet(ctx, _vnet(ws, "10.240.5.0/24", False).replace(
            "snet-applicationgateway", "snet-missing"))
        assert gone.status is CheckStatus.FAIL and "does not exist" in gone.summary


def test_a_listener_certificate_for_another_host_fails(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        deploy_step(ws, "tls-certificates")
        tls = dict(ws.session.step("tls-certificates").outputs)
        assert cluster_inputs.check_listener_host(_ctx(ws, {"tls-certificates": tls})).status is CheckStatus.PASS
        other = cluster_inputs.check_listener_host(_ctx(ws, {"tls-certificates": {**tls, "public_host": "shop.fabrikam.com"}}))
        assert other.status is CheckStatus.FAIL and "shop.fabrikam.com" in other.summary


def test_a_contributor_may_not_make_the_role_assignments(tmp_path: Path) -> None:
    with open_workspace(tmp_path, "missing-role") as ws:
        found = cluster_inputs.check_role_rights(_ctx(ws), ["rg-bu0001a0008", SPOKE_RG])
        assert found.status is CheckStatus.FAIL and "User Access Administrator" in found.remedy
    with open_workspace(tmp_path / "owner") as ws:
        assert cluster_inputs.check_role_rights(_ctx(ws), ["rg-bu0001a0008"]).status is CheckStatus.PASS
