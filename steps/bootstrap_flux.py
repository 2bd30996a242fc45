"""The bootstrap step's ARM template: the Flux extension on the cluster and the configuration
that points it at the bootstrap repository, one small function per resource, as the general
reference deploys them (workload-team/cluster-stamp.bicep, mspnp/aks-baseline 0b468aa) at
the current stable api-versions (reference/facts-2026-12.md §8: extensions 2025-03-01,
fluxConfigurations 2025-04-01; the references use 2023-05-01 and older)."""

from __future__ import annotations

from typing import Any, Mapping

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
EXTENSION_NAME, CONFIGURATION_NAME, KUSTOMIZATION = "flux", "bootstrap", "unified"
FLUX_NAMESPACE = "flux-system"
EXTENSIONS_API, CONFIGURATIONS_API = "2025-03-01", "2025-04-01"
# Only what a Git-to-cluster bootstrap needs; the helm controller also pulls charts the
# firewall does not allow, and the image automation controllers would write to Git.
CONTROLLERS = {"source-controller.enabled": "true", "kustomize-controller.enabled": "true",
               "helm-controller.enabled": "false", "notification-controller.enabled": "false",
               "image-automation-controller.enabled": "false", "image-reflector-controller.enabled": "false"}


def _cluster(cluster_name: str) -> str:
    return f"resourceId('Microsoft.ContainerService/managedClusters', '{cluster_name}')"


def flux_extension(cluster_name: str) -> dict[str, Any]:
    """microsoft.flux on the Stable train, minor upgrades automatic, released into flux-system."""
    return {"type": "Microsoft.KubernetesConfiguration/extensions", "apiVersion": EXTENSIONS_API,
            "name": EXTENSION_NAME, "scope": f"[{_cluster(cluster_name)}]",
            "properties": {"extensionType": "microsoft.flux", "autoUpgradeMinorVersion": True,
                           "releaseTrain": "Stable", "scope": {"cluster": {"releaseNamespace": FLUX_NAMESPACE}},
                           "configurationSettings": dict(CONTROLLERS)}}


def flux_configuration(cluster_name: str, a: Mapping[str, Any], private: bool) -> dict[str, Any]:
    """Cluster-scope GitOps from one branch and path over HTTPS, pruning what the repository
    no longer declares. A private repository's user goes in ``httpsUser``; its token is a
    protected setting (a secure parameter, base64 as the provider wants it, never in the template)."""
    git: dict[str, Any] = {"url": str(a["repository_url"]), "timeoutInSeconds": 180, "syncIntervalInSeconds": 300,
                           "repositoryRef": {"branch": str(a["repository_branch"])}}
    body: dict[str, Any] = {
        "scope": "cluster", "namespace": FLUX_NAMESPACE, "sourceKind": "GitRepository", "suspend": False,
        "gitRepository": git,
        "kustomizations": {KUSTOMIZATION: {"path": str(a["repository_path"]), "dependsOn": [],
                                           "timeoutInSeconds": 300, "syncIntervalInSeconds": 300,
                                           "retryIntervalInSeconds": 300, "prune": True, "force": False}}}
    if private:
        git["httpsUser"] = str(a["repository_user"])
        body["configurationProtectedSettings"] = {"httpsKey": "[parameters('gitToken')]"}
    return {"type": "Microsoft.KubernetesConfiguration/fluxConfigurations", "apiVersion": CONFIGURATIONS_API,
            "name": CONFIGURATION_NAME, "scope": f"[{_cluster(cluster_name)}]", "properties": body,
            "dependsOn": [f"[extensionResourceId({_cluster(cluster_name)}, 'Microsoft.KubernetesConfiguration/"
                          f"extensions', '{EXTENSION_NAME}')]"]}


def template(cluster_name: str, a: Mapping[str, Any], private: bool) -> dict[str, Any]:
    parameters: dict[str, Any] = {"gitToken": {"type": "secureString"}} if private else {}
    config_id = (f"[extensionResourceId({_cluster(cluster_name)}, 'Microsoft.KubernetesConfiguration/"
                 f"fluxConfigurations', '{CONFIGURATION_NAME}')]")
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters,
            "resources": [flux_extension(cluster_name), flux_configuration(cluster_name, a, private)],
            "outputs": {"fluxConfigurationId": {"type": "string", "value": config_id}}}
