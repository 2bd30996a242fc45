"""Resource groups, providers, roles, quota and SKUs through the real SDK clients."""

from __future__ import annotations

import time

from wizard.azure.graph import GraphClient


def test_resource_group_create_get_exists(backend_ctx):
    _, ctx = backend_ctx
    rgs = ctx.resources().resource_groups
    created = rgs.create_or_update("rg-hub", {"location": "eastus2", "tags": {"owner": "avery"}})
    assert created.location == "eastus2" and created.properties.provisioning_state == "Succeeded"
    assert rgs.get("RG-HUB").name == "rg-hub"  # ARM names are case-insensitive
    assert rgs.check_existence("rg-hub") is True
    assert rgs.check_existence("rg-missing") is False
    assert [g.name for g in rgs.list()] == ["NetworkWatcherRG", "rg-hub"]  # the scenario has one already


def test_subscriptions_and_locations(backend_ctx):
    backend, ctx = backend_ctx
    subs = {s.subscription_id: s for s in ctx.subscriptions().subscriptions.list()}
    assert subs[backend.scenario.default_subscription_id].display_name == "Rehearsal Subscription"
    assert sorted(getattr(s.state, "value", s.state) for s in subs.values()) == ["Disabled", "Enabled"]
    names = [loc.name for loc in ctx.subscriptions().subscriptions.list_locations(ctx.subscription_id)]
    assert "eastus2" in names and "westcentralus" in names


def test_provider_register_becomes_registered(start_backend):
    _, ctx = start_backend("unregistered-provider")
    providers = ctx.resources().providers
    assert providers.get("Microsoft.OperationsManagement").registration_state == "NotRegistered"
    network = providers.get("Microsoft.Network")
    firewalls = next(t for t in network.resource_types if t.resource_type == "azureFirewalls")
    assert firewalls.zone_mappings and list(firewalls.zone_mappings[0].zones) == ["1", "2", "3"]
    assert providers.register("Microsoft.OperationsManagement").registration_state == "Registering"
    time.sleep(0.02)  # one Azure minute at pace 6000
    assert providers.get("Microsoft.OperationsManagement").registration_state == "Registered"


def test_role_assignments_filter_and_definitions(start_backend):
    backend, ctx = start_backend("missing-role")
    auth = ctx.authorization()
    scope = f"/subscriptions/{ctx.subscription_id}"
    mine = list(auth.role_assignments.list_for_scope(scope, filter=f"assignedTo('{backend.scenario.user_oid}')"))
    assert len(mine) == 1
    assert auth.role_definitions.get_by_id(mine[0].role_definition_id).role_name == "Contributor"
    other = list(auth.role_assignments.list_for_scope(scope, filter="assignedTo('00000000-0000-0000-0000-000000000000')"))
    assert other == []
    owner = auth.role_definitions.get(scope, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
    assert owner.role_name == "Owner"


def test_usages_and_skus(start_backend):
    _, ctx = start_backend("low-quota")
    usages = {u.name.value: u for u in ctx.compute().usage.list("eastus2")}
    assert usages["cores"].limit == 10 and usages["cores"].current_value == 4
    assert usages["standardDDv5Family"].limit == 10
    net = {u.name.value: u for u in ctx.network().usages.list("eastus2")}
    assert net["PublicIPAddresses"].limit == 100
    skus = list(ctx.compute().resource_skus.list(filter="location eq 'westcentralus'"))
    d2 = next(s for s in skus if s.name == "Standard_D2d_v5")
    caps = {c.name: c.value for c in d2.capabilities}
    assert caps["vCPUs"] == "2" and caps["MemoryGB"] == "8" and d2.family == "standardDDv5Family"
    assert list(d2.location_info[0].zones) == [] and list(d2.restrictions) == []


def test_graph_endpoints(backend_ctx):
    backend, ctx = backend_ctx
    graph = GraphClient(backend.credential(), ctx.endpoints)
    try:
        me = graph.me()
        assert me["id"] == backend.scenario.user_oid and me["displayName"] == "Avery Learner"
        assert graph.organization()[0]["displayName"] == "Contoso Rehearsal"
        assert graph.authorization_policy()["defaultUserRolePermissions"]["allowedToCreateSecurityGroups"] is True
        assert [r["displayName"] for r in graph.my_directory_roles()] == ["User Administrator"]
    finally:
        graph.close()


def test_missing_bearer_is_401(backend_ctx):
    import requests

    backend, _ = backend_ctx
    response = requests.get(f"{backend.base_url}/subscriptions", verify=str(backend.ca_path), timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"
