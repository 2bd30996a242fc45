"""The Kubernetes versions AKS offers in a region (scenario data), and AKS's refusal of any
other: ``AgentPoolK8sVersionNotSupported`` at preflight, with the message users quote
("Version 1.24.3 is not supported in this region. Please use [az aks get-versions] command to
get the supported version list in this region. For more information, please check
https://aka.ms/supported-version-list", Azure/Microsoft-Defender-for-Cloud#713,
Azure/azure-quickstart-templates#13211). A minor ("1.36") is accepted when the region lists it;
a patch only when the minor lists that patch."""

from __future__ import annotations

from typing import Any, Mapping

CODE = "AgentPoolK8sVersionNotSupported"


def offered(world: Any, region: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    listed = (region or {}).get("kubernetesVersions") or (world.scenario.raw.get("kubernetesVersions") or {})
    return list(listed.get("values", []))


def supported(version: str, listed: list[dict[str, Any]]) -> bool:
    text = version.strip()
    for minor in listed:
        if text == str(minor.get("version")) or text in (minor.get("patchVersions") or {}):
            return True
    return False


def refusal(version: str) -> str:
    return (f"Version {version} is not supported in this region. Please use [az aks get-versions] command to get "
            "the supported version list in this region. For more information, please check "
            "https://aka.ms/supported-version-list")
