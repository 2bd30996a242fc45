"""The workload step's Kubernetes manifests (step 10), one small function per object, built
from ``assets/kubernetes/workload.json`` and the session's outputs.

They are attached to run command as files, so the exact bytes applied are the bytes hashed in
the audit log. Every container passes what step 8's Azure Policy assignments deny or report:
images only from the registry's ``live/`` repository, pinned by the digest step 9 imported;
non-root, read-only root filesystem, no privilege escalation, all capabilities dropped,
RuntimeDefault seccomp; requests and limits; the only LoadBalancer internal; the only Ingress
over TLS. Names follow the general reference (mspnp/aks-baseline 0b468aa workload/)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

DATA = Path(__file__).resolve().parents[1] / "assets" / "kubernetes" / "workload.json"
CSI_DRIVER = "secrets-store.csi.k8s.io"
CERTS = "/certs"
TLS_FILE = "tls.pem"  # the ingress secret is one PEM (key and certificate); Go's key-pair loader reads both from it


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class WorkloadInputs:
    """What the manifests take from earlier steps; each value is an output of one of them."""

    images: Mapping[str, str]  # image key -> registry reference pinned by digest
    ingress_ip: str
    ingress_subnet: str  # the subnet's name, for the internal load balancer
    app_gateway_prefix: str  # the only source the ingress controller admits
    cluster_prefixes: tuple[str, ...]  # where the API server answers (nodes, API server subnets)
    backend_host: str
    vault_name: str
    tenant_id: str
    ingress_client_id: str
    ingress_tls_object: str
    ingress_service_account: str


def _meta(name: str, labels: Mapping[str, str] | None = None, namespaced: bool = True,
          annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespaced:
        meta["namespace"] = data()["namespace"]
    if labels:
        meta["labels"] = dict(labels)
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def hardened(user: int) -> dict[str, Any]:
    """The container security context the restricted pod security standard asks for."""
    return {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
            "runAsUser": user, "runAsGroup": user, "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"}}


def _spread_over_nodes(labels: Mapping[str, str]) -> dict[str, Any]:
    """Never two replicas on one node; across zones where the pool has them."""
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
        "labelSelector": {"matchLabels": dict(labels)}, "topologyKey": "kubernetes.io/hostname"}]}}


def _zones(labels: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
             "labelSelector": {"matchLabels": dict(labels)}}]


def namespace() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(data()["namespace"], namespaced=False)}


def secret_provider_class(i: WorkloadInputs) -> dict[str, Any]:
    """The ingress certificate, read from Key Vault by the ingress identity through workload
    identity (no pod identity, no node identity)."""
    ing = data()["ingress"]
    entry = f"objectName: {i.ingress_tls_object}\nobjectType: secret\nobjectAlias: {TLS_FILE}\n"
    objects = "array:\n  - |\n" + "".join(f"    {line}\n" for line in entry.splitlines())
    return {"apiVersion": "secrets-store.csi.x-k8s.io/v1", "kind": "SecretProviderClass",
            "metadata": _meta(ing["secret_provider_class"]),
            "spec": {"provider": "azure", "parameters": {
                "clientID": i.ingress_client_id, "usePodIdentity": "false", "useVMManagedIdentity": "false",
                # tenantId as the provider documents it (its samples; the reference writes tenantID)
                "keyvaultName": i.vault_name, "tenantId": i.tenant_id, "objects": objects}}}


def ingress_service_account(i: WorkloadInputs) -> dict[str, Any]:
    ing = data()["ingress"]
    return {"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": _meta(i.ingress_service_account, ing["labels"],
                              annotations={"azure.workload.identity/client-id": i.ingress_client_id})}


def ingress_cluster_role() -> dict[str, Any]:
    """What Traefik's Kubernetes Ingress provider reads; nothing it could change but status."""
    ing = data()["ingress"]
    read = ["get", "list", "watch"]
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": _meta(ing["name"], ing["labels"], namespaced=False),
            "rules": [{"apiGroups": [""], "resources": ["services", "secrets", "nodes"], "verbs": read},
                      {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": read},
                      {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses", "ingressclasses"],
                       "verbs": read},
                      {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses/status"], "verbs": ["update"]}]}


def ingress_cluster_role_binding(i: WorkloadInputs) -> dict[str, Any]:
    ing = data()["ingress"]
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": _meta(ing["name"], ing["labels"], namespaced=False),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": ing["name"]},
            "subjects": [{"kind": "ServiceAccount", "name": i.ingress_service_account,
                          "namespace": data()["namespace"]}]}


def ingress_config(i: WorkloadInputs) -> dict[str, Any]:
    """Traefik's static and file configuration: Ingresses of its class in this namespace only,
    TLS 1.2 and up with SNI strict, forwarded headers trusted from App Gateway's subnet only."""
    ing, ports = data()["ingress"], data()["ingress"]["ports"]
    cert = f"{CERTS}/{TLS_FILE}"
    toml = "\n".join([
        "[global]", "  checkNewVersion = false", "  sendAnonymousUsage = false",
        "[log]", '  level = "ERROR"', '  format = "json"',
        "[api]", "  dashboard = false",
        "[ping]", '  entryPoint = "traefik"',
        "[providers]", "  [providers.file]", '    filename = "/config/traefik.toml"',
        "  [providers.kubernetesIngress]", f'    ingressClass = "{ing["ingress_class"]}"',
        f'    namespaces = ["{data()["namespace"]}"]',
        "    [providers.kubernetesIngress.ingressEndpoint]",
        f'      publishedService = "{data()["namespace"]}/{ing["service"]}"',
        "[http.middlewares]", "  [http.middlewares.app-gateway-snet.ipAllowList]",
        f'    sourceRange = ["{i.app_gateway_prefix}"]',
        "[entryPoints]", "  [entryPoints.traefik]", f'    address = ":{ports["traefik"]}"',
        "  [entryPoints.metrics]", f'    address = ":{ports["metrics"]}"',
        "  [entryPoints.websecure]", f'    address = ":{ports["websecure"]}"',
        "    [entryPoints.websecure.forwardedHeaders]", f'      trustedIPs = ["{i.app_gateway_prefix}"]',
        "[tls]", "  [[tls.certificates]]", f'    certFile = "{cert}"', f'    keyFile = "{cert}"',
        "  [tls.stores.default.defaultCertificate]", f'    certFile = "{cert}"', f'    keyFile = "{cert}"',
        "  [tls.options.default]", '    minVersion = "VersionTLS12"', "    sniStrict = true", ""])
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(ing["config_map"], ing["labels"]),
            "data": {"traefik.toml": toml}}


def ingress_service(i: WorkloadInputs) -> dict[str, Any]:
    """An internal load balancer at the ingress IP in the ingress subnet, admitting App Gateway's
    subnet only."""
    ing = data()["ingress"]
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(ing["service"], ing["labels"], annotations={
                "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
                "service.beta.kubernetes.io/azure-load-balancer-internal-subnet": i.ingress_subnet,
                "service.beta.kubernetes.io/azure-load-balancer-ipv4": i.ingress_ip}),
            "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Local", "selector": dict(ing["labels"]),
                     "loadBalancerSourceRanges": [i.app_gateway_prefix],
                     "ports": [{"name": "https", "port": 443, "targetPort": "websecure", "protocol": "TCP"}]}}


def _probe(port: str) -> dict[str, Any]:
    return {"httpGet": {"path": "/ping", "port": port}, "initialDelaySeconds": 5, "periodSeconds": 10,
            "timeoutSeconds": 2}


def ingress_deployment(i: WorkloadInputs) -> dict[str, Any]:
    ing = data()["ingress"]
    labels = {**ing["labels"], "azure.workload.identity/use": "true"}
    container = {
        "name": ing["name"], "image": i.images[ing["image_key"]], "imagePullPolicy": "IfNotPresent",
        "args": ["--configfile=/config/traefik.toml"], "resources": ing["resources"],
        "ports": [{"name": n, "containerPort": p, "protocol": "TCP"} for n, p in ing["ports"].items()],
        "readinessProbe": _probe("traefik"), "livenessProbe": _probe("traefik"),
        "securityContext": hardened(int(ing["user"])),
        "volumeMounts": [{"name": "config", "mountPath": "/config", "readOnly": True},
                         {"name": "ingress-tls", "mountPath": CERTS, "readOnly": True},
                         {"name": "data", "mountPath": "/data"}, {"name": "tmp", "mountPath": "/tmp"}]}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(ing["name"], ing["labels"]), "spec": {
        "replicas": ing["replicas"], "selector": {"matchLabels": dict(ing["labels"])},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}},
        "template": {"metadata": {"labels": labels}, "spec": {
            "serviceAccountName": i.ingress_service_account, "terminationGracePeriodSeconds": 60,
            "securityContext": {"fsGroup": int(ing["user"]), "seccompProfile": {"type": "RuntimeDefault"}},
            "affinity": _spread_over_nodes(ing["labels"]), "topologySpreadConstraints": _zones(ing["labels"]),
            "nodeSelector": {"agentpool": data()["user_pool"]}, "containers": [container],
            "volumes": [{"name": "config", "configMap": {"name": ing["config_map"]}},
                        {"name": "ingress-tls", "csi": {"driver": CSI_DRIVER, "readOnly": True, "volumeAttributes": {
                            "secretProviderClass": ing["secret_provider_class"]}}},
                        {"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}]}}}}


def ingress_class() -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
            "metadata": _meta(data()["ingress"]["ingress_class"], namespaced=False),
            "spec": {"controller": "traefik.io/ingress-controller"}}


def app_deployment(i: WorkloadInputs) -> dict[str, Any]:
    app = data()["app"]
    container = {
        "name": app["container"], "image": i.images[app["image_key"]], "imagePullPolicy": "IfNotPresent",
        "env": [{"name": "ASPNETCORE_URLS", "value": f"http://+:{app['port']}"}],
        "ports": [{"name": "http", "containerPort": app["port"], "protocol": "TCP"}],
        "resources": app["resources"], "securityContext": hardened(int(app["user"])),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(app["name"], app["labels"]), "spec": {
        "replicas": app["replicas"], "selector": {"matchLabels": dict(app["labels"])},
        "template": {"metadata": {"labels": dict(app["labels"])}, "spec": {
            "automountServiceAccountToken": False,
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "affinity": _spread_over_nodes(app["labels"]), "topologySpreadConstraints": _zones(app["labels"]),
            "nodeSelector": {"agentpool": data()["user_pool"]}, "containers": [container],
            "volumes": [{"name": "tmp", "emptyDir": {}}]}}}}


def app_disruption_budget() -> dict[str, Any]:
    """One replica may go during a node upgrade; the other keeps serving."""
    app = data()["app"]
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(app["pdb"], app["labels"]),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(app["labels"])}}}


def app_service() -> dict[str, Any]:
    app = data()["app"]
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(app["service"], app["labels"]),
            "spec": {"selector": dict(app["labels"]),
                     "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}}


def app_ingress(i: WorkloadInputs) -> dict[str, Any]:
    """TLS only (step 8 denies an Ingress without it), on the backend host App Gateway sends."""
    app, ing = data()["app"], data()["ingress"]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta(app["ingress"], app["labels"],
            annotations={"kubernetes.io/ingress.allow-http": "false",
                         "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
                         "traefik.ingress.kubernetes.io/router.tls": "true",
                         "traefik.ingress.kubernetes.io/router.middlewares": "app-gateway-snet@file"}),
            "spec": {"ingressClassName": ing["ingress_class"], "tls": [{"hosts": [i.backend_host]}],
                     "rules": [{"host": i.backend_host, "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                "backend": {"service": {"name": app["service"], "port": {"number": 80}}}}]}}]}}


def _policy(name: str, selector: Mapping[str, str], spec: Mapping[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _meta(name),
            "spec": {"podSelector": {"matchLabels": dict(selector)} if selector else {}, **spec}}


def default_deny_all() -> dict[str, Any]:
    return _policy("default-deny-all", {}, {"policyTypes": ["Ingress", "Egress"]})


def allow_dns() -> dict[str, Any]:
    dns = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
           "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
    return _policy("allow-dns", {}, {"policyTypes": ["Egress"], "egress": [{
        "to": [dns], "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]})


def allow_app_gateway_to_ingress(i: WorkloadInputs) -> dict[str, Any]:
    ing = data()["ingress"]
    return _policy("allow-app-gateway-to-ingress", ing["labels"], {"policyTypes": ["Ingress"], "ingress": [{
        "from": [{"ipBlock": {"cidr": i.app_gateway_prefix}}],
        "ports": [{"protocol": "TCP", "port": ing["ports"]["websecure"]}]}]})


def allow_ingress_to_api_server(i: WorkloadInputs) -> dict[str, Any]:
    ing = data()["ingress"]
    return _policy("allow-ingress-to-api-server", ing["labels"], {"policyTypes": ["Egress"], "egress": [{
        "to": [{"ipBlock": {"cidr": p}} for p in i.cluster_prefixes], "ports": [{"protocol": "TCP", "port": 443}]}]})


def allow_ingress_to_app() -> dict[str, Any]:
    ing, app = data()["ingress"], data()["app"]
    return _policy("allow-ingress-to-app", app["labels"], {"policyTypes": ["Ingress"], "ingress": [{
        "from": [{"podSelector": {"matchLabels": dict(ing["labels"])}}],
        "ports": [{"protocol": "TCP", "port": app["port"]}]}]})


def allow_ingress_egress_to_app() -> dict[str, Any]:
    ing, app = data()["ingress"], data()["app"]
    return _policy("allow-ingress-egress-to-app", ing["labels"], {"policyTypes": ["Egress"], "egress": [{
        "to": [{"podSelector": {"matchLabels": dict(app["labels"])}}],
        "ports": [{"protocol": "TCP", "port": app["port"]}]}]})


def objects(i: WorkloadInputs) -> dict[str, list[dict[str, Any]]]:
    """File name -> its objects. ``kubectl apply -f .`` reads the files in name order, so the
    namespace and the certificate's provider come before what uses them."""
    return {
        "00-namespace.yaml": [namespace()],
        "10-ingress-tls.yaml": [secret_provider_class(i)],
        "20-ingress-controller.yaml": [ingress_service_account(i), ingress_cluster_role(),
                                       ingress_cluster_role_binding(i), ingress_config(i), ingress_class(),
                                       ingress_service(i), ingress_deployment(i)],
        "30-app.yaml": [app_deployment(i), app_disruption_budget(), app_service(), app_ingress(i)],
        "40-network-policies.yaml": [default_deny_all(), allow_dns(), allow_app_gateway_to_ingress(i),
                                     allow_ingress_to_api_server(i), allow_ingress_egress_to_app(),
                                     allow_ingress_to_app()],
    }


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (Traefik's configuration, the provider's object list) as literal
    blocks, so the attached files read like hand-written manifests."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def files(i: WorkloadInputs) -> dict[str, str]:
    """The attached files' text: YAML documents, keys in the order written."""
    return {name: yaml.dump_all(docs, Dumper=_Dumper, sort_keys=False, default_flow_style=False)
            for name, docs in objects(i).items()}


def deployments() -> tuple[str, ...]:
    """The Deployments whose rollout the step waits for, ingress first."""
    return data()["ingress"]["name"], data()["app"]["name"]
