"""Microsoft Graph through a plain azure-core pipeline (no msgraph SDK: we need four calls,
and azure-core gives us the same retry, auth and TLS behaviour as the ARM clients)."""

from __future__ import annotations

import json
from typing import Any

from wizard.azure.endpoints import Endpoints


class GraphError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


class GraphClient:
    def __init__(self, credential: Any, endpoints: Endpoints) -> None:
        from azure.core import PipelineClient
        from azure.core.pipeline import policies

        self._base = endpoints.graph.rstrip("/")
        self._client = PipelineClient(
            base_url=self._base,
            policies=[
                policies.HeadersPolicy({"Accept": "application/json"}),
                policies.UserAgentPolicy("aks-baseline-wizard"),
                policies.RetryPolicy(retry_backoff_factor=endpoints.retry_backoff_factor),
                policies.BearerTokenCredentialPolicy(credential, endpoints.graph_scope),
                policies.NetworkTraceLoggingPolicy(),
            ],
            connection_verify=endpoints.connection_verify,
        )

    def get(self, path: str) -> Any:
        from azure.core.rest import HttpRequest

        request = HttpRequest("GET", f"{self._base}/v1.0/{path.lstrip('/')}")
        response = self._client.send_request(request)
        body: Any = None
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            body = None
        if response.status_code >= 400:
            err = (body or {}).get("error", {}) if isinstance(body, dict) else {}
            raise GraphError(response.status_code, str(err.get("code", response.status_code)),
                             str(err.get("message", response.text()[:200])))
        return body

    def me(self) -> dict[str, Any]:
        return self.get("me")

    def organization(self) -> list[dict[str, Any]]:
        return list(self.get("organization").get("value", []))

    def authorization_policy(self) -> dict[str, Any]:
        return self.get("policies/authorizationPolicy")

    def my_directory_roles(self) -> list[dict[str, Any]]:
        """Directory roles the signed-in user holds (transitively)."""
        body = self.get("me/transitiveMemberOf/microsoft.graph.directoryRole")
        return list(body.get("value", []))

    def close(self) -> None:
        self._client.close()
