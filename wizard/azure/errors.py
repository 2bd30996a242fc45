"""Turn whatever Azure (or the network) threw into one shape the UI and audit log show:
the failing resource, Azure's own code and message, nested details, and a remedy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from wizard.azure.remedies import remedy_for


@dataclass(frozen=True)
class AzureFailure:
    code: str
    message: str
    resource: str = ""
    remedy: str = ""
    details: tuple["AzureFailure", ...] = field(default_factory=tuple)
    status: int | None = None
    correlation_id: str = ""

    def innermost(self) -> "AzureFailure":
        """ARM nests the useful error (DeploymentFailed > Conflict > the real code)."""
        node = self
        while node.details:
            node = node.details[0]
        return node

    def as_record(self) -> dict[str, Any]:
        return {
            "code": self.code, "message": self.message, "resource": self.resource, "remedy": self.remedy,
            "status": self.status, "correlation_id": self.correlation_id,
            "details": [d.as_record() for d in self.details],
        }

    def lines(self) -> list[str]:
        """Human-readable lines: outer error, then each nested detail indented."""
        out = [f"{self.code}: {self.message}" + (f" [{self.resource}]" if self.resource else "")]
        for detail in self.details:
            out.extend("  " + line for line in detail.lines())
        return out


def from_error_body(body: Mapping[str, Any], resource: str = "", status: int | None = None,
                    correlation_id: str = "") -> AzureFailure:
    """Parse an ARM error object ({code, message, target, details[]}) or {error: {...}}."""
    err = body.get("error", body) if isinstance(body, Mapping) else {}
    if not isinstance(err, Mapping):
        err = {}
    code = str(err.get("code") or "UnknownError")
    message = str(err.get("message") or "")
    target = str(err.get("target") or resource)
    details = tuple(from_error_body(d, "", None) for d in err.get("details") or [] if isinstance(d, Mapping))
    inner_code = details[0].innermost().code if details else code
    return AzureFailure(code=code, message=message, resource=target, remedy=remedy_for(inner_code),
                        details=details, status=status, correlation_id=correlation_id)


def from_exception(exc: BaseException, resource: str = "") -> AzureFailure:
    """Map azure-core / azure-identity exceptions without importing them eagerly."""
    name = type(exc).__name__
    if name == "CredentialUnavailableError" or name == "ClientAuthenticationError":
        return AzureFailure("CredentialUnavailable", str(exc).splitlines()[0] if str(exc) else name, resource,
                            remedy_for("CredentialUnavailable"))
    response = getattr(exc, "response", None)
    if response is not None:
        status = getattr(response, "status_code", None)
        correlation = ""
        try:
            correlation = response.headers.get("x-ms-correlation-request-id", "")
        except Exception:  # noqa: BLE001 - headers are optional
            pass
        body: Any = None
        try:
            body = response.json()
        except Exception:  # noqa: BLE001 - not every error has a JSON body
            body = None
        if isinstance(body, Mapping) and ("error" in body or "code" in body):
            return from_error_body(body, resource, status, correlation)
        odata = getattr(exc, "error", None)
        code = getattr(odata, "code", None) or f"HTTP{status}"
        return AzureFailure(str(code), getattr(exc, "message", str(exc)), resource, remedy_for(str(code)),
                            status=status, correlation_id=correlation)
    if name in ("ServiceRequestError", "ServiceResponseError", "ConnectionError", "ServiceRequestTimeoutError"):
        return AzureFailure("ConnectionError", str(exc).splitlines()[0][:300], resource, remedy_for("ConnectionError"))
    return AzureFailure(name, str(exc)[:500], resource, remedy_for(name))
