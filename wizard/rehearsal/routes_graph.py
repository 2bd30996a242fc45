"""The four Microsoft Graph calls the wizard makes, answered from the scenario's Entra data."""

from __future__ import annotations

from wizard.rehearsal.http_types import Request, Response
from wizard.rehearsal.router import Router

CTX = "https://graph.microsoft.com/v1.0/$metadata"


def me(req: Request) -> Response:
    user = req.world.scenario.user
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
    policy = req.world.scenario.entra.get("authorizationPolicy", {})
    return Response(200, {
        "@odata.context": f"{CTX}#policies/authorizationPolicy/$entity", "id": "authorizationPolicy",
        "displayName": "Authorization Policy", "description": "Used to manage authorization related settings "
        "across the company.", "allowInvitesFrom": "everyone", "allowedToUseSSPR": True,
        "blockMsolPowerShell": False, "guestUserRoleId": "10dae51f-b6af-4016-8d66-8c2a99b929b3",
        "defaultUserRolePermissions": policy.get("defaultUserRolePermissions", {}),
    })


def directory_roles(req: Request) -> Response:
    roles = req.world.scenario.entra.get("directoryRoles", [])
    return Response(200, {"@odata.context": f"{CTX}#directoryObjects", "value": [
        {"@odata.type": "#microsoft.graph.directoryRole", "id": r.get("id", r.get("roleTemplateId")),
         "displayName": r["displayName"], "description": r.get("description", ""),
         "roleTemplateId": r.get("roleTemplateId")} for r in roles]})


def register(router: Router) -> None:
    router.add("GET", "/v1.0/me", me)
    router.add("GET", "/v1.0/organization", organization)
    router.add("GET", "/v1.0/policies/authorizationPolicy", authorization_policy)
    router.add("GET", "/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole", directory_roles)
