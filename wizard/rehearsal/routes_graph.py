"""The four Microsoft Graph calls the wizard makes, answered from the scenario's Entra data.

Reading the tenant's authorization policy is not something every user may do. Graph
documents it (``api-reference/v1.0/api/authorizationpolicy-get.md`` and
``includes/rbac-for-apis/rbac-authorization-policy-apis-read.md`` in
microsoftgraph/microsoft-graph-docs-contrib): delegated Policy.Read.All (or
Policy.ReadWrite.Authorization), and the signed-in user must hold one of Global Reader,
Security Reader, Security Operator, Security Administrator, Cloud Device Administrator,
License Administrator or Privileged Role Administrator (the least privileged roles; Global
Administrator holds every permission). A comment in that include says the call also works
with the default user permissions, so whether an ordinary member is refused depends on the
tenant and the token. The scenario decides, under ``entra``:

``authorizationPolicyReadable``
    ``true`` (the default): anyone may read it, as the include's comment says.
    ``false``: always refused, whatever roles the user holds.
    ``"byRole"``: only a holder of one of the roles above may read it (Graph's documented rule).
``authorizationPolicyDenial``
    How the refusal reads. ``"role"`` (default): 403 ``Authorization_RequestDenied``
    "Insufficient privileges to complete the operation." (the user lacks a role).
    ``"scope"``: 403 ``AccessDenied`` "You cannot perform the requested operation, required
    scopes are missing in the token." (the token lacks Policy.Read.All, as Azure CLI and
    Azure PowerShell tokens do: Azure/azure-cli#23906, Azure/azure-powershell#24334).
``directoryRolesReadable``
    ``true`` (default) or ``false``: whether ``me/transitiveMemberOf/microsoft.graph.directoryRole``
    answers (any member may list their own memberships; ``false`` models a tenant or token
    that refuses even that). Only *active* role assignments are listed: a PIM-eligible role
    that is not activated is simply absent from ``directoryRoles``.

Refusals carry Graph's error shape: ``{"error": {"code", "message", "innerError": {"date",
"request-id", "client-request-id"}}}``, with the client's ``client-request-id`` echoed when
the request carries headers, and the same ids in the ``request-id`` / ``client-request-id``
response headers."""

from __future__ import annotations

import uuid
from typing import Any, Mapping

from checks.roles import AUTHORIZATION_POLICY_READER_ROLES as POLICY_READERS
from checks.roles import GLOBAL_ADMINISTRATOR
from wizard.rehearsal.http_types import Request, Response
from wizard.rehearsal.request_gate import graph_inner_error
from wizard.rehearsal.router import Router

CTX = "https://graph.microsoft.com/v1.0/$metadata"

# Who may read the authorization policy: the roles Graph lists, and Global Administrator
# (the same data the prerequisites check explains a 403 with).
AUTHORIZATION_POLICY_READER_ROLES: dict[str, str] = {GLOBAL_ADMINISTRATOR: "Global Administrator",
                                                     **POLICY_READERS}

# Graph's refusals, word for word.
REQUEST_DENIED = ("Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
SCOPES_MISSING = ("AccessDenied", "You cannot perform the requested operation, required scopes are missing in the token.")
_DENIALS = {"role": REQUEST_DENIED, "scope": SCOPES_MISSING}


def graph_error(req: Request, status: int, code: str, message: str) -> Response:
    """A Graph error response: body and ``request-id``/``client-request-id`` headers agree."""
    inner = graph_inner_error(req.headers, req.request_id or str(uuid.uuid4()))
    return Response(status, {"error": {"code": code, "message": message, "innerError": inner}},
                    {"request-id": inner["request-id"], "client-request-id": inner["client-request-id"]})


def _roles(req: Request) -> list[dict[str, Any]]:
    return list(req.world.scenario.entra.get("directoryRoles", []))


def may_read_authorization_policy(entra: Mapping[str, Any]) -> bool:
    setting = entra.get("authorizationPolicyReadable", True)
    if setting is True or setting is False:
        return setting
    if setting == "byRole":
        return any(str(r.get("roleTemplateId", "")).lower() in AUTHORIZATION_POLICY_READER_ROLES
                   for r in entra.get("directoryRoles", []))
    raise ValueError(f"scenario entra.authorizationPolicyReadable must be true, false or 'byRole', not {setting!r}")


def me(req: Request) -> Response:
    """Graph's default properties; ``userType`` only when ``$select`` asks for it, as Graph does."""
    user = req.world.scenario.user
    selected = {p.strip().lower() for p in req.query.get("$select", "").split(",") if p.strip()}
    if selected:
        full = {"id": user["oid"], "displayName": user["displayName"], "userPrincipalName": user["userPrincipalName"],
                "userType": user.get("userType", "Member"), "mail": user.get("mail")}
        return Response(200, {"@odata.context": f"{CTX}#users(...)/$entity",
                              **{k: v for k, v in full.items() if k.lower() in selected}})
    return Response(200, {
        "@odata.context": f"{CTX}#users/$entity", "id": user["oid"], "displayName": user["displayName"],
        "userPrincipalName": user["userPrincipalName"], "mail": user.get("mail", user["userPrincipalName"]),
        "givenName": user.get("givenName"), "surname": user.get("surname"), "jobTitle": user.get("jobTitle"),
        "businessPhones": [], "mobilePhone": None, "officeLocation": None, "preferredLanguage": "en-US",
    })


def organization(req: Request) -> Response:
    tenant = req.world.scenario.tenant
    return Response(200, {"@odata.context": f"{CTX}#organization", "value": [{
        "id": tenant["id"], "displayName": tenant["displayName"], "tenantType": "AAD",
        "verifiedDomains": tenant.get("verifiedDomains", []), "countryLetterCode": "US"}]})


def authorization_policy(req: Request) -> Response:
    entra = req.world.scenario.entra
    if not may_read_authorization_policy(entra):
        denial = str(entra.get("authorizationPolicyDenial", "role"))
        if denial not in _DENIALS:
            raise ValueError(f"scenario entra.authorizationPolicyDenial must be 'role' or 'scope', not {denial!r}")
        return graph_error(req, 403, *_DENIALS[denial])
    policy = entra.get("authorizationPolicy", {})
    return Response(200, {
        "@odata.context": f"{CTX}#policies/authorizationPolicy/$entity", "id": "authorizationPolicy",
        "displayName": "Authorization Policy", "description": "Used to manage authorization related settings "
        "across the company.", "allowInvitesFrom": "everyone", "allowedToUseSSPR": True,
        "blockMsolPowerShell": False, "guestUserRoleId": "10dae51f-b6af-4016-8d66-8c2a99b929b3",
        "defaultUserRolePermissions": policy.get("defaultUserRolePermissions", {}),
    })


def directory_roles(req: Request) -> Response:
    if req.world.scenario.entra.get("directoryRolesReadable", True) is False:
        return graph_error(req, 403, *REQUEST_DENIED)
    return Response(200, {"@odata.context": f"{CTX}#directoryObjects", "value": [
        {"@odata.type": "#microsoft.graph.directoryRole", "id": r.get("id", r.get("roleTemplateId")),
         "displayName": r["displayName"], "description": r.get("description", ""),
         "roleTemplateId": r.get("roleTemplateId")} for r in _roles(req)]})


def register(router: Router) -> None:
    router.add("GET", "/v1.0/me", me)
    router.add("GET", "/v1.0/organization", organization)
    router.add("GET", "/v1.0/policies/authorizationPolicy", authorization_policy)
    router.add("GET", "/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole", directory_roles)
