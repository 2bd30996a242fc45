"""The rehearsal refuses what ARM refuses. Each test names what it was checked against:

- api-versions: ARM's MissingApiVersionParameter / InvalidApiVersionParameter (Microsoft.Resources,
  versions joined with ',', Azure/apiops#508) and a provider's NoRegisteredProviderFound
  ("... The supported api-versions are 'a, b'", Azure/azure-cli#28496).
- tokens: AuthenticationFailed, InvalidAuthenticationToken, ExpiredAuthenticationToken,
  InvalidAuthenticationTokenAudience as ARM returns them (terraform-provider-azurerm#3612,
  azure-tools-for-intellij#16) with a WWW-Authenticate Bearer challenge; Graph's
  InvalidAuthenticationToken with innerError.
- correlation: x-ms-request-id / x-ms-correlation-request-id on every response; the
  correlation id a caller sends names its operations (ARM RPC, common-api-details).
- DELETE: resource groups are asynchronous (202 + Location, then 404 ResourceGroupNotFound);
  204 for a resource that does not exist (ARM RPC; resources spec 2025-04-01 examples).
- nested preflight: NestedDeploymentShortCircuited diagnostics on validate (deployments spec
  2024-07-01+, ``DeploymentPropertiesExtended.diagnostics``)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from azure.core import PipelineClient
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.mgmt.resource.deployments.models import Deployment, DeploymentProperties

from .templates import pip_template, sub_scope_template
from wizard.rehearsal.api_versions import load_catalog
from wizard.rehearsal.tokens import sign

SUB = "2d6f9a1b-4c3e-4b7a-8f15-0a9e8d7c6b51"


def _raw(backend: Any, method: str, path: str, headers: dict[str, str] | None = None,
         body: Any = None) -> Any:
    """A request with exactly the headers given: no SDK auth policy in the way."""
    client = PipelineClient(base_url=backend.base_url, policies=[], connection_verify=str(backend.ca_path))
    request = HttpRequest(method, backend.base_url + path, headers=headers or {},
                          content=json.dumps(body) if body is not None else None)
    return client.send_request(request)


def _token(backend: Any, audience: str = "https://management.azure.com", **extra: Any) -> str:
    scenario = backend.scenario
    now = int(time.time())
    claims = {"oid": scenario.user["oid"], "tid": scenario.tenant_id, "aud": audience, "iat": now, "nbf": now,
              "exp": now + 600, "iss": f"https://sts.windows.net/{scenario.tenant_id}/", **extra}
    return "Bearer " + sign(claims, backend.signing_key)


def _error(response: Any) -> dict[str, Any]:
    return response.json()["error"]


def _deployment(template: dict[str, Any], parameters: dict[str, Any] | None = None,
                location: str | None = None, mode: str = "Incremental") -> Deployment:
    params = {k: {"value": v} for k, v in (parameters or {}).items()}
    return Deployment(location=location, properties=DeploymentProperties(mode=mode, template=template,
                                                                          parameters=params))


# -- api-versions -------------------------------------------------------------------------------

@pytest.mark.parametrize("query, code", [
    ("", "MissingApiVersionParameter"),
    ("?api-version=banana", "InvalidApiVersionParameter"),
    ("?api-version=1999-01-01", "InvalidApiVersionParameter"),
])
def test_resource_groups_refuse_bad_api_versions(backend_ctx, query, code):
    backend, _ = backend_ctx
    response = _raw(backend, "GET", f"/subscriptions/{SUB}/resourcegroups{query}",
                    {"Authorization": _token(backend)})
    assert response.status_code == 400 and _error(response)["code"] == code
    if code == "InvalidApiVersionParameter":
        supported = load_catalog().of("Microsoft.Resources/resourceGroups")
        assert f"The supported versions are '{','.join(supported)}'" in _error(response)["message"]


def test_provider_type_refuses_unpublished_version(backend_ctx):
    backend, _ = backend_ctx
    path = (f"/subscriptions/{SUB}/resourceGroups/NetworkWatcherRG/providers/Microsoft.OperationalInsights/"
            "workspaces/la?api-version=2023-11-01")  # the version the hub's check once used: not published
    error = _error(_raw(backend, "GET", path, {"Authorization": _token(backend)}))
    assert error["code"] == "NoRegisteredProviderFound"
    assert "API version '2023-11-01' for type 'workspaces'" in error["message"]


def test_paths_are_read_without_regard_to_case(backend_ctx):
    backend, _ = backend_ctx
    path = (f"/subscriptions/{SUB}/resourceGroups/NetworkWatcherRG/Providers/Microsoft.Network/"
            "virtualNetworks/none?api-version=2024-05-01")
    response = _raw(backend, "GET", path, {"Authorization": _token(backend)})
    assert response.status_code == 404 and _error(response)["code"] == "ResourceNotFound"


def test_provider_metadata_lists_published_versions(backend_ctx):
    _, ctx = backend_ctx
    network = ctx.resources().providers.get("Microsoft.Network").as_dict()
    vnets = next(t for t in network["resourceTypes"] if t["resourceType"] == "virtualNetworks")
    assert tuple(vnets["apiVersions"]) == load_catalog().of("Microsoft.Network/virtualNetworks")


def test_template_resource_with_unpublished_api_version_fails_validate_and_what_if(backend_ctx):
    _, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-hub", {"location": "eastus2"})
    template = pip_template()
    template["resources"][0]["apiVersion"] = "1999-01-01"
    dm = ctx.deployments().deployments
    with pytest.raises(HttpResponseError) as raised:
        dm.begin_validate("rg-hub", "v1", _deployment(template)).result()
    assert raised.value.error.details[0].code == "NoRegisteredProviderFound"
    result = dm.begin_what_if("rg-hub", "w1", {"properties": {"mode": "Incremental", "template": template}}).result()
    assert result.status == "Failed" and result.error.code == "InvalidTemplateDeployment"  # 200, not 400


# -- tokens ---------------------------------------------------------------------------------------

def test_arm_refuses_missing_forged_expired_and_misdirected_tokens(backend_ctx):
    backend, _ = backend_ctx
    path = f"/subscriptions/{SUB}/resourcegroups?api-version=2025-04-01"
    forged = "Bearer eyJhbGciOiJub25lIn0." + _token(backend).split(".")[1] + "."
    cases = {
        "AuthenticationFailed": {},
        "InvalidAuthenticationToken": {"Authorization": forged},
        "ExpiredAuthenticationToken": {"Authorization": _token(backend, exp=int(time.time()) - 10)},
        "InvalidAuthenticationTokenAudience": {"Authorization": _token(backend, "https://graph.microsoft.com")},
        "InvalidAuthenticationTokenTenant": {"Authorization": _token(backend, iss="https://sts.windows.net/other/")},
    }
    for code, headers in cases.items():
        response = _raw(backend, "GET", path, headers)
        assert response.status_code == 401 and _error(response)["code"] == code, code
        assert response.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")
    assert _raw(backend, "GET", path, {"Authorization": _token(backend)}).status_code == 200


def test_graph_refuses_an_arm_token(backend_ctx):
    backend, _ = backend_ctx
    response = _raw(backend, "GET", "/v1.0/me", {"Authorization": _token(backend), "client-request-id": "c-1"})
    error = _error(response)
    assert response.status_code == 401 and error["code"] == "InvalidAuthenticationToken"
    assert error["message"] == "Access token validation failure. Invalid audience."
    assert error["innerError"]["client-request-id"] == "c-1"
    good = _raw(backend, "GET", "/v1.0/me", {"Authorization": _token(backend, "https://graph.microsoft.com")})
    assert good.status_code == 200 and good.headers["request-id"]


# -- correlation ----------------------------------------------------------------------------------

def test_every_response_carries_request_and_correlation_ids(backend_ctx):
    backend, _ = backend_ctx
    path = f"/subscriptions/{SUB}/resourcegroups?api-version=2025-04-01"
    own = _raw(backend, "GET", path, {"Authorization": _token(backend)})
    assert own.headers["x-ms-request-id"] == own.headers["x-ms-correlation-request-id"]
    sent = _raw(backend, "GET", path, {"Authorization": _token(backend), "x-ms-correlation-request-id": "corr-42"})
    assert sent.headers["x-ms-correlation-request-id"] == "corr-42" and sent.headers["x-ms-request-id"] != "corr-42"
    refused = _raw(backend, "GET", path)
    assert refused.status_code == 401 and refused.headers["x-ms-correlation-request-id"]


def test_deployment_correlation_id_is_the_put_requests(backend_ctx):
    backend, _ = backend_ctx
    path = f"/subscriptions/{SUB}/providers/Microsoft.Resources/deployments/c1?api-version=2025-04-01"
    body = {"location": "eastus2", "properties": {"mode": "Incremental", "template": sub_scope_template(),
                                                  "parameters": {"rgName": {"value": "rg-c"}}}}
    put = _raw(backend, "PUT", path, {"Authorization": _token(backend), "Content-Type": "application/json",
                                      "x-ms-correlation-request-id": "corr-deploy"}, body)
    assert put.status_code == 201 and put.json()["properties"]["correlationId"] == "corr-deploy"


# -- what-if semantics ----------------------------------------------------------------------------

def _one_pip(tags: dict[str, str] | None = None, idle: int | None = 4) -> dict[str, Any]:
    props: dict[str, Any] = {"publicIPAllocationMethod": "Static", "dnsSettings": {"domainNameLabel": "hub"}}
    if idle is not None:
        props["idleTimeoutInMinutes"] = idle
    res: dict[str, Any] = {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": "pip-a",
                           "location": "eastus2", "sku": {"name": "Standard"}, "zones": ["1", "2"],
                           "properties": props}
    if tags is not None:
        res["tags"] = tags
    return {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": [res]}


def _changes(dm: Any, template: dict[str, Any], mode: str = "Incremental") -> dict[str, Any]:
    result = dm.begin_what_if("rg-w", "w", {"properties": {"mode": mode, "template": template}}).result().as_dict()
    assert result["status"] == "Succeeded", result
    return {c["resourceId"].rsplit("/", 1)[-1]: c for c in result["properties"]["changes"]}


def test_what_if_create_after_holds_only_what_the_template_sets(backend_ctx):
    _, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-w", {"location": "eastus2"})
    change = _changes(ctx.deployments().deployments, _one_pip())["pip-a"]
    assert change["changeType"] == "Create"
    assert "ipAddress" not in change["after"]["properties"]
    assert "provisioningState" not in change["after"]["properties"]
    assert change["after"]["apiVersion"] == "2024-05-01"


def test_property_dropped_from_template_is_a_delete_and_is_removed(backend_ctx):
    _, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-w", {"location": "eastus2"})
    dm = ctx.deployments().deployments
    dm.begin_create_or_update("rg-w", "d1", _deployment(_one_pip(tags={"team": "net"}))).result()
    assert _changes(dm, _one_pip(tags={"team": "net"}))["pip-a"]["changeType"] == "NoChange"
    change = _changes(dm, _one_pip(tags=None, idle=None))["pip-a"]
    deltas = {d["path"]: d["propertyChangeType"] for d in change["delta"]}
    assert change["changeType"] == "Modify"
    assert deltas == {"tags": "Delete", "properties.idleTimeoutInMinutes": "Delete"}
    dm.begin_create_or_update("rg-w", "d2", _deployment(_one_pip(tags=None, idle=None))).result()
    pip = ctx.network().public_ip_addresses.get("rg-w", "pip-a").as_dict()
    assert "idleTimeoutInMinutes" not in pip["properties"] and not pip.get("tags")


def test_list_of_plain_values_deltas_have_index_paths(backend_ctx):
    _, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-w", {"location": "eastus2"})
    dm = ctx.deployments().deployments
    dm.begin_create_or_update("rg-w", "d1", _deployment(_one_pip())).result()
    changed = _one_pip()
    changed["resources"][0]["zones"] = ["1", "3"]
    zone = next(d for d in _changes(dm, changed)["pip-a"]["delta"] if d["path"] == "zones")
    assert zone["propertyChangeType"] == "Array"
    assert [(c["path"], c["propertyChangeType"]) for c in zone["children"]] == [("1", "Delete"), ("1", "Create")]


def test_complete_mode_reports_delete_for_resources_not_in_the_template(backend_ctx):
    _, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-w", {"location": "eastus2"})
    dm = ctx.deployments().deployments
    dm.begin_create_or_update("rg-w", "d1", _deployment(_one_pip())).result()
    empty = {"$schema": _one_pip()["$schema"], "contentVersion": "1.0.0.0", "resources": []}
    assert _changes(dm, empty)["pip-a"]["changeType"] == "Ignore"
    assert _changes(dm, empty, mode="Complete")["pip-a"]["changeType"] == "Delete"
    dm.begin_create_or_update("rg-w", "d2", _deployment(empty)).result()
    assert [r.name for r in ctx.resources().resources.list_by_resource_group("rg-w")] == ["pip-a"]
    dm.begin_create_or_update("rg-w", "d3", _deployment(empty, mode="Complete")).result()
    assert list(ctx.resources().resources.list_by_resource_group("rg-w")) == []  # and Complete deletes it


def test_existing_group_cannot_move_nor_take_a_deployment_while_deleting(backend_ctx):
    """ARM refuses a template group in another region (InvalidResourceGroupLocation) and any
    deployment into a group being deleted (ResourceGroupBeingDeleted)."""
    backend, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-spoke", {"location": "centralus"})
    dm = ctx.deployments().deployments
    with pytest.raises(HttpResponseError) as raised:
        dm.begin_validate_at_subscription_scope(
            "s1", _deployment(sub_scope_template(), {"rgName": "rg-spoke"}, "eastus2")).result()
    assert raised.value.error.details[0].code == "InvalidResourceGroupLocation"
    backend.pace = 0.001  # the deletion now takes (Azure) ages
    backend._world.pace = 0.001
    _raw(backend, "DELETE", f"/subscriptions/{SUB}/resourcegroups/rg-spoke?api-version=2025-04-01",
         {"Authorization": _token(backend)})
    template = sub_scope_template()
    template["resources"][0]["location"] = "centralus"
    with pytest.raises(HttpResponseError) as raised:
        dm.begin_validate_at_subscription_scope(
            "s1", _deployment(template, {"rgName": "rg-spoke"}, "eastus2")).result()
    assert {d.code for d in raised.value.error.details} == {"ResourceGroupBeingDeleted"}


# -- DELETE ---------------------------------------------------------------------------------------

def test_delete_resource_group_is_asynchronous_then_gone(backend_ctx):
    backend, ctx = backend_ctx
    groups = ctx.resources().resource_groups
    groups.create_or_update("rg-gone", {"location": "eastus2"})
    raw = _raw(backend, "DELETE", f"/subscriptions/{SUB}/resourcegroups/rg-gone?api-version=2025-04-01",
               {"Authorization": _token(backend)})
    assert raw.status_code == 202 and "/operationresults/" in raw.headers["Location"]
    location = raw.headers["Location"].removeprefix(backend.base_url)
    deadline = time.time() + 5
    while (poll := _raw(backend, "GET", location, {"Authorization": _token(backend)})).status_code == 202:
        assert groups.get("rg-gone").properties.provisioning_state == "Deleting"
        assert time.time() < deadline
        time.sleep(0.01)
    assert poll.status_code == 200
    with pytest.raises(HttpResponseError) as raised:
        groups.get("rg-gone")
    assert raised.value.status_code == 404 and raised.value.error.code == "ResourceGroupNotFound"


def test_delete_resource_in_use_is_refused_and_missing_is_204(backend_ctx):
    backend, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-hub", {"location": "eastus2"})
    ctx.deployments().deployments.begin_create_or_update("rg-hub", "d", _deployment(pip_template())).result()
    base = f"/subscriptions/{SUB}/resourceGroups/rg-hub/providers/Microsoft.Network"
    auth = {"Authorization": _token(backend)}
    in_use = _raw(backend, "DELETE", f"{base}/publicIPAddresses/pip-hub-0?api-version=2024-05-01", auth)
    assert in_use.status_code == 400 and _error(in_use)["code"] == "PublicIPAddressInUse"
    assert _raw(backend, "DELETE", f"{base}/azureFirewalls/fw-hub?api-version=2024-05-01", auth).status_code == 200
    assert _raw(backend, "DELETE", f"{base}/azureFirewalls/fw-hub?api-version=2024-05-01", auth).status_code == 204
    assert _raw(backend, "DELETE", f"{base}/publicIPAddresses/pip-hub-0?api-version=2024-05-01", auth).status_code == 200


def test_delete_deployment_keeps_its_resources(backend_ctx):
    _, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-w", {"location": "eastus2"})
    dm = ctx.deployments().deployments
    dm.begin_create_or_update("rg-w", "d1", _deployment(_one_pip())).result()
    dm.begin_delete("rg-w", "d1").result()
    assert dm.check_existence("rg-w", "d1") is False
    assert ctx.network().public_ip_addresses.get("rg-w", "pip-a").name == "pip-a"


# -- nested preflight -----------------------------------------------------------------------------

def test_nested_deployment_into_a_new_group_is_short_circuited_then_fails_when_it_runs(backend_ctx):
    _, ctx = backend_ctx
    dm = ctx.deployments().deployments
    bad_zones = _deployment(sub_scope_template(), {"rgName": "rg-new", "zones": ["4"]}, "eastus2")
    validated = dm.begin_validate_at_subscription_scope("s1", bad_zones).result().as_dict()
    diagnostics = validated["properties"]["diagnostics"]
    assert [d["code"] for d in diagnostics] == ["NestedDeploymentShortCircuited"]
    assert diagnostics[0]["target"].endswith("/resourceGroups/rg-new/providers/Microsoft.Resources/deployments/inner")
    with pytest.raises(HttpResponseError):  # the SDK's poller raises for a Failed deployment
        dm.begin_create_or_update_at_subscription_scope("s1", bad_zones).result()
    done = dm.get_at_subscription_scope("s1")
    assert done.properties.provisioning_state == "Failed"
    inner = done.properties.error.details[0]
    assert inner.code == "DeploymentFailed" and inner.target.endswith("/deployments/inner")
    codes = json.dumps(done.properties.error.as_dict())
    assert "AvailabilityZoneNotSupported" in codes


def test_a_nested_deployment_that_never_started_does_not_exist(backend_ctx):
    """'after' waits for 'inner', which fails when it runs: ARM never creates 'after' (404)."""
    _, ctx = backend_ctx
    template = sub_scope_template()
    after = json.loads(json.dumps(template["resources"][1]))
    after["name"] = "after"
    after["properties"]["template"]["resources"][0]["name"] = "pip-after"
    after["properties"]["template"]["outputs"] = {}
    after["dependsOn"] = ["[resourceId(parameters('rgName'), 'Microsoft.Resources/deployments', 'inner')]"]
    template["resources"].append(after)
    dm = ctx.deployments().deployments
    with pytest.raises(HttpResponseError):  # zones '9' fail once 'inner' starts (its group is new)
        dm.begin_create_or_update_at_subscription_scope(
            "s2", _deployment(template, {"rgName": "rg-e", "zones": ["9"]}, "eastus2")).result()
    assert dm.get("rg-e", "inner").properties.provisioning_state == "Failed"
    with pytest.raises(HttpResponseError) as raised:
        dm.get("rg-e", "after")
    assert raised.value.status_code == 404 and raised.value.error.code == "DeploymentNotFound"
    assert [d.name for d in dm.list_by_resource_group("rg-e")] == ["inner"]
