"""The rehearsal cluster applies, rolls out and probes the workload the way a real one does:
kubectl's words, Gatekeeper's refusals, and NetworkPolicy's semantics (kubernetes.io "Network
Policies": a pod selected by a policy of a direction admits only what a rule of it allows; both
the source's egress and the target's ingress must allow a connection)."""

from __future__ import annotations

from dataclasses import replace
import json

from steps import workload_manifests as m
from tests.unit.test_workload_manifests import DIGEST, INPUTS
from wizard.rehearsal import kube_admission, kube_objects, kube_store, kube_surroundings
from wizard.rehearsal.kube_workloads import Surroundings
from wizard.rehearsal.kubectl import Caller, ClusterView, run

RG = "/subscriptions/s/resourceGroups/rg-bu0001a0008"
CLUSTER = {"id": f"{RG}/providers/Microsoft.ContainerService/managedClusters/aks-1", "location": "eastus2",
           "properties": {"kubernetesVersion": "1.35", "agentPoolProfiles": [
               {"name": "npsystem", "count": 3, "mode": "System", "availabilityZones": ["1", "2", "3"],
                "nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"]},
               {"name": "npuser01", "count": 2, "mode": "User", "availabilityZones": ["1", "2", "3"]}],
               "addonProfiles": {"azurepolicy": {"enabled": True},
                                 "azureKeyvaultSecretsProvider": {"enabled": True}}}}
REGISTRY = {"id": f"{RG}/providers/Microsoft.ContainerRegistry/registries/acr1", "name": "acr1",
            "type": "Microsoft.ContainerRegistry/registries"}
IMAGES = {REGISTRY["id"].lower(): {"live/library/traefik:v3.7.13": DIGEST, "live/dotnet/samples:aspnetapp": DIGEST}}
ADMIN = Caller("me@contoso.example", "oid-me", admin=True)


def _assignment(guid: str, **parameters: object) -> dict:
    return {"id": f"{RG}/providers/Microsoft.Authorization/policyAssignments/{guid[:8]}", "name": guid[:8],
            "type": "Microsoft.Authorization/policyAssignments", "properties": {
                "policyDefinitionId": f"/providers/Microsoft.Authorization/policyDefinitions/{guid}",
                "parameters": {"effect": {"value": "deny"}, "excludedNamespaces": {"value": ["kube-system"]},
                               **{k: {"value": v} for k, v in parameters.items()}}}}


POLICIES = [_assignment("febd0533-8e55-448f-b837-bd0e06f16469",
                        allowedContainerImagesRegex=r"^(acr1\.azurecr\.io|mcr\.microsoft\.com)/.+$"),
            _assignment("1a5b4dca-0b6f-4cf5-907c-56316bc1bf3d"), _assignment("3fc4dc25-5baf-40d8-9b05-7fe74c1bc64e")]


def _view(files: dict[str, str], data: dict, mount: str = "") -> ClusterView:
    resources = [CLUSTER, REGISTRY, *POLICIES]
    objects = kube_store.Objects(data)

    def namespaces() -> list[str]:
        return sorted(set(kube_objects.SYSTEM_NAMESPACES) | {o["metadata"]["name"] for o in objects.of(
            kube_store.kind_of("v1", "Namespace"))})  # type: ignore[arg-type]

    def around() -> Surroundings:
        return Surroundings(kube_objects.nodes(CLUSTER), kube_admission.constraints(CLUSTER, resources),
                            lambda ref: kube_surroundings.pull_problem(ref, resources, IMAGES), lambda spc, sa: mount)
    return ClusterView(lambda: kube_objects.nodes(CLUSTER), namespaces, lambda: [], objects=objects,
                       surroundings=around, addons=CLUSTER["properties"]["addonProfiles"],
                       constraints=lambda: kube_admission.constraints(CLUSTER, resources), files=files)


PROBE = ('kubectl run np-probe -n a0008 --image=' + INPUTS.images["traefik"] + ' --restart=Never --rm -i '
         "--overrides='{\"apiVersion\": \"v1\", \"spec\": {\"nodeSelector\": {\"agentpool\": \"npuser01\"}}}' --command -- "
         "wget -q -T 5 -O- http://aspnetapp-service/")


def test_the_workload_applies_rolls_out_and_reapplies_unchanged() -> None:
    data: dict = {}
    code, out = run("kubectl apply -f .", ADMIN, _view(m.files(INPUTS), data))
    assert code == 0, out
    assert "namespace/a0008 created" in out and "deployment.apps/traefik-ingress-controller created" in out
    assert "secretproviderclass.secrets-store.csi.x-k8s.io/aks-ingress-tls-secret-csi-akv created" in out
    assert "networkpolicy.networking.k8s.io/default-deny-all created" in out
    for name in m.deployments():
        assert run(f"kubectl rollout status deployment/{name} -n a0008 --timeout=5m", ADMIN,
                   _view({}, data)) == (0, f'deployment "{name}" successfully rolled out\n')
    again = run("kubectl apply -f .", ADMIN, _view(m.files(INPUTS), data))[1]
    assert again.count("unchanged") == again.count("\n")


def test_the_bypass_probe_is_dropped_by_default_deny_and_answered_without_it() -> None:
    data: dict = {}
    run("kubectl apply -f .", ADMIN, _view(m.files(INPUTS), data))
    code, out = run(PROBE, ADMIN, _view({}, data))
    assert code == 1 and out.startswith("wget: download timed out\n") and 'pod "np-probe" deleted' in out
    open_data: dict = {}
    without = {k: v for k, v in m.files(INPUTS).items() if k != "40-network-policies.yaml"}
    run("kubectl apply -f .", ADMIN, _view(without, open_data))
    code, out = run(PROBE, ADMIN, _view({}, open_data))
    assert code == 0 and "Welcome to .NET" in out


def test_an_image_from_docker_hub_is_refused_by_gatekeeper_naming_the_constraint() -> None:
    inputs = replace(INPUTS, images={**INPUTS.images, "aspnetapp": "docker.io/library/nginx:1.29"})
    data: dict = {}
    assert run("kubectl apply -f .", ADMIN, _view(m.files(inputs), data))[0] == 0  # the Deployment is admitted
    code, out = run("kubectl rollout status deployment/aspnetapp-deployment -n a0008", ADMIN, _view({}, data))
    assert code == 1 and "0 of 2 updated replicas are available" in out
    events = json.loads(run("kubectl get events -n a0008 --field-selector type=Warning -o json", ADMIN,
                            _view({}, data))[1])["items"]
    said = " ".join(e["message"] for e in events)
    assert 'admission webhook "validation.gatekeeper.sh" denied the request' in said
    assert "[azurepolicy-k8sazurev2containerallowedimages-" in said
    assert "Container image docker.io/library/nginx:1.29 for container aspnet-webapp-sample has not been allowed." in said


def test_an_ingress_without_tls_is_refused_at_admission_and_the_rest_applies() -> None:
    files = dict(m.files(INPUTS))
    files["30-app.yaml"] = files["30-app.yaml"].replace("kubernetes.io/ingress.allow-http: 'false'",
                                                        "kubernetes.io/ingress.allow-http: 'true'")
    assert files["30-app.yaml"] != m.files(INPUTS)["30-app.yaml"]
    code, out = run("kubectl apply -f .", ADMIN, _view(files, {}))
    assert code == 1
    assert ('Error from server (Forbidden): error when creating "30-app.yaml": admission webhook '
            '"validation.gatekeeper.sh" denied the request: [azurepolicy-k8sazurev1ingresshttpsonly-') in out
    assert "Ingress should be https. tls configuration and allow-http=false annotation are required for " \
           "aspnetapp-ingress" in out
    assert "service/aspnetapp-service created" in out


def test_what_stops_a_pod_is_said_as_the_kubelet_says_it() -> None:
    missing = replace(INPUTS, images={**INPUTS.images, "traefik": "acr1.azurecr.io/live/library/traefik:v9"})
    data: dict = {}
    run("kubectl apply -f .", ADMIN, _view(m.files(missing), data))
    assert run("kubectl rollout status deployment/traefik-ingress-controller -n a0008", ADMIN, _view({}, data))[1] \
        .endswith('error: deployment "traefik-ingress-controller" exceeded its progress deadline\n')
    events = run("kubectl get events -n a0008 --field-selector type=Warning -o json", ADMIN, _view({}, data))[1]
    assert 'Failed to pull image \\"acr1.azurecr.io/live/library/traefik:v9\\"' in events and "not found" in events
    data = {}
    run("kubectl apply -f .", ADMIN, _view(m.files(INPUTS), data, mount="AADSTS70021: No matching federated"))
    events = run("kubectl get events -n a0008 -o json", ADMIN, _view({}, data, mount="AADSTS70021: none"))[1]
    assert "FailedMount" in events and "AADSTS70021" in events


def test_without_the_key_vault_add_on_the_provider_class_has_no_kind() -> None:
    view = _view(m.files(INPUTS), {})
    off = ClusterView(view.nodes, view.namespaces, view.constraint_templates, objects=view.objects,
                      surroundings=view.surroundings, addons={"azurepolicy": {"enabled": True}},
                      constraints=view.constraints, files=view.files)
    code, out = run("kubectl apply -f .", ADMIN, off)
    assert code == 1 and 'no matches for kind "SecretProviderClass" in version "secrets-store.csi.x-k8s.io/v1"' in out
    assert "ensure CRDs are installed first" in out


def test_an_outsider_may_not_apply() -> None:
    outsider = Caller("guest@contoso.example", "oid-guest", admin=False)
    code, out = run("kubectl apply -f .", outsider, _view(m.files(INPUTS), {}))
    assert code == 1 and 'User "guest@contoso.example" cannot get resource "namespaces"' in out
