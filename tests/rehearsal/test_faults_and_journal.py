"""Fault injection through the real SDK retry/LRO machinery, and the request journal."""

from __future__ import annotations

import json
import time

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from wizard.rehearsal.faults import Fault

from .test_deployments import _deployment
from .templates import pip_template


def _statuses(backend, fragment):
    return [e["status"] for e in backend.journal.entries() if fragment in e["path"]]


def test_throttle_is_retried_by_sdk(backend_ctx):
    backend, ctx = backend_ctx
    backend.faults.add(Fault(method="GET", path_regex=r"/resourcegroups/rg-a$", kind="throttle", times=2,
                             retry_after=0.01))
    ctx.resources().resource_groups.create_or_update("rg-a", {"location": "eastus2"})
    assert ctx.resources().resource_groups.get("rg-a").name == "rg-a"
    assert [s for s in _statuses(backend, "rg-a") if s != 201] == [429, 429, 200]
    throttled = next(e for e in backend.journal.entries() if e["status"] == 429)
    assert throttled["response"]["error"]["code"] == "TooManyRequests"


def test_500_is_retried(backend_ctx):
    backend, ctx = backend_ctx
    backend.faults.add(Fault(path_regex="/providers/Microsoft.Network$", kind="status", status=500, times=1))
    assert ctx.resources().providers.get("Microsoft.Network").registration_state == "Registered"
    assert _statuses(backend, "Microsoft.Network") == [500, 200]


def test_reset_closes_connection(backend_ctx):
    backend, ctx = backend_ctx
    backend.faults.add(Fault(path_regex="/locations$", kind="reset", times=20))
    with pytest.raises((ServiceRequestError, ServiceResponseError)):
        list(ctx.subscriptions().subscriptions.list_locations(ctx.subscription_id, retry_total=1))
    backend.faults.clear()
    assert list(ctx.subscriptions().subscriptions.list_locations(ctx.subscription_id))


def test_lro_failed_gives_nested_error(backend_ctx):
    backend, ctx = backend_ctx
    backend.faults.add(Fault(method="PUT", path_regex="/deployments/hub-f$", kind="lro_failed",
                             resource_type="Microsoft.Network/azureFirewalls",
                             code="AzureFirewallSubnetMissing", message="The firewall subnet is missing."))
    ctx.resources().resource_groups.create_or_update("rg-hub", {"location": "eastus2"})
    dm = ctx.deployments().deployments
    poller = dm.begin_create_or_update("rg-hub", "hub-f", _deployment(pip_template()))
    with pytest.raises(HttpResponseError) as err:
        poller.result()
    assert err.value.error.code == "DeploymentFailed"
    inner = err.value.error.details[0]
    assert inner.code == "ResourceDeploymentFailure"
    assert inner.details[0].code == "AzureFirewallSubnetMissing" and inner.details[0].target.endswith("/fw-hub")
    got = dm.get("rg-hub", "hub-f")
    assert got.properties.provisioning_state == "Failed" and got.properties.error.code == "DeploymentFailed"
    ops = {o.properties.target_resource.resource_name: o for o in
           ctx.deployments().deployment_operations.list("rg-hub", "hub-f")}
    assert ops["fw-hub"].properties.provisioning_state == "Failed"
    assert ops["fw-hub"].properties.status_message["error"]["details"][0]["code"] == "AzureFirewallSubnetMissing"
    assert ops["vnet-hub"].properties.provisioning_state == "Succeeded"
    # a finished (failed) run can be re-submitted and then succeeds
    assert dm.begin_create_or_update("rg-hub", "hub-f", _deployment(pip_template())).result() \
        .properties.provisioning_state == "Succeeded"


def test_slow_lro_multiplies_durations(backend_ctx):
    backend, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-hub", {"location": "eastus2"})
    dm = ctx.deployments().deployments
    start = time.monotonic()
    dm.begin_create_or_update("rg-hub", "fast", _deployment(pip_template())).result()
    fast = time.monotonic() - start
    backend.faults.add(Fault(method="PUT", path_regex="/deployments/slow$", kind="slow_lro", factor=6))
    start = time.monotonic()
    result = dm.begin_create_or_update("rg-hub", "slow", _deployment(pip_template())).result()
    slow = time.monotonic() - start
    assert result.properties.provisioning_state == "Succeeded"
    assert slow > fast * 2 and slow > 0.4  # 9.3 Azure minutes x 6 at pace 6000 = ~0.56 s


def test_faults_from_scenario_and_latency(start_backend):
    from wizard.rehearsal.scenario import load_raw

    raw = load_raw("default")
    raw["faults"] = [{"method": "GET", "path_regex": "/subscriptions$", "kind": "throttle", "times": 1}]
    backend, ctx = start_backend(raw)
    backend.latency_s = 0.05
    start = time.monotonic()
    assert len(list(ctx.subscriptions().subscriptions.list())) == 2
    assert time.monotonic() - start >= 0.1  # two requests, each delayed
    assert _statuses(backend, "/subscriptions") == [429, 200]


def test_journal_shape_and_no_token(backend_ctx):
    backend, ctx = backend_ctx
    ctx.resources().resource_groups.create_or_update("rg-j", {"location": "eastus2"})
    ctx.resources().resource_groups.check_existence("rg-j")
    text = backend.journal.path.read_text()
    assert "Bearer" not in text and "eyJ" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines and all(set(e) == {"ts", "method", "path", "query", "request", "status", "response"} for e in lines)
    put = next(e for e in lines if e["method"] == "PUT")
    assert put["request"] == {"location": "eastus2"} and put["status"] == 201
    assert "api-version" in put["query"]
    head = next(e for e in lines if e["method"] == "HEAD")
    assert head["status"] == 204 and head["response"] is None
