"""What a rehearsal cluster's pods depend on outside Kubernetes, read from the ARM model.

The kubelet pulls images from a registry (this cluster's ACR holds what step 9 imported;
MCR is reachable through the hub firewall; anything else, Docker Hub included, is not: the
firewall allows no such egress). The Key Vault provider mounts a secret through workload
identity: the SecretProviderClass's client id must be a managed identity whose federated
credential names the pod's service account and the cluster's OIDC issuer, the identity must
hold a role that reads secrets on the vault, and the secret must exist. Each failure reads
as the kubelet or the provider reports it, with Entra's AADSTS code where Entra refuses."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping

import yaml

from wizard.rehearsal import kube_admission, kube_objects
from wizard.rehearsal.cluster_rules import SECRET_READ, granted
from wizard.rehearsal.kube_workloads import Surroundings

REGISTRY = "microsoft.containerregistry/registries"
IDENTITY = "microsoft.managedidentity/userassignedidentities"
FEDERATED = "microsoft.managedidentity/userassignedidentities/federatedidentitycredentials"
VAULT, SECRET = "microsoft.keyvault/vaults", "microsoft.keyvault/vaults/secrets"
REACHABLE = ("mcr.microsoft.com",)  # the hub firewall's AKS egress rules allow MCR (assets/azure/aks-egress-rules.json)
REFERENCE = re.compile(r"^(?P<host>[^/]+)/(?P<repo>[^:@]+)(:(?P<tag>[^@]+))?(@(?P<digest>sha256:[0-9a-f]{64}))?$")


def _typed(resources: Iterable[Mapping[str, Any]], rtype: str) -> list[Mapping[str, Any]]:
    return [r for r in resources if str(r.get("type", "")).lower() == rtype]


def _props(r: Mapping[str, Any]) -> Mapping[str, Any]:
    return r.get("properties") or {}


def pull_problem(ref: str, resources: list[Mapping[str, Any]], images: Mapping[str, Mapping[str, str]]) -> str:
    """Why the kubelet cannot pull ``ref`` ("" when it can)."""
    parsed = REFERENCE.match(ref)
    if not parsed:
        return f'rpc error: code = InvalidArgument desc = failed to pull and unpack image "{ref}": invalid reference'
    host, repo, tag, digest = parsed["host"], parsed["repo"], parsed["tag"] or "", parsed["digest"] or ""
    if host in REACHABLE:
        return ""
    base = f'rpc error: code = Unknown desc = failed to pull and unpack image "{ref}": failed to resolve reference "{ref}"'
    if not host.endswith(".azurecr.io"):
        return f'{base}: failed to do request: Head "https://{host}/v2/{repo}/manifests/{tag or digest}": dial tcp: i/o ' \
               "timeout (the hub firewall allows no egress to this registry)"
    registry = next((r for r in _typed(resources, REGISTRY) if str(r.get("name", "")).lower() == host.split(".")[0]),
                    None)
    if registry is None:
        return f"{base}: failed to do request: dial tcp: lookup {host}: no such host"
    held = images.get(str(registry["id"]).lower(), {})
    tagged = held.get(f"{repo}:{tag}") if tag else None
    if digest and (digest in {d for t, d in held.items() if t.split(":")[0] == repo}) and (not tag or tagged == digest):
        return ""
    if not digest and tagged:
        return ""
    return f"{base}: {ref}: not found"


def mount_problem(spc: Mapping[str, Any], account: Mapping[str, Any], cluster: Mapping[str, Any],
                  resources: list[Mapping[str, Any]], tenant: str) -> str:
    """Why the Key Vault provider cannot mount the provider class's objects ("" when it can)."""
    params = (spc.get("spec") or {}).get("parameters") or {}
    client, vault_name = str(params.get("clientID", "")), str(params.get("keyvaultName", ""))
    ns, sa = spc["metadata"]["namespace"], account.get("metadata", {}).get("name", "default")
    prefix = "rpc error: code = Unknown desc = failed to mount secrets store objects for pod, err: "
    if str(params.get("tenantId", "")) != tenant:
        return f"{prefix}AADSTS90002: Tenant '{params.get('tenantId')}' not found."
    identity = next((i for i in _typed(resources, IDENTITY) if str(_props(i).get("clientId", "")) == client), None)
    if identity is None:
        return f"{prefix}AADSTS700016: Application with identifier '{client}' was not found in the directory."
    subject, issuer = f"system:serviceaccount:{ns}:{sa}", str((_props(cluster).get("oidcIssuerProfile") or {})
                                                              .get("issuerURL", ""))
    federated = [f for f in _typed(resources, FEDERATED) if str(f["id"]).lower().startswith(str(identity["id"]).lower()
                                                                                             + "/")]
    if not any(_props(f).get("subject") == subject and (not issuer or _props(f).get("issuer") == issuer)
               for f in federated):
        return (f"{prefix}AADSTS70021: No matching federated identity record found for presented assertion. "
                f"Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'.")
    vault = next((v for v in _typed(resources, VAULT) if str(v.get("name", "")).lower() == vault_name.lower()), None)
    if vault is None:
        return f"{prefix}dial tcp: lookup {vault_name}.vault.azure.net: no such host"
    if not granted(str(_props(identity).get("principalId", "")), str(vault["id"]), SECRET_READ, resources):
        return (f"{prefix}keyvault.BaseClient#GetSecret: Failure responding to request: StatusCode=403 Code="
                f"\"Forbidden\" InnerError={{\"code\":\"ForbiddenByRbac\"}}: identity {client} may not read secrets of "
                f"vault {vault_name} (Key Vault Secrets User is missing)")
    names = {str(s.get("name", "")).rsplit("/", 1)[-1].lower() for s in _typed(resources, SECRET)
             if str(s["id"]).lower().startswith(str(vault["id"]).lower() + "/")}
    wanted = [str(o.get("objectName", "")) for o in (yaml.safe_load(str(params.get("objects") or "")) or {})
              .get("array", []) for o in [yaml.safe_load(o) if isinstance(o, str) else o] if isinstance(o, Mapping)]
    missing = [w for w in wanted if w.lower() not in names]
    if missing:
        return (f"{prefix}failed to get objectType:secret, objectName:{missing[0]}, objectVersion:: keyvault.BaseClient"
                f"#GetSecret: StatusCode=404 Code=\"SecretNotFound\" Message=\"A secret with (name/id) {missing[0]} "
                "was not found in this key vault.\"")
    return ""


def surroundings(cluster: Mapping[str, Any], resources: list[Mapping[str, Any]],
                 images: Mapping[str, Mapping[str, str]], tenant: str) -> Callable[[], Surroundings]:
    """The surroundings of ``cluster``, built when a command first needs them."""
    def build() -> Surroundings:
        return Surroundings(kube_objects.nodes(cluster), kube_admission.constraints(cluster, resources),
                            lambda ref: pull_problem(ref, resources, images),
                            lambda spc, sa: mount_problem(spc, sa, cluster, resources, tenant))
    return build
