"""Deployments: LRO with operations, outputs, what-if, validate, subscription scope, persistence."""

from __future__ import annotations

import json
import time

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.resource.deployments.models import (Deployment, DeploymentProperties, DeploymentWhatIf,
                                                    DeploymentWhatIfProperties)

from .conftest import make_context
from .templates import pip_template, sub_scope_template
from wizard.rehearsal.backend import RehearsalBackend


def _deployment(template, parameters=None, location=None):
    params = {k: {"value": v} for k, v in (parameters or {}).items()}
    return Deployment(location=location, properties=DeploymentProperties(
        mode="Incremental", template=template, parameters=params))


def _what_if(template, parameters=None):
    params = {k: {"value": v} for k, v in (parameters or {}).items()}
    return DeploymentWhatIf(properties=DeploymentWhatIfProperties(
        mode="Incremental", template=template, parameters=params))


def test_deployment_runs_to_success_with_outputs_and_operations(backend_ctx):
    _, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-hub", {"location": "eastus2"})
    deployments = ctx.deployments().deployments
    poller = deployments.begin_create_or_update("rg-hub", "hub-1", _deployment(pip_template()))
    first = deployments.get("rg-hub", "hub-1")
    assert first.properties.provisioning_state in ("Accepted", "Running")
    result = poller.result()
    assert result.properties.provisioning_state == "Succeeded"
    outputs = result.properties.outputs
    assert outputs["firewallPrivateIp"]["value"] == "10.200.0.4"
    assert outputs["pipAddress"]["value"].startswith("203.0.113.")
    assert outputs["subnetCount"]["value"] == 2
    assert result.properties.correlation_id and result.properties.duration.startswith("PT")
    ops = list(ctx.deployments().deployment_operations.list("rg-hub", "hub-1"))
    targets = {o.properties.target_resource.resource_name: o.properties.provisioning_state for o in ops}
    assert targets == {"pip-hub-0": "Succeeded", "pip-hub-1": "Succeeded", "vnet-hub": "Succeeded",
                       "fwp-hub": "Succeeded", "fw-hub": "Succeeded"}
    assert deployments.check_existence("rg-hub", "hub-1") is True
    assert deployments.check_existence("rg-hub", "nope") is False
    vnet = ctx.network().virtual_networks.get("rg-hub", "vnet-hub")
    assert [s.name for s in vnet.subnets] == ["AzureFirewallSubnet", "AzureBastionSubnet"]
    assert vnet.subnets[0].id.endswith("/virtualNetworks/vnet-hub/subnets/AzureFirewallSubnet")
    fw = ctx.network().azure_firewalls.get("rg-hub", "fw-hub")
    assert fw.ip_configurations[0].private_ip_address == "10.200.0.4"
    names = sorted(r.name for r in ctx.resources().resources.list_by_resource_group("rg-hub"))
    assert names == ["fw-hub", "fwp-hub", "pip-hub-0", "pip-hub-1", "vnet-hub"]


def test_running_deployment_reports_partial_operations_and_conflict(start_backend):
    backend, ctx = start_backend()
    backend.pace = 600.0  # slow enough to observe: the firewall takes 8 Azure minutes = 0.8 s
    backend._world.pace = 600.0
    ctx.resources().resource_groups.create_or_update("rg-hub", {"location": "eastus2"})
    ctx.deployments().deployments.begin_create_or_update("rg-hub", "hub-1", _deployment(pip_template()))
    time.sleep(0.15)
    ops = list(ctx.deployments().deployment_operations.list("rg-hub", "hub-1"))
    states = {o.properties.target_resource.resource_name: o.properties.provisioning_state for o in ops}
    assert states.get("fw-hub") in (None, "Running") and states["pip-hub-0"] == "Succeeded"
    assert ctx.deployments().deployments.get("rg-hub", "hub-1").properties.provisioning_state == "Running"
    with pytest.raises(HttpResponseError) as err:
        ctx.deployments().deployments.begin_create_or_update("rg-hub", "hub-1", _deployment(pip_template()))
    assert err.value.status_code == 409 and "DeploymentActive" in str(err.value)


def test_what_if_create_nochange_modify(backend_ctx):
    _, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-hub", {"location": "eastus2"})
    dm = ctx.deployments().deployments
    first = dm.begin_what_if("rg-hub", "hub-wi", _what_if(pip_template())).result()
    assert {str(c.change_type.value if hasattr(c.change_type, "value") else c.change_type) for c in first.changes} == {"Create"}
    dm.begin_create_or_update("rg-hub", "hub-1", _deployment(pip_template())).result()
    second = dm.begin_what_if("rg-hub", "hub-wi", _what_if(pip_template())).result()
    assert {_ct(c) for c in second.changes} == {"NoChange"}
    third = dm.begin_what_if("rg-hub", "hub-wi", _what_if(pip_template(), {"tier": "Premium", "count": 1})).result()
    by_name = {c.resource_id.rsplit("/", 1)[-1]: c for c in third.changes}
    assert _ct(by_name["fw-hub"]) == "Modify"
    paths = {d.path: d for d in by_name["fw-hub"].delta}
    assert paths["properties.sku.tier"].before == "Standard" and paths["properties.sku.tier"].after == "Premium"
    assert _ct(by_name["pip-hub-1"]) == "Ignore"


def _validate_error(call):
    """A failed validation is HTTP 400, which the SDK's poller raises as HttpResponseError."""
    with pytest.raises(HttpResponseError) as err:
        call()
    assert err.value.status_code == 400
    return err.value.error


def _ct(change):
    value = change.change_type
    return getattr(value, "value", value)


def test_validate_zones_unsupported_in_no_zones(start_backend):
    _, ctx = start_backend("no-zones")
    ctx.resources().resource_groups.create_or_update("rg-hub", {"location": "eastus2"})
    error = _validate_error(lambda: ctx.deployments().deployments.begin_validate(
        "rg-hub", "v1", _deployment(pip_template())).result())
    assert error.code == "InvalidTemplateDeployment"
    assert {d.code for d in error.details} == {"AvailabilityZoneNotSupported"}
    with pytest.raises(HttpResponseError) as err:
        ctx.deployments().deployments.begin_create_or_update("rg-hub", "d1", _deployment(pip_template()))
    assert err.value.status_code == 400 and "AvailabilityZoneNotSupported" in str(err.value)


def test_validate_premium_unavailable(start_backend):
    _, ctx = start_backend("no-firewall-premium")
    ctx.resources().resource_groups.create_or_update("rg-hub", {"location": "eastus2"})
    dm = ctx.deployments().deployments
    ok = dm.begin_validate("rg-hub", "v1", _deployment(pip_template())).result()
    assert ok.error is None and len(ok.properties.validated_resources) == 5
    bad = _validate_error(lambda: dm.begin_validate(
        "rg-hub", "v1", _deployment(pip_template(), {"tier": "Premium"})).result())
    targets = {d.target.rsplit("/", 1)[-1] for d in bad.details}
    assert {d.code for d in bad.details} == {"SkuNotAvailable"} and targets == {"fw-hub", "fwp-hub"}


def test_validate_template_errors(backend_ctx):
    _, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-hub", {"location": "eastus2"})
    template = pip_template()
    template["variables"]["prefix"] = "[frobnicate('x')]"
    res = _validate_error(lambda: ctx.deployments().deployments.begin_validate(
        "rg-hub", "v1", _deployment(template)).result())
    assert res.code == "InvalidTemplate" and "'frobnicate'" in res.message
    res = _validate_error(lambda: ctx.deployments().deployments.begin_validate_at_subscription_scope(
        "s1", _deployment(sub_scope_template(), location="eastus2")).result())
    assert res.code == "InvalidTemplate" and "'rgName'" in res.message


def test_subscription_scope_nested_deployment(start_backend):
    """A nested deployment into a group that already exists is preflighted like any other."""
    _, ctx = start_backend()
    ctx.resources().resource_groups.create_or_update("rg-spoke", {"location": "eastus2"})
    dm = ctx.deployments().deployments
    bad = _validate_error(lambda: dm.begin_validate_at_subscription_scope(
        "s1", _deployment(sub_scope_template(), {"rgName": "rg-spoke", "zones": ["4"]}, "eastus2")).result())
    assert bad.details[0].code == "AvailabilityZoneNotSupported"
    assert bad.details[0].target.endswith("/resourceGroups/rg-spoke/providers/Microsoft.Network/publicIPAddresses/pip-spoke")
    done = dm.begin_create_or_update_at_subscription_scope(
        "s1", _deployment(sub_scope_template(), {"rgName": "rg-spoke"}, "eastus2")).result()
    assert done.properties.provisioning_state == "Succeeded"
    assert ctx.resources().resource_groups.check_existence("rg-spoke") is True
    inner = dm.get("rg-spoke", "inner")
    assert inner.properties.outputs["ip"]["value"].startswith("203.0.113.")
    assert any(r.id.endswith("/publicIPAddresses/pip-spoke") for r in done.properties.output_resources)
    assert any(r.id.endswith("/resourceGroups/rg-spoke") for r in done.properties.output_resources)


def test_persistence_resumes_running_deployment(tmp_path):
    state = tmp_path / "state"
    first = RehearsalBackend(state, pace=600.0).start()
    ctx = make_context(first)
    ctx.resources().resource_groups.create_or_update("rg-hub", {"location": "eastus2"})
    ctx.deployments().deployments.begin_create_or_update("rg-hub", "hub-1", _deployment(pip_template()))
    assert ctx.deployments().deployments.get("rg-hub", "hub-1").properties.provisioning_state == "Running"
    ctx.close()
    first.stop()
    model = json.loads((state / "rehearsal-model.json").read_text())
    assert any(k.endswith("/deployments/hub-1") for k in model["deployments"])
    second = RehearsalBackend(state, pace=600.0).start()
    try:
        ctx2 = make_context(second)
        deadline = time.time() + 5
        while ctx2.deployments().deployments.get("rg-hub", "hub-1").properties.provisioning_state == "Running":
            assert time.time() < deadline
            time.sleep(0.05)
        assert ctx2.deployments().deployments.get("rg-hub", "hub-1").properties.provisioning_state == "Succeeded"
        assert ctx2.resources().resource_groups.check_existence("rg-hub")
        ctx2.close()
    finally:
        second.stop()


def test_a_key_vault_secrets_value_is_write_only_and_never_kept(backend_ctx, tmp_path):
    """Secrets_Get (keyvault.json) returns no value; the rehearsal keeps none either, so a PFX
    password sent as a secureString parameter reaches no file but the session's secret store."""
    backend, ctx = backend_ctx
    canary = "canary-PFX-pa55-" + "7" * 12
    ctx.resources().resource_groups.create_or_update("rg-kv", {"location": "eastus2"})
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "parameters": {"pfxPassword": {"type": "securestring"}},
                "resources": [
                    {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2026-05-15", "name": "kv-canary-1",
                     "location": "eastus2",
                     "properties": {"tenantId": "9b1c7e42-3a5d-4f60-8e21-7c4d5b6a3f90", "sku": {"family": "A",
                                    "name": "standard"}, "enableRbacAuthorization": True}},
                    {"type": "Microsoft.KeyVault/vaults/secrets", "apiVersion": "2026-05-15",
                     "name": "kv-canary-1/listener-pfx-password", "dependsOn": [
                         "[resourceId('Microsoft.KeyVault/vaults', 'kv-canary-1')]"],
                     "properties": {"value": "[parameters('pfxPassword')]"}}]}
    body = {"properties": {"mode": "Incremental", "template": template,
                           "parameters": {"pfxPassword": {"value": canary}}}}
    ctx.deployments().deployments.begin_create_or_update("rg-kv", "kv-1", body).result()
    sub = ctx.subscription_id
    secret_id = (f"/subscriptions/{sub}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-canary-1/secrets/"
                 "listener-pfx-password")
    got = ctx.resources().resources.get_by_id(secret_id, api_version="2026-05-15").as_dict()
    assert "value" not in got["properties"] and got["properties"]["secretUri"].endswith("/secrets/listener-pfx-password")
    backend.model.save()
    for path in backend.state_dir.rglob("*"):
        if path.is_file():  # the journal too: it redacts secure parameter values
            assert canary not in path.read_text(errors="ignore"), path
