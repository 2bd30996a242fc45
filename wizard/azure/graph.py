"""Microsoft Graph through a plain azure-core pipeline (no msgraph SDK: we need a handful of
calls, and azure-core gives us the same retry, auth and TLS behaviour as the ARM clients)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from wizard.azure.endpoints import Endpoints


class GraphError(Exception):
    """Graph answered with an error. Carries what a reviewer needs to trace the call (status,
    Graph's code and message, the request ids from ``innerError``) and never the token.

    ``response`` is the azure-core response, so ``wizard.azure.errors.from_exception`` reads
    Graph's own code and status when the error escapes a check."""

    def __init__(self, status: int, code: str, message: str, *, request: str = "", request_id: str = "",
                 client_request_id: str = "", date: str = "", response: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.request, self.request_id, self.client_request_id, self.date = request, request_id, client_request_id, date
        self.response = response

    def as_evidence(self) -> dict[str, Any]:
        """JSON-able, secret-free record of the refusal for a check's evidence."""
        out: dict[str, Any] = {"request": self.request, "status": self.status, "code": self.code,
                               "message": self.message}
        for key, value in (("request_id", self.request_id), ("client_request_id", self.client_request_id),
                           ("date", self.date)):
            if value:
                out[key] = value
        return out


def _graph_error(response: Any, body: Any, request: str) -> GraphError:
    err = (body or {}).get("error", {}) if isinstance(body, dict) else {}
    err = err if isinstance(err, dict) else {}
    inner = err.get("innerError") or err.get("innererror") or {}
    inner = inner if isinstance(inner, dict) else {}
    headers = response.headers
    return GraphError(response.status_code, str(err.get("code", response.status_code)),
                      str(err.get("message", response.text()[:200])), request=request,
                      request_id=str(inner.get("request-id") or headers.get("request-id") or ""),
                      client_request_id=str(inner.get("client-request-id") or headers.get("client-request-id") or ""),
                      date=str(inner.get("date") or ""), response=response)


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
        return self.send("GET", path)

    def post(self, path: str, body: Any) -> Any:
        return self.send("POST", path, body)

    def send(self, method: str, path: str, body: Any = None) -> Any:
        """One Graph call; the parsed body (None for 204), or GraphError with Graph's code,
        message and request ids. azure-core's retry policy honours a 429's Retry-After."""
        from azure.core.rest import HttpRequest

        relative = f"/v1.0/{path.lstrip('/')}"
        # Graph echoes client-request-id in its answers (and in innerError), as the Graph SDKs use it.
        headers = {"client-request-id": str(uuid.uuid4())}
        request = HttpRequest(method, f"{self._base}{relative}", headers=headers,
                              json=body if body is not None else None)
        response = self._client.send_request(request)
        parsed: Any = None
        try:
            parsed = response.json() if response.text() else None
        except (ValueError, json.JSONDecodeError):
            parsed = None
        if response.status_code >= 400:
            raise _graph_error(response, parsed, f"{method} {relative.split('?', 1)[0]}")
        return parsed

    def me(self) -> dict[str, Any]:
        return self.get("me")

    def organization(self) -> list[dict[str, Any]]:
        return list(self.get("organization").get("value", []))

    def authorization_policy(self) -> dict[str, Any]:
        """Needs Policy.Read.All and, for a user, a role such as Global Reader (Graph docs);
        raises GraphError 403 otherwise."""
        return self.get("policies/authorizationPolicy")

    def my_directory_roles(self) -> list[dict[str, Any]]:
        """Directory roles the signed-in user holds (transitively). Only active assignments:
        a PIM-eligible role that is not activated does not appear."""
        body = self.get("me/transitiveMemberOf/microsoft.graph.directoryRole")
        return list(body.get("value", []))

    def close(self) -> None:
        self._client.close()
