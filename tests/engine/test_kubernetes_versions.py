"""The region's Kubernetes versions over real HTTPS: the azure-mgmt-containerservice client's
list_kubernetes_versions against the rehearsal, in the default scenario and in one where a
minor has left the region."""

from __future__ import annotations

from pathlib import Path

from checks.kubernetes_version import check_kubernetes_version
from tests.engine.flow import open_workspace
from wizard.engine.contract import CheckStatus, StepContext


def _ctx(ws) -> StepContext:  # noqa: ANN001
    return StepContext("cluster", {}, {}, "rehearsal", ws.session.dir, ws.azure)


def test_the_newest_ga_minor_comes_from_the_region(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        found = check_kubernetes_version(_ctx(ws), "eastus2", "newest")
        assert found.status is CheckStatus.PASS and found.evidence["minor"] == "1.37"
        assert found.evidence["preview"] == ["1.38"]
        assert any(e["path"].endswith("/locations/eastus2/kubernetesVersions") for e in _journal(ws))


def test_a_minor_that_left_the_region_fails_before_any_deployment(tmp_path: Path) -> None:
    with open_workspace(tmp_path, scenario="kubernetes-minor-retired") as ws:
        found = check_kubernetes_version(_ctx(ws), "eastus2", "1.35")
        assert found.status is CheckStatus.FAIL and "1.36, 1.37" in found.summary
        assert check_kubernetes_version(_ctx(ws), "eastus2", "newest").evidence["minor"] == "1.37"


def _journal(ws):  # noqa: ANN001, ANN202
    from tests.engine.flow import journal
    return journal(ws.session.dir)


def test_preflight_refuses_a_cluster_on_a_version_the_region_does_not_offer(tmp_path: Path) -> None:
    """The reference's failure, reproduced: validate of a template pinning 1.30.7 answers
    AgentPoolK8sVersionNotSupported (the code and message of Azure/Microsoft-Defender-for-Cloud#713),
    while the minor the check chose validates."""
    def template(version: str) -> dict:
        cluster = {"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2026-08-01", "name": "aks-t",
                   "location": "eastus2", "identity": {"type": "SystemAssigned"},
                   "properties": {"kubernetesVersion": version, "dnsPrefix": "aks-t",
                                  "agentPoolProfiles": [{"name": "system", "count": 3, "vmSize": "Standard_D4ds_v5",
                                                         "mode": "System"}]}}
        return {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "resources": [cluster]}

    with open_workspace(tmp_path) as ws:
        ws.backend.model.put_resource_group("2d6f9a1b-4c3e-4b7a-8f15-0a9e8d7c6b51", "rg-k", "eastus2", None)
        deployments = ws.azure.deployments().deployments
        body = {"properties": {"mode": "Incremental", "template": template("1.30.7")}}
        try:
            deployments.begin_validate("rg-k", "t-old", body).result()
            raise AssertionError("validate accepted a removed version")
        except Exception as exc:  # noqa: BLE001 - the SDK's error carries ARM's body
            said = str(exc)
        assert "AgentPoolK8sVersionNotSupported" in said and "Version 1.30.7 is not supported in this region" in said
        good = {"properties": {"mode": "Incremental", "template": template("1.37")}}
        deployments.begin_validate("rg-k", "t-new", good).result()  # raises if refused
