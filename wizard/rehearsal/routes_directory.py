"""Microsoft Graph's directory objects in the rehearsal: groups, users, group members and the
tenant's domains, kept in the rehearsal model (``model.data["directory"]``) so they survive a
restart, seeded from the scenario's ``entra.groups`` / ``entra.users`` / ``tenant.domains``.

What Graph refuses, it refuses here, with Graph's error shape (``routes_graph.graph_error``):

- **Rights.** Creating a security group needs the tenant setting "Users can create security
  groups" (``authorizationPolicy.defaultUserRolePermissions.allowedToCreateSecurityGroups``)
  for a member, or a directory role that creates groups (Groups Administrator, User
  Administrator, Directory Writers, ...); a guest never gets it from the setting. Creating a
  user needs User Administrator (or Global Administrator). Adding a member needs ownership of
  the group or a group-creating role. Refusals are 403 ``Authorization_RequestDenied``
  "Insufficient privileges to complete the operation." (facts-2026-12 §3, azure-cli#27870).
- **Shapes** (microsoft-graph-docs-contrib ``api/group-post-groups.md``,
  ``api/user-post-users.md``, ``api/group-post-members.md``): a group needs ``displayName``
  (at most 256 characters), ``mailEnabled: false``, ``mailNickname`` (at most 64 ASCII
  characters, none of ``@ () \\ [] " ; : . <> ,`` or space) and ``securityEnabled: true``; at
  most 20 ``owners@odata.bind`` and ``members@odata.bind`` together. A user needs
  ``accountEnabled``, ``displayName``, ``mailNickname``, ``userPrincipalName`` in a
  verified domain, and ``passwordProfile.password`` meeting the complexity rule. A UPN that
  exists is refused; adding a member who already is one answers 400; an unknown object 404.
- Object ids are GUIDs: anything else is 400 ``Request_BadRequest`` "Invalid object identifier".

Only ``$filter`` on ``displayName``, ``mailNickname`` and ``userPrincipalName`` with ``eq``
(joined by ``and``) is supported: the queries the wizard makes; others answer 400
``Request_UnsupportedQuery`` rather than a wrong list."""

from __future__ import annotations

import re
import uuid
from typing import Any

from checks.roles import GROUP_CREATOR_DIRECTORY_ROLES, USER_CREATOR_DIRECTORY_ROLES
from wizard.rehearsal.http_types import Request, Response
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_graph import CTX, REQUEST_DENIED, graph_error

GRAPH_OBJECTS = "https://graph.microsoft.com/v1.0/directoryObjects/"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_NICKNAME_FORBIDDEN = set('@()\\[]";:.<>, ')
_UPN_LOCAL = re.compile(r"^[A-Za-z0-9'._\-!#^~]+$")
_FILTER_TERM = re.compile(r"^\s*(displayName|mailNickname|userPrincipalName)\s+eq\s+'((?:[^']|'')*)'\s*$",
                          re.IGNORECASE)
MAX_BINDS = 20


class GraphRefusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# -- the store -------------------------------------------------------------------------------
def directory(req: Request) -> dict[str, Any]:
    """The tenant's objects, created from the scenario the first time a request needs them."""
    data = req.world.model.data
    if "directory" not in data:
        entra, user = req.world.scenario.entra, req.world.scenario.user
        store: dict[str, Any] = {"groups": {}, "users": {}, "members": {}, "owners": {}}
        me = {"id": user["oid"], "displayName": user["displayName"], "userPrincipalName": user["userPrincipalName"],
              "mailNickname": user["userPrincipalName"].split("@", 1)[0], "userType": user.get("userType", "Member"),
              "accountEnabled": True}
        store["users"][me["id"].lower()] = me
        for seeded in entra.get("users", []):
            store["users"][str(seeded["id"]).lower()] = {"accountEnabled": True, "userType": "Member", **seeded}
        for seeded in entra.get("groups", []):
            group = {"mailEnabled": False, "securityEnabled": True, "groupTypes": [], "description": None, **seeded}
            store["groups"][str(group["id"]).lower()] = {k: v for k, v in group.items() if k != "members"}
            store["members"][str(group["id"]).lower()] = [str(m).lower() for m in seeded.get("members", [])]
        data["directory"] = store
    return data["directory"]


def _object_id(raw: str) -> str:
    if not _GUID.match(raw):
        raise GraphRefusal(400, "Request_BadRequest", f"Invalid object identifier '{raw}'.")
    return raw.lower()


def _not_found(raw: str) -> GraphRefusal:
    return GraphRefusal(404, "Request_ResourceNotFound", f"Resource '{raw}' does not exist or one of its queried "
                        "reference-property objects are not present.")


def _roles(req: Request) -> set[str]:
    return {str(r.get("roleTemplateId", "")).lower() for r in req.world.scenario.entra.get("directoryRoles", [])}


def _caller(req: Request) -> dict[str, Any]:
    return directory(req)["users"][req.world.scenario.user["oid"].lower()]


def _may_create_groups(req: Request) -> bool:
    if _roles(req) & set(GROUP_CREATOR_DIRECTORY_ROLES):
        return True
    policy = req.world.scenario.entra.get("authorizationPolicy", {}).get("defaultUserRolePermissions", {})
    return _caller(req).get("userType") != "Guest" and policy.get("allowedToCreateSecurityGroups", True) is True


def _may_create_users(req: Request) -> bool:
    return bool(_roles(req) & set(USER_CREATOR_DIRECTORY_ROLES))


def _domains(req: Request) -> list[dict[str, Any]]:
    tenant = req.world.scenario.tenant
    listed = tenant.get("domains") or [{**d, "isVerified": True} for d in tenant.get("verifiedDomains", [])]
    return [{"id": d["name"], "authenticationType": d.get("type", "Managed"), "isDefault": bool(d.get("isDefault")),
             "isInitial": bool(d.get("isInitial")), "isRoot": True, "isVerified": bool(d.get("isVerified", True)),
             "supportedServices": ["Email", "OfficeCommunicationsOnlineService"]} for d in listed]


def _group_view(group: dict[str, Any]) -> dict[str, Any]:
    return {"@odata.context": f"{CTX}#groups/$entity", "classification": None, "visibility": None,
            "createdDateTime": group.get("createdDateTime", "2026-01-05T09:00:00Z"), "mail": None, **group}


def _user_view(user: dict[str, Any]) -> dict[str, Any]:
    public = {k: v for k, v in user.items() if k != "passwordProfile"}  # Graph never returns a password
    return {"@odata.context": f"{CTX}#users/$entity", "mail": None, "givenName": None, "surname": None, **public}


# -- validation ------------------------------------------------------------------------------
def _required(body: dict[str, Any], name: str, resource: str) -> Any:
    """Graph's two wordings for a missing property (graph-facts: groups keep the older one)."""
    if body.get(name) in (None, ""):
        if resource == "User" and name == "passwordProfile":
            raise GraphRefusal(400, "Request_BadRequest", "A password must be specified to create a new user.")
        raise GraphRefusal(400, "Request_BadRequest", f"A value is required for property '{name}' of resource 'Group'."
                           if resource == "Group" else f"Property {name} value is required but is empty or missing.")
    return body[name]


def _nickname(value: Any) -> str:
    text = str(value)
    if len(text) > 64 or not text.isascii() or set(text) & _NICKNAME_FORBIDDEN:
        raise GraphRefusal(400, "Request_BadRequest", "Invalid value specified for property 'mailNickname' of "
                           "resource 'Group'.")
    return text


def _binds(req: Request, body: dict[str, Any]) -> tuple[list[str], list[str]]:
    owners = [str(x) for x in body.get("owners@odata.bind", [])]
    members = [str(x) for x in body.get("members@odata.bind", [])]
    if len(owners) + len(members) > MAX_BINDS:
        raise GraphRefusal(400, "Request_BadRequest", "A resource cannot contain more than 20 link changes")
    return [_bound_id(req, x) for x in owners], [_bound_id(req, x) for x in members]


def _bound_id(req: Request, reference: str) -> str:
    raw = reference.rstrip("/").rsplit("/", 1)[-1]
    object_id = _object_id(raw)
    store = directory(req)
    if object_id not in store["users"] and object_id not in store["groups"]:
        raise _not_found(raw)
    return object_id


def _complex_enough(password: str) -> bool:
    """Entra's rule: 8 to 256 characters, three of lower case, upper case, digits, symbols."""
    kinds = [any(c.islower() for c in password), any(c.isupper() for c in password),
             any(c.isdigit() for c in password), any(not c.isalnum() for c in password)]
    return 8 <= len(password) <= 256 and sum(kinds) >= 3


# -- handlers --------------------------------------------------------------------------------
def _answer(handler: Any) -> Any:
    def wrapped(req: Request) -> Response:
        try:
            return handler(req)
        except GraphRefusal as refusal:
            return graph_error(req, refusal.status, refusal.code, refusal.message)
    return wrapped


def _filtered(req: Request, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    expression = req.query.get("$filter")
    if not expression:
        return objects
    terms = []
    for part in re.split(r"\s+and\s+", expression, flags=re.IGNORECASE):
        found = _FILTER_TERM.match(part)
        if not found:
            raise GraphRefusal(400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause "
                               "specified for property or filter.")
        terms.append((found.group(1).lower(), found.group(2).replace("''", "'")))

    def keep(obj: dict[str, Any]) -> bool:
        lowered = {k.lower(): v for k, v in obj.items()}
        return all(str(lowered.get(name, "")).lower() == value.lower() for name, value in terms)
    return [o for o in objects if keep(o)]


def _existing_group(req: Request) -> tuple[dict[str, Any], str]:
    """(the directory, the id of the group the path names): 400 for a malformed id, 404 for none."""
    raw = req.params["id"]
    group_id = _object_id(raw)
    store = directory(req)
    if group_id not in store["groups"]:
        raise _not_found(raw)
    return store, group_id


def list_groups(req: Request) -> Response:
    groups = _filtered(req, list(directory(req)["groups"].values()))
    return Response(200, {"@odata.context": f"{CTX}#groups", "value": [_group_view(g) for g in groups]})


def get_group(req: Request) -> Response:
    store, group_id = _existing_group(req)
    return Response(200, _group_view(store["groups"][group_id]))


def create_group(req: Request) -> Response:
    body = req.body if isinstance(req.body, dict) else {}
    name = str(_required(body, "displayName", "Group"))
    if len(name) > 256:
        raise GraphRefusal(400, "Request_BadRequest", "Invalid value specified for property 'displayName' of "
                           "resource 'Group'.")
    nickname = _nickname(_required(body, "mailNickname", "Group"))
    if body.get("mailEnabled") is not False or body.get("securityEnabled") is not True:
        if "Unified" not in body.get("groupTypes", []):
            raise GraphRefusal(400, "Request_BadRequest", "Mail-enabled security groups and distribution groups "
                               "cannot be created through Microsoft Graph.")
    owners, members = _binds(req, body)
    if not _may_create_groups(req):
        raise GraphRefusal(403, *REQUEST_DENIED)
    store = directory(req)
    group_id = str(uuid.uuid4())
    group = {"id": group_id, "displayName": name, "mailNickname": nickname, "description": body.get("description"),
             "mailEnabled": bool(body.get("mailEnabled")), "securityEnabled": bool(body.get("securityEnabled")),
             "groupTypes": list(body.get("groupTypes", [])), "createdDateTime": "2026-12-01T09:00:00Z"}
    store["groups"][group_id] = group
    store["owners"][group_id] = owners
    store["members"][group_id] = members
    return Response(201, _group_view(group))


def add_member(req: Request) -> Response:
    store, group_id = _existing_group(req)
    reference = str((req.body or {}).get("@odata.id", "")) if isinstance(req.body, dict) else ""
    if not reference:
        raise GraphRefusal(400, "Request_BadRequest", "Invalid request body: @odata.id is required.")
    member = _bound_id(req, reference)
    caller = req.world.scenario.user["oid"].lower()
    if caller not in store["owners"].get(group_id, []) and not _roles(req) & set(GROUP_CREATOR_DIRECTORY_ROLES):
        raise GraphRefusal(403, *REQUEST_DENIED)
    members = store["members"].setdefault(group_id, [])
    if member in members:
        raise GraphRefusal(400, "Request_BadRequest", "One or more added object references already exist for the "
                           "following modified properties: 'members'.")
    members.append(member)
    return Response(204)


def list_members(req: Request) -> Response:
    store, group_id = _existing_group(req)
    found = [store["users"].get(m) or store["groups"].get(m) for m in store["members"].get(group_id, [])]
    return Response(200, {"@odata.context": f"{CTX}#directoryObjects", "value": [
        {"@odata.type": "#microsoft.graph.user" if "userPrincipalName" in o else "#microsoft.graph.group", **(
            _user_view(o) if "userPrincipalName" in o else _group_view(o))} for o in found if o]})


def _user_by_key(req: Request, raw: str) -> dict[str, Any] | None:
    users = directory(req)["users"]
    if "@" in raw:
        return next((u for u in users.values() if u["userPrincipalName"].lower() == raw.lower()), None)
    return users.get(_object_id(raw))


def get_user(req: Request) -> Response:
    raw = req.params["id"]
    user = _user_by_key(req, raw)
    if user is None:
        raise _not_found(raw)
    return Response(200, _user_view(user))


def list_users(req: Request) -> Response:
    users = _filtered(req, list(directory(req)["users"].values()))
    return Response(200, {"@odata.context": f"{CTX}#users", "value": [_user_view(u) for u in users]})


def create_user(req: Request) -> Response:
    body = req.body if isinstance(req.body, dict) else {}
    for name in ("accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile"):
        _required(body, name, "User")
    upn = str(body["userPrincipalName"])
    local, _, domain = upn.partition("@")
    verified = {d["id"].lower() for d in _domains(req) if d["isVerified"]}
    if not local or not _UPN_LOCAL.match(local) or domain.lower() not in verified:
        raise GraphRefusal(400, "Request_BadRequest", "The domain portion of the userPrincipalName property is "
                           "invalid. You must use one of the verified domain names in your organization."
                           if local and _UPN_LOCAL.match(local) else
                           "Invalid value specified for property 'userPrincipalName' of resource 'User'.")
    profile = body["passwordProfile"] if isinstance(body["passwordProfile"], dict) else {}
    if not profile.get("password"):
        raise GraphRefusal(400, "Request_BadRequest", "A password must be specified to create a new user.")
    if not _complex_enough(str(profile["password"])):
        raise GraphRefusal(400, "Request_BadRequest", "The specified password does not comply with password "
                           "complexity requirements. Please provide a different password.")
    if not _may_create_users(req):
        raise GraphRefusal(403, *REQUEST_DENIED)
    if _user_by_key(req, upn) is not None:
        raise GraphRefusal(400, "Request_BadRequest", "Another object with the same value for property "
                           "userPrincipalName already exists.")
    user_id = str(uuid.uuid4())
    user = {"id": user_id, "displayName": str(body["displayName"]), "userPrincipalName": upn,
            "mailNickname": str(body["mailNickname"]), "accountEnabled": bool(body["accountEnabled"]),
            "userType": "Member",
            # kept so a test can see the change-at-first-sign-in flag; the password itself is never stored
            "passwordProfile": {"forceChangePasswordNextSignIn": bool(profile.get("forceChangePasswordNextSignIn"))}}
    directory(req)["users"][user_id] = user
    return Response(201, _user_view(user))


def get_object(req: Request) -> Response:
    raw = req.params["id"]
    object_id = _object_id(raw)
    store = directory(req)
    if object_id in store["users"]:
        return Response(200, {**_user_view(store["users"][object_id]), "@odata.type": "#microsoft.graph.user"})
    if object_id in store["groups"]:
        return Response(200, {**_group_view(store["groups"][object_id]), "@odata.type": "#microsoft.graph.group"})
    raise _not_found(raw)


def domains(req: Request) -> Response:
    return Response(200, {"@odata.context": f"{CTX}#domains", "value": _domains(req)})


def register(router: Router) -> None:
    router.add("GET", "/v1.0/groups", _answer(list_groups))
    router.add("POST", "/v1.0/groups", _answer(create_group))
    router.add("GET", "/v1.0/groups/{id}/members", _answer(list_members))
    router.add("POST", r"/v1.0/groups/{id}/members/\$ref", _answer(add_member))
    router.add("GET", "/v1.0/groups/{id}", _answer(get_group))
    router.add("GET", "/v1.0/users", _answer(list_users))
    router.add("POST", "/v1.0/users", _answer(create_user))
    router.add("GET", "/v1.0/users/{id}", _answer(get_user))
    router.add("GET", "/v1.0/directoryObjects/{id}", _answer(get_object))
    router.add("GET", "/v1.0/domains", _answer(domains))
