"""Role assignments and built-in role definitions, read by the permission preflight checks."""

from __future__ import annotations

import re
from typing import Any

from wizard.rehearsal.http_types import ArmError, Request, Response
from wizard.rehearsal.role_catalog import role_definition_body, role_guid_by_name
from wizard.rehearsal.router import Router

_PRINCIPAL = re.compile(r"(?:assignedTo\('([^']+)'\)|principalId\s+eq\s+'([^']+)')", re.IGNORECASE)


def _made(req: Request) -> list[dict[str, Any]]:
    """Role assignments deployments wrote, as ARM lists them (with their scope)."""
    model = req.world.model
    with model.lock:
        made = [dict(v) for v in model.data["resources"].values()
                if str(v.get("type", "")).lower() == "microsoft.authorization/roleassignments"]
    for item in made:
        props = dict(item.get("properties") or {})
        props.setdefault("scope", str(item["id"]).split("/providers/Microsoft.Authorization/roleAssignments/")[0]
                         .split("/providers/microsoft.authorization/roleassignments/")[0])
        props.setdefault("principalType", "ServicePrincipal")
        item["properties"] = props
    return made


def _assignments(req: Request) -> list[dict[str, Any]]:
    scenario = req.world.scenario
    out = _made(req)
    for item in scenario.role_assignments:
        guid = item.get("roleDefinitionGuid") or role_guid_by_name(str(item.get("role", "")))
        sub_id = item["scope"].split("/")[2] if item["scope"].startswith("/subscriptions/") else scenario.default_subscription_id
        out.append({
            "id": f"{item['scope']}/providers/Microsoft.Authorization/roleAssignments/{item['name']}",
            "name": item["name"], "type": "Microsoft.Authorization/roleAssignments",
            "properties": {
                "roleDefinitionId": f"/subscriptions/{sub_id}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
                "principalId": item.get("principalId", scenario.user_oid),
                "principalType": item.get("principalType", "User"), "scope": item["scope"],
                "createdOn": "2026-01-05T09:00:00.0000000Z", "updatedOn": "2026-01-05T09:00:00.0000000Z",
            },
        })
    return out


def list_role_assignments(req: Request) -> Response:
    scope = req.params.get("scope") or f"/subscriptions/{req.params['sub']}"
    scope = "/" + scope.strip("/")
    wanted = scope.lower()
    items = []
    for item in _assignments(req):
        at = item["properties"]["scope"].lower().rstrip("/")
        if wanted.startswith(at) or at.startswith(wanted):  # inherited from above, or below
            items.append(item)
    flt = req.query.get("$filter", "")
    found = _PRINCIPAL.search(flt)
    if found:
        principal = (found.group(1) or found.group(2)).lower()
        items = [i for i in items if i["properties"]["principalId"].lower() == principal]
    if "atscope()" in flt.lower():
        items = [i for i in items if wanted.startswith(i["properties"]["scope"].lower().rstrip("/"))]
    return Response(200, {"value": items})


def get_role_definition(req: Request) -> Response:
    scope = "/" + (req.params.get("scope") or "").strip("/")
    body = role_definition_body(req.params["guid"], scope if scope != "/" else "")
    if body is None:
        raise ArmError(404, "RoleDefinitionDoesNotExist", "The specified role definition with ID "
                       f"'{req.params['guid']}' does not exist.")
    return Response(200, body)


def list_role_definitions(req: Request) -> Response:
    from wizard.rehearsal.role_catalog import BUILT_IN_ROLES

    scope = "/" + (req.params.get("scope") or "").strip("/")
    items = [role_definition_body(g, scope if scope != "/" else "") for g in BUILT_IN_ROLES]
    flt = req.query.get("$filter", "")
    found = re.search(r"roleName\s+eq\s+'([^']+)'", flt, re.IGNORECASE)
    if found:
        items = [i for i in items if i and i["properties"]["roleName"].lower() == found.group(1).lower()]
    return Response(200, {"value": items})


def register(router: Router) -> None:
    ns = "providers/Microsoft.Authorization"
    router.add("GET", f"/subscriptions/{{sub}}/{ns}/roleAssignments", list_role_assignments)
    router.add("GET", f"/{ns}/roleDefinitions/{{guid}}", get_role_definition)
    router.add("GET", f"/{{scope*}}/{ns}/roleDefinitions/{{guid}}", get_role_definition)
    router.add("GET", f"/{{scope*}}/{ns}/roleDefinitions", list_role_definitions)
    router.add("GET", f"/{{scope*}}/{ns}/roleAssignments", list_role_assignments)
