"""The workload step's manifests are valid Kubernetes for the cluster's version, and they are
what step 8's policies and the baseline ask of every container."""

from __future__ import annotations

import kubernetes_validate
import pytest
import yaml

from steps import workload_manifests as m

DIGEST = "sha256:" + "a" * 64
INPUTS = m.WorkloadInputs(
    images={"traefik": f"acr1.azurecr.io/live/library/traefik:v3.7.13@{DIGEST}",
            "aspnetapp": f"acr1.azurecr.io/live/dotnet/samples:aspnetapp@{DIGEST}"},
    ingress_ip="10.240.4.4", ingress_subnet="snet-clusteringressservices", app_gateway_prefix="10.240.5.0/24",
    cluster_prefixes=("10.240.0.0/22",), backend_host="bu0001a0008-00.aks-ingress.contoso.com", vault_name="kv-1",
    tenant_id="00000000-0000-0000-0000-000000000001", ingress_client_id="00000000-0000-0000-0000-000000000002",
    ingress_tls_object="ingress-tls", ingress_service_account="traefik-ingress-controller")
DOCS = [(name, doc) for name, text in m.files(INPUTS).items() for doc in yaml.safe_load_all(text)]
# The minors a new cluster may run this month (reference/facts-2026-12.md: 1.34 reached end of life in
# November 2026, 1.35 is the oldest supported, 1.37 the newest GA); kubernetes-validate 1.37.0 has both.
VERSIONS = ("1.35", "1.37")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name,doc", [d for d in DOCS if d[1]["kind"] != "SecretProviderClass"],
                         ids=lambda v: v if isinstance(v, str) else v["kind"] + "/" + v["metadata"]["name"])
def test_every_core_object_validates_strictly_against_the_kubernetes_schema(name: str, doc: dict, version: str) -> None:
    # strict: an unknown field (a typo such as "readOnlyRootFileSystem") fails, not only a missing one
    kubernetes_validate.validate(doc, version, strict=True)


def test_the_secret_provider_class_has_what_the_azure_provider_reads() -> None:
    # a custom resource: kubernetes-validate has no schema for it, so its fields are checked by hand
    # against the provider's documented parameters (clientID for workload identity, keyvaultName,
    # tenantId, objects as a YAML array of objectName/objectType/objectAlias)
    spc = next(doc for _, doc in DOCS if doc["kind"] == "SecretProviderClass")
    assert spc["apiVersion"] == "secrets-store.csi.x-k8s.io/v1" and spc["spec"]["provider"] == "azure"
    params = spc["spec"]["parameters"]
    assert params["clientID"] == INPUTS.ingress_client_id and params["keyvaultName"] == "kv-1"
    assert params["usePodIdentity"] == "false" and params["tenantId"] == INPUTS.tenant_id
    listed = [yaml.safe_load(o) for o in yaml.safe_load(params["objects"])["array"]]
    assert listed == [{"objectName": "ingress-tls", "objectType": "secret", "objectAlias": "tls.pem"}]


def _containers() -> list[dict]:
    pods = [doc["spec"]["template"]["spec"] for _, doc in DOCS if doc["kind"] == "Deployment"]
    return [c for p in pods for c in p["containers"]]


def test_every_container_is_hardened_limited_and_pinned_by_digest() -> None:
    for c in _containers():
        sc = c["securityContext"]
        assert sc["runAsNonRoot"] and sc["readOnlyRootFilesystem"] and not sc["allowPrivilegeEscalation"]
        assert sc["capabilities"] == {"drop": ["ALL"]}
        assert set(c["resources"]) == {"requests", "limits"}
        assert c["image"].startswith("acr1.azurecr.io/live/") and c["image"].endswith("@" + DIGEST)


def test_the_only_load_balancer_is_internal_and_the_only_ingress_is_tls() -> None:
    services = [doc for _, doc in DOCS if doc["kind"] == "Service" and doc["spec"].get("type") == "LoadBalancer"]
    assert len(services) == 1
    notes = services[0]["metadata"]["annotations"]
    assert notes["service.beta.kubernetes.io/azure-load-balancer-internal"] == "true"
    assert notes["service.beta.kubernetes.io/azure-load-balancer-ipv4"] == "10.240.4.4"
    assert "loadBalancerIP" not in services[0]["spec"]  # deprecated since Kubernetes 1.24
    ingress = next(doc for _, doc in DOCS if doc["kind"] == "Ingress")
    assert ingress["spec"]["tls"] and ingress["metadata"]["annotations"]["kubernetes.io/ingress.allow-http"] == "false"


def test_files_apply_in_an_order_that_creates_the_namespace_first() -> None:
    names = sorted(m.files(INPUTS))
    assert names[0] == "00-namespace.yaml" and yaml.safe_load(m.files(INPUTS)[names[0]])["kind"] == "Namespace"
    assert names.index("10-ingress-tls.yaml") < names.index("20-ingress-controller.yaml")
