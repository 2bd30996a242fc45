"""The rehearsal's kubectl answers what the wizard asks, as kubectl words it, and refuses the
rest with a non-zero exit code (never a quiet pass)."""

from __future__ import annotations

import json

from wizard.rehearsal import kube_objects
from wizard.rehearsal.kubectl import Caller, ClusterView, caller_from, run

CLUSTER = {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks",
           "location": "eastus2", "properties": {"kubernetesVersion": "1.37", "agentPoolProfiles": [
               {"name": "npsystem", "count": 3, "mode": "System", "availabilityZones": ["1", "2", "3"]},
               {"name": "npuser01", "count": 2, "mode": "User", "availabilityZones": ["1", "2", "3"]}],
               "addonProfiles": {"azurepolicy": {"enabled": True}}}}
ADMIN = Caller("me@contoso.example", "oid-me", admin=True)
OUTSIDER = Caller("guest@contoso.example", "oid-guest", admin=False)


def _view(resources: list[dict] | None = None) -> ClusterView:
    listed = resources or []
    return ClusterView(lambda: kube_objects.nodes(CLUSTER), lambda: kube_objects.namespaces(CLUSTER, listed),
                       lambda: kube_objects.constraint_templates(CLUSTER, listed))


def test_nodes_come_from_the_pools_spread_over_their_zones() -> None:
    code, out = run("kubectl get nodes -o json", ADMIN, _view())
    items = json.loads(out)["items"]
    assert code == 0 and len(items) == 5
    zones = sorted(i["metadata"]["labels"]["topology.kubernetes.io/zone"] for i in items
                   if i["metadata"]["labels"]["agentpool"] == "npsystem")
    assert zones == ["eastus2-1", "eastus2-2", "eastus2-3"]


def test_an_outsider_is_forbidden_in_the_api_servers_words() -> None:
    code, out = run("kubectl get nodes", OUTSIDER, _view())
    assert code == 1
    assert out == ('Error from server (Forbidden): nodes is forbidden: User "guest@contoso.example" cannot list '
                   'resource "nodes" in API group "" at the cluster scope\n')
    assert run("kubectl auth can-i '*' '*' --all-namespaces", OUTSIDER, _view()) == (1, "no\n")


def test_flux_namespaces_appear_only_once_the_configuration_complies() -> None:
    config = {"id": CLUSTER["id"] + "/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/bootstrap",
              "type": "Microsoft.KubernetesConfiguration/fluxConfigurations", "properties": {
                  "complianceState": "Pending", "gitRepository": {"url": "https://github.com/mspnp/aks-baseline",
                                                                  "repositoryRef": {"branch": "main"}},
                  "kustomizations": {"unified": {"path": "./cluster-manifests"}}}}
    assert "a0008" not in kube_objects.namespaces(CLUSTER, [config])
    config["properties"]["complianceState"] = "Compliant"
    assert {"a0008", "cluster-baseline-settings", "gatekeeper-system"} <= set(kube_objects.namespaces(CLUSTER, [config]))


def test_what_is_not_modelled_fails_loudly() -> None:
    assert run("kubectl get secrets", ADMIN, _view())[0] == 1  # not modelled: "the server doesn't have a resource type"
    assert run("kubectl frobnicate", ADMIN, _view()) == (1, 'error: unknown command "frobnicate" for "kubectl"\n')
    assert run("ls", ADMIN, _view())[0] == 127
    assert run("kubectl get nodes -o yaml", ADMIN, _view())[0] == 1


def test_admin_means_a_member_of_an_admin_group() -> None:
    members = {"group-1": ["oid-me"]}
    claims = {"oid": "OID-ME", "upn": "me@contoso.example"}
    assert caller_from(claims, ["group-1"], lambda g: members.get(g, [])).admin
    assert not caller_from(claims, ["group-2"], lambda g: members.get(g, [])).admin
