"""The cluster's role assignments (issue 9 groundwork): deterministic names that change with
the principal, principalType always sent, the role GUIDs of azure-facts.md §5.3, and the
federated credential's subject and audience (workload identity: system:serviceaccount:<ns>:<sa>,
audience api://AzureADTokenExchange)."""

from __future__ import annotations

from steps import cluster_identities as ids


def test_each_assignment_is_named_from_scope_principal_and_role_and_says_why() -> None:
    entry = next(e for e in ids.assignments_for("workload") if e["principal"] == "kubelet")
    made = ids.role_assignment(entry, "parameters('kubeletObjectId')",
                               "resourceId('Microsoft.ContainerRegistry/registries', 'acraks1')", [])
    assert made["name"].startswith("[guid(resourceId('Microsoft.ContainerRegistry/registries', 'acraks1'), "
                                   "parameters('kubeletObjectId'), ")
    assert "7f951dda-4ed3-4680-a7ca-43fe172d538d" in made["properties"]["roleDefinitionId"]  # AcrPull
    assert made["properties"]["principalType"] == "ServicePrincipal"
    assert made["properties"]["description"].startswith("AcrPull for the kubelet identity: nodes pull images")
    assert made["scope"] == "[resourceId('Microsoft.ContainerRegistry/registries', 'acraks1')]"


def test_the_assignments_split_by_the_group_that_holds_their_scope() -> None:
    spoke = {(e["principal"], e["role"]) for e in ids.assignments_for("spoke")}
    workload = {(e["principal"], e["role"]) for e in ids.assignments_for("workload")}
    assert spoke == {("controlPlane", "networkContributor"), ("controlPlane", "privateDnsZoneContributor")}
    assert ("appGateway", "keyVaultSecretsUser") in workload and ("ingress", "keyVaultSecretsUser") in workload
    assert not spoke & workload


def test_the_ingress_identity_federates_its_service_account() -> None:
    made = ids.federated_credential("mi-ingress", "[reference('aks').oidcIssuerProfile.issuerURL]", "ingress", "traefik")
    assert made["properties"]["subject"] == "system:serviceaccount:ingress:traefik"
    assert made["properties"]["audiences"] == ["api://AzureADTokenExchange"]
    assert made["name"] == "mi-ingress/ingress-traefik"
