"""One Azure session: a credential, a subscription and lazily built SDK clients.

Steps and checks receive an ``AzureContext`` and ask it for clients; they never construct
clients themselves. The same object serves live Azure and the rehearsal backend, which is
what makes rehearsal an honest rehearsal: only the base URL and CA bundle differ."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from wizard.azure.endpoints import Endpoints


@dataclass(frozen=True)
class Actor:
    """Who is signed in, read from the access token's claims (never from user input)."""

    object_id: str
    name: str
    upn: str
    tenant_id: str
    kind: str = "user"

    def as_record(self) -> dict[str, str]:
        return {"object_id": self.object_id, "name": self.name, "upn": self.upn,
                "tenant_id": self.tenant_id, "kind": self.kind}


def actor_from_token(token: str) -> Actor:
    """Decode a JWT's payload without verifying it: we only display and audit who the token
    says we are; Azure verifies it on every call."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return Actor(object_id="unknown", name="unknown", upn="unknown", tenant_id="unknown")
    return Actor(
        object_id=str(claims.get("oid", "unknown")),
        name=str(claims.get("name", claims.get("appid", "unknown"))),
        upn=str(claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username") or ""),
        tenant_id=str(claims.get("tid", "unknown")),
        kind="user" if claims.get("idtyp", "user") == "user" else str(claims.get("idtyp")),
    )


def _physical(location: Any) -> bool:
    """Logical regions (geographies such as 'unitedstates') cannot hold resources."""
    kind = getattr(getattr(location, "metadata", None), "region_type", None)
    return str(getattr(kind, "value", kind) or "Physical").lower() == "physical"


@dataclass
class AzureContext:
    credential: Any  # azure.core.credentials.TokenCredential
    endpoints: Endpoints
    subscription_id: str
    tenant_id: str
    subscription_name: str = ""
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: "threading.RLock" = field(default_factory=threading.RLock, repr=False)

    # -- client factory -------------------------------------------------------------------
    def _client_kwargs(self) -> dict[str, Any]:
        e = self.endpoints
        return {
            "base_url": e.resource_manager,
            "connection_verify": e.connection_verify,
            "polling_interval": e.polling_interval,
            "retry_backoff_factor": e.retry_backoff_factor,
            "credential_scopes": [e.arm_scope],
        }

    def _cached(self, key: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._clients:
                self._clients[key] = build()
            return self._clients[key]

    def resources(self) -> Any:
        def build() -> Any:
            from azure.mgmt.resource.resources import ResourceManagementClient
            return ResourceManagementClient(self.credential, self.subscription_id, **self._client_kwargs())
        return self._cached("resources", build)

    def deployments(self) -> Any:
        def build() -> Any:
            from azure.mgmt.resource.deployments import DeploymentsMgmtClient
            return DeploymentsMgmtClient(self.credential, self.subscription_id, **self._client_kwargs())
        return self._cached("deployments", build)

    def policy(self) -> Any:
        def build() -> Any:
            from azure.mgmt.resource.policy import PolicyClient
            return PolicyClient(self.credential, self.subscription_id, **self._client_kwargs())
        return self._cached("policy", build)

    def subscriptions(self) -> Any:
        def build() -> Any:
            from azure.mgmt.resource.subscriptions import SubscriptionClient
            return SubscriptionClient(self.credential, **self._client_kwargs())
        return self._cached("subscriptions", build)

    def compute(self) -> Any:
        def build() -> Any:
            from azure.mgmt.compute import ComputeManagementClient
            return ComputeManagementClient(self.credential, self.subscription_id, **self._client_kwargs())
        return self._cached("compute", build)

    def network(self) -> Any:
        def build() -> Any:
            from azure.mgmt.network import NetworkManagementClient
            return NetworkManagementClient(self.credential, self.subscription_id, **self._client_kwargs())
        return self._cached("network", build)

    def authorization(self) -> Any:
        def build() -> Any:
            from azure.mgmt.authorization import AuthorizationManagementClient
            kw = self._client_kwargs()
            return AuthorizationManagementClient(self.credential, self.subscription_id,
                                                 base_url=kw.pop("base_url"), **kw)
        return self._cached("authorization", build)

    def image_builder(self) -> Any:
        def build() -> Any:
            from azure.mgmt.imagebuilder import ImageBuilderClient
            return ImageBuilderClient(self.credential, self.subscription_id, **self._client_kwargs())
        return self._cached("imagebuilder", build)

    def container_service(self) -> Any:
        def build() -> Any:
            from azure.mgmt.containerservice import ContainerServiceClient
            return ContainerServiceClient(self.credential, self.subscription_id, **self._client_kwargs())
        return self._cached("containerservice", build)

    def container_registry(self) -> Any:
        def build() -> Any:
            from azure.mgmt.containerregistry import ContainerRegistryManagementClient
            return ContainerRegistryManagementClient(self.credential, self.subscription_id, **self._client_kwargs())
        return self._cached("containerregistry", build)

    def key_vault(self) -> Any:
        def build() -> Any:
            from azure.mgmt.keyvault import KeyVaultManagementClient
            return KeyVaultManagementClient(self.credential, self.subscription_id, **self._client_kwargs())
        return self._cached("keyvault", build)

    def cost_management(self) -> Any:
        def build() -> Any:
            from azure.mgmt.costmanagement import CostManagementClient
            return CostManagementClient(self.credential, **self._client_kwargs())
        return self._cached("costmanagement", build)

    def graph(self) -> "Any":
        def build() -> Any:
            from wizard.azure.graph import GraphClient
            return GraphClient(self.credential, self.endpoints)
        return self._cached("graph", build)

    def region_names(self) -> tuple[str, ...]:
        """The subscription's physical regions (short names), read once per subscription:
        field validators ask on every submission and the list does not change meanwhile."""
        key = f"regions:{self.subscription_id}"
        with self._lock:
            if key not in self._memo:
                listed = self.subscriptions().subscriptions.list_locations(self.subscription_id)
                self._memo[key] = tuple(str(loc.name) for loc in listed if _physical(loc))
            return tuple(self._memo[key])

    # -- identity ---------------------------------------------------------------------------
    def actor(self) -> Actor:
        token = self.credential.get_token(self.endpoints.arm_scope).token
        return actor_from_token(token)

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                try:
                    client.close()
                except Exception:  # noqa: BLE001 - closing is best effort
                    pass
            self._clients.clear()
