"""Where the SDK clients point: a real Azure cloud, or the local rehearsal backend."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoints:
    """Base URLs and transport settings shared by every client the factory builds.

    For live Azure ``connection_verify`` is True (system CAs) and polling follows ARM's
    Retry-After. For the rehearsal backend it is the path of the locally generated CA and
    polling is fast, because the backend tells the SDK when to come back."""

    cloud: str
    resource_manager: str
    graph: str
    arm_scope: str
    graph_scope: str
    authority: str = "https://login.microsoftonline.com"  # Entra sign-in host (device code)
    connection_verify: bool | str = True
    polling_interval: float = 5.0
    retry_backoff_factor: float = 0.8
    # Where public container registries answer the registry API (to read a tag's digest before
    # an import): Docker Hub's API host is not its name. Empty: https://<registry name>.
    registry_hosts: tuple[tuple[str, str], ...] = (("docker.io", "https://registry-1.docker.io"),)
    registry_base: str = ""  # the rehearsal serves every source registry under one base
    # Azure seconds per real second: 1 in Azure; a rehearsal runs faster, and a wait that is
    # given in Azure minutes (Flux's compliance timeout) is measured on this clock.
    pace: float = 1.0
    # Where Application Gateway's public front end answers: empty live (its public IP, port
    # 443); host:port of the rehearsal's front end on 127.0.0.1 in a rehearsal.
    public_frontend: str = ""

    @property
    def is_rehearsal(self) -> bool:
        return self.cloud == "Rehearsal"

    def registry_url(self, registry: str) -> str:
        if self.registry_base:
            return f"{self.registry_base.rstrip('/')}/{registry}"
        return dict(self.registry_hosts).get(registry, f"https://{registry}")


AZURE_PUBLIC = Endpoints(
    cloud="AzureCloud",
    resource_manager="https://management.azure.com/",
    graph="https://graph.microsoft.com/",
    arm_scope="https://management.azure.com/.default",
    graph_scope="https://graph.microsoft.com/.default",
)


def rehearsal_endpoints(base_url: str, ca_path: str, pace: float = 1.0, public_frontend: str = "") -> Endpoints:
    """Endpoints of a running rehearsal backend. Graph and ARM share one server; their paths
    never collide (Graph paths start with /v1.0, ARM paths with /subscriptions or /providers)."""
    base = base_url.rstrip("/") + "/"
    return Endpoints(
        cloud="Rehearsal",
        resource_manager=base,
        graph=base,
        arm_scope="https://management.azure.com/.default",
        graph_scope="https://graph.microsoft.com/.default",
        connection_verify=ca_path,
        polling_interval=0.05,
        retry_backoff_factor=0.0,
        registry_base=f"{base}_registries",
        pace=pace,
        public_frontend=public_frontend,
    )
