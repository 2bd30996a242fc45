"""Request/response values passed between the HTTP layer and the route handlers.

Handlers never touch sockets: they take a ``Request`` and return a ``Response`` (or raise
``ArmError``), which keeps every route testable and the journal complete."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from wizard.rehearsal.world import World


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    params: dict[str, str]
    world: "World"
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names; never journaled
    correlation_id: str = ""  # x-ms-correlation-request-id of this request (the client's, or ARM's own)
    request_id: str = ""  # the id the response carries (x-ms-request-id; Graph's request-id)


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ArmError(Exception):
    """An error ARM would answer with: ``{"error": {"code", "message", "details"?, "target"?}}``."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None,
                 target: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.details, self.target, self.headers = details, target, headers or {}

    def error_object(self) -> dict[str, Any]:
        return error_object(self.code, self.message, self.details, self.target)

    def response(self) -> Response:
        return Response(self.status, {"error": self.error_object()}, dict(self.headers))


def error_object(code: str, message: str, details: list[dict[str, Any]] | None = None,
                 target: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "message": message}
    if target:
        out["target"] = target
    if details is not None:
        out["details"] = details
    return out


def not_found(kind: str, name: str, rg: str | None = None) -> ArmError:
    if kind == "ResourceGroup":
        return ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")
    where = f" under resource group '{rg}'" if rg else ""
    return ArmError(404, "ResourceNotFound", f"The Resource '{name}'{where} was not found. For more details "
                    "please go to https://aka.ms/ARMResourceNotFoundFix")


def being_deleted(name: str) -> ArmError:
    return ArmError(409, "ResourceGroupBeingDeleted", f"The resource group '{name}' is in deprovisioning state and "
                    "cannot perform this operation.")
