"""The rehearsal's Graph directory is as strict as Graph. What each test checks against, from
microsoft-graph-docs-contrib (api/group-post-groups.md, api/user-post-users.md,
api/group-post-members.md, resources/groups-overview.md) and the Graph error bodies quoted in
its issue threads (kept in the routes module's docstring and facts-2026-12 §3):

- a mailNickname with a space or '@' is 400 ``Request_BadRequest``, "Invalid value specified for
  property 'mailNickname' of resource 'Group'."; a missing one "A value is required for ...";
- a duplicate mailNickname is accepted for a *security* group (201, a second group): Graph does
  not keep them unique, which is why the wizard looks before it creates;
- more than 20 owners and members in one create: "A resource cannot contain more than 20 link
  changes";
- a UPN outside the verified domains, a weak password, an existing UPN, no password: 400 with
  Graph's sentences; a member added twice: 400 "One or more added object references already
  exist ..."; an unknown id 404 ``Request_ResourceNotFound``; a non-GUID 400 "Invalid object
  identifier";
- writes without the right: 403 ``Authorization_RequestDenied``; a password never comes back."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from wizard.azure.graph import GraphClient, GraphError

GROUP = {"displayName": "team", "mailEnabled": False, "mailNickname": "team", "securityEnabled": True}


@pytest.fixture
def graph_for(start_backend: Any, tmp_path: Path) -> Iterator[Any]:
    clients: list[GraphClient] = []

    def make(scenario: Any = None) -> tuple[Any, GraphClient]:
        backend, ctx = start_backend(scenario, tmp_path / f"state-{len(clients)}")
        client = GraphClient(backend.credential(), ctx.endpoints)
        clients.append(client)
        return backend, client

    yield make
    for client in clients:
        client.close()


def _refused(call: Any) -> GraphError:
    with pytest.raises(GraphError) as refused:
        call()
    return refused.value


def test_group_shapes_are_checked_like_graph(graph_for: Any) -> None:
    _, graph = graph_for()
    bad = _refused(lambda: graph.post("groups", {**GROUP, "mailNickname": "my team"}))
    assert (bad.status, bad.code) == (400, "Request_BadRequest")
    assert bad.message == "Invalid value specified for property 'mailNickname' of resource 'Group'."
    missing = _refused(lambda: graph.post("groups", {k: v for k, v in GROUP.items() if k != "mailNickname"}))
    assert missing.message == "A value is required for property 'mailNickname' of resource 'Group'."
    links = [f"https://graph.microsoft.com/v1.0/directoryObjects/{graph.me()['id']}"] * 21
    too_many = _refused(lambda: graph.post("groups", {**GROUP, "owners@odata.bind": links}))
    assert too_many.message == "A resource cannot contain more than 20 link changes"
    first = graph.post("groups", GROUP)
    second = graph.post("groups", GROUP)  # Graph does not keep security groups' nicknames unique
    assert first["id"] != second["id"] and first["securityEnabled"] is True
    found = graph.get("groups?$filter=mailNickname eq 'team'")["value"]
    assert {g["id"] for g in found} == {first["id"], second["id"]}


def test_unknown_and_malformed_ids(graph_for: Any) -> None:
    _, graph = graph_for()
    missing = _refused(lambda: graph.get("groups/7f0e9d8c-1b2a-4c3d-9e8f-0a1b2c3d4e5f"))
    assert (missing.status, missing.code) == (404, "Request_ResourceNotFound")
    assert "does not exist or one of its queried reference-property objects are not present" in missing.message
    malformed = _refused(lambda: graph.get("groups/cluster-admins"))
    assert (malformed.status, malformed.message) == (400, "Invalid object identifier 'cluster-admins'.")
    unsupported = _refused(lambda: graph.get("groups?$filter=startswith(displayName,'a')"))
    assert unsupported.code == "Request_UnsupportedQuery"


def test_users_need_a_verified_domain_a_strong_password_and_a_free_upn(graph_for: Any) -> None:
    _, graph = graph_for("domain-not-verified")
    user = {"accountEnabled": True, "displayName": "Break glass", "mailNickname": "bg",
            "userPrincipalName": "bg@contoso-rehearsal.onmicrosoft.com",
            "passwordProfile": {"password": "Aa1!" * 4, "forceChangePasswordNextSignIn": True}}
    unverified = _refused(lambda: graph.post("users", {**user, "userPrincipalName": "bg@contoso.com"}))
    assert unverified.message.startswith("The domain portion of the userPrincipalName property is invalid.")
    weak = _refused(lambda: graph.post("users", {**user, "passwordProfile": {"password": "password"}}))
    assert "does not comply with password complexity requirements" in weak.message
    no_password = _refused(lambda: graph.post("users", {k: v for k, v in user.items() if k != "passwordProfile"}))
    assert no_password.message == "A password must be specified to create a new user."
    made = graph.post("users", user)
    assert "passwordProfile" not in made and "password" not in str(made)  # Graph never returns a password
    again = _refused(lambda: graph.post("users", user))
    assert again.message == "Another object with the same value for property userPrincipalName already exists."
    assert graph.get(f"users/{user['userPrincipalName']}")["id"] == made["id"]
    assert _refused(lambda: graph.get("users/nobody@contoso-rehearsal.onmicrosoft.com")).status == 404


def test_members_are_added_once(graph_for: Any) -> None:
    _, graph = graph_for()
    me = graph.me()["id"]
    group = graph.post("groups", {**GROUP, "owners@odata.bind": [f"https://graph.microsoft.com/v1.0/directoryObjects/{me}"]})
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{me}"}
    assert graph.post(f"groups/{group['id']}/members/$ref", ref) is None  # 204
    twice = _refused(lambda: graph.post(f"groups/{group['id']}/members/$ref", ref))
    assert (twice.status, twice.message) == (400, "One or more added object references already exist for the "
                                                  "following modified properties: 'members'.")
    nobody = {"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/7f0e9d8c-1b2a-4c3d-9e8f-0a1b2c3d4e5f"}
    assert _refused(lambda: graph.post(f"groups/{group['id']}/members/$ref", nobody)).status == 404
    members = graph.get(f"groups/{group['id']}/members")["value"]
    assert [m["id"] for m in members] == [me] and members[0]["@odata.type"] == "#microsoft.graph.user"


def test_writes_without_the_right_are_403(graph_for: Any) -> None:
    _, graph = graph_for("no-directory-rights")
    denied = _refused(lambda: graph.post("groups", GROUP))
    assert (denied.status, denied.code, denied.message) == (403, "Authorization_RequestDenied",
                                                            "Insufficient privileges to complete the operation.")
    user = {"accountEnabled": True, "displayName": "x", "mailNickname": "x",
            "userPrincipalName": "x@contoso-rehearsal.onmicrosoft.com", "passwordProfile": {"password": "Aa1!Aa1!Aa1!"}}
    assert _refused(lambda: graph.post("users", user)).code == "Authorization_RequestDenied"


def test_a_guest_may_not_create_groups_though_members_may(graph_for: Any) -> None:
    _, graph = graph_for("guest-user")
    assert graph.get("me?$select=id,userType")["userType"] == "Guest"
    assert _refused(lambda: graph.post("groups", GROUP)).status == 403


def test_directory_objects_say_what_they_are_and_domains_say_if_verified(graph_for: Any) -> None:
    _, graph = graph_for("no-directory-rights")
    m365 = graph.get("directoryObjects/3c9a5e71-2f4b-4d86-a1e3-7b5c9d2f0a68")
    assert m365["@odata.type"] == "#microsoft.graph.group" and m365["groupTypes"] == ["Unified"]
    user = graph.get("directoryObjects/8d2b6f14-9e3a-4c57-b0a8-1f6e4d2c9b73")
    assert user["@odata.type"] == "#microsoft.graph.user"
    _, other = graph_for("domain-not-verified")
    domains = {d["id"]: d["isVerified"] for d in other.get("domains")["value"]}
    assert domains == {"contoso-rehearsal.onmicrosoft.com": True, "contoso.com": False}
