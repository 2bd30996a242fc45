"""The prerequisites Entra check (``checks.access.check_entra_group_rights``) against a real
RehearsalBackend, and the Graph behaviour it relies on: who may read the tenant's
authorization policy, and what Graph answers when they may not.

What the rehearsal is checked against (looked up with the search tool; corpora docs and issues):

- Permissions for ``GET /policies/authorizationPolicy``: Graph's "Get authorizationPolicy"
  page (https://learn.microsoft.com/graph/api/authorizationpolicy-get; source
  microsoftgraph/microsoft-graph-docs-contrib ``api-reference/v1.0/api/authorizationpolicy-get.md``):
  delegated Policy.Read.All (least privileged) or Policy.ReadWrite.Authorization, and the
  signed-in user must hold one of the roles in
  ``api-reference/v1.0/includes/rbac-for-apis/rbac-authorization-policy-apis-read.md``:
  Global Reader, Security Reader, Security Operator, Security Administrator, Cloud Device
  Administrator, License Administrator, Privileged Role Administrator. Role template ids from
  MicrosoftDocs/entra-docs ``docs/identity/role-based-access-control/permissions-reference.md``.
- The refusal: 403 with ``{"error": {"code": "Authorization_RequestDenied", "message":
  "Insufficient privileges to complete the operation.", "innerError": {"date", "request-id",
  "client-request-id"}}}``, as Graph returned it in OfficeDev/microsoft-teams-apps-champion-management#28
  (all three innerError keys) and microsoftgraph/nodejs-connect-rest-sample#69 ("403 Forbidden",
  same code and message); the innerError keys as in Graph's OpenAPI
  ``microsoft.graph.ODataErrors.InnerError`` (request-id "as tracked internally by the
  service", client-request-id "as sent by the client application", date); 403 meaning "the
  user does not have enough permission" per https://learn.microsoft.com/graph/errors.
- A token without the scope gets 403 ``AccessDenied`` "You cannot perform the requested
  operation, required scopes are missing in the token." (AlexFilipin/ConditionalAccess#10,
  Cyberlorians/Articles#11; facts-2026-12 §3 cites Azure/azure-cli#23906).
"""

from __future__ import annotations

import http.client
import json
import re
import ssl
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable
from urllib.parse import urlsplit

import pytest

from checks import access, roles
from steps.prerequisites import PREREQUISITES
from wizard.engine.checks_runner import run_one
from wizard.engine.contract import CheckStatus, StepContext
from wizard.rehearsal import routes_graph
from wizard.rehearsal.backend import RehearsalBackend
from wizard.rehearsal.faults import Fault
from wizard.rehearsal.http_types import Request
from wizard.rehearsal.scenario import load_scenario

MakeCtx = Callable[..., StepContext]

POLICY_PATH = "/v1.0/policies/authorizationPolicy"
ROLES_PATH = "/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole"
DENIED_CODE = "Authorization_RequestDenied"
DENIED_MESSAGE = "Insufficient privileges to complete the operation."
GROUPS_ADMIN = {"roleTemplateId": "fdd7a751-b60b-444a-984c-02652fe8fa1c", "displayName": "Groups Administrator"}
GLOBAL_READER = {"roleTemplateId": "f2ef992c-3afb-46b9-b7cf-a126ee74c451", "displayName": "Global Reader"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def entra_check() -> Any:
    """The check as the prerequisites step wires it."""
    [check] = [c for c in PREREQUISITES.checks if c.id == "prereq.entra"]
    assert check.run is access.check_entra_group_rights
    return check


def scenario_file(tmp_path: Path, name: str, entra: dict[str, Any]) -> str:
    """A one-off scenario (extends default) the backend loads by path."""
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"extends": "default", "description": name, "entra": entra}), encoding="utf-8")
    return str(path)


def graph_get(backend: RehearsalBackend, path: str, headers: dict[str, str] | None = None
              ) -> tuple[int, dict[str, str], Any]:
    """One raw HTTPS GET with a Graph token: no SDK between the test and the route."""
    token = backend.credential().get_token("https://graph.microsoft.com/.default").token
    split = urlsplit(backend.base_url)
    context = ssl.create_default_context(cafile=str(backend.ca_path))
    conn = http.client.HTTPSConnection(split.hostname, split.port, context=context, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}", "Accept": "application/json",
                                           **(headers or {})})
        response = conn.getresponse()
        body = json.loads(response.read() or b"null")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def assert_no_token(evidence: Any, ctx: StepContext) -> None:
    text = json.dumps(evidence)
    assert ctx.azure is not None
    token = ctx.azure.credential.get_token("https://graph.microsoft.com/.default").token
    assert token not in text and token.split(".")[1] not in text
    assert "bearer" not in text.lower() and "authorization\"" not in text.lower()


# -- the check -------------------------------------------------------------------------------

def test_default_scenario_passes(make_ctx: MakeCtx) -> None:
    ctx = make_ctx("default")
    finding = access.check_entra_group_rights(ctx)
    assert finding.status is CheckStatus.PASS
    assert finding.evidence["members_can_create_security_groups"] is True
    assert "denied" not in finding.evidence
    assert run_one(entra_check(), ctx).status is CheckStatus.PASS


def test_member_who_cannot_read_the_policy_gets_a_warning_with_a_remedy(make_ctx: MakeCtx) -> None:
    ctx = make_ctx("member-no-policy-read")
    finding = access.check_entra_group_rights(ctx)
    assert finding.status is CheckStatus.WARN
    # Why: the setting could not be read, and Graph's refusal is named.
    assert "default user setting" in finding.summary and "could not" in finding.summary.lower()
    assert POLICY_PATH.removeprefix("/v1.0") in finding.summary and f"403 {DENIED_CODE}" in finding.summary
    assert "role" in finding.summary and "Global Reader" in finding.summary
    # What the user can do about it.
    for words in ("Groups Administrator", "object id", "Entra ID step", "Users can create security groups",
                  "Groups > General", "Privileged Identity Management"):
        assert words in finding.remedy, words
    # Evidence: what was read, what was denied (status and code), and no token.
    evidence = finding.evidence
    assert evidence["members_can_create_security_groups"] is None
    assert evidence["directory_roles"] == [] and evidence["active_directory_roles"] == []
    assert evidence["read"] == [f"GET {ROLES_PATH}"]
    [denied] = evidence["denied"]
    assert denied["request"] == f"GET {POLICY_PATH}"
    assert (denied["status"], denied["code"], denied["message"]) == (403, DENIED_CODE, DENIED_MESSAGE)
    assert UUID.match(denied["request_id"]) and denied["client_request_id"]
    json.dumps(evidence)  # lands in the audit log as is
    assert_no_token(evidence, ctx)
    # Through the runner too: a warning, never an error.
    result = run_one(entra_check(), ctx)
    assert result.status is CheckStatus.WARN
    assert result.finding.evidence["denied"][0]["code"] == DENIED_CODE


def test_groups_administrator_who_cannot_read_the_policy_passes_via_the_role(make_ctx: MakeCtx) -> None:
    ctx = make_ctx("groups-admin-no-policy-read")
    finding = access.check_entra_group_rights(ctx)
    assert finding.status is CheckStatus.PASS
    assert "Groups Administrator" in finding.summary
    assert finding.evidence["directory_roles"] == ["Groups Administrator"]
    assert finding.evidence["members_can_create_security_groups"] is None
    assert [(d["request"], d["status"], d["code"]) for d in finding.evidence["denied"]] == [
        (f"GET {POLICY_PATH}", 403, DENIED_CODE)]
    assert run_one(entra_check(), ctx).status is CheckStatus.PASS


def test_a_role_list_refused_too_still_ends_as_a_warning(make_ctx: MakeCtx, fresh_backend: Any,
                                                         tmp_path: Path) -> None:
    backend = fresh_backend(scenario_file(tmp_path, "nothing-readable", {
        "authorizationPolicyReadable": False, "directoryRolesReadable": False, "directoryRoles": [GROUPS_ADMIN]}))
    ctx = make_ctx(backend=backend)
    result = run_one(entra_check(), ctx)
    assert result.status is CheckStatus.WARN
    evidence = result.finding.evidence
    assert [(d["request"], d["status"], d["code"]) for d in evidence["denied"]] == [
        (f"GET {POLICY_PATH}", 403, DENIED_CODE), (f"GET {ROLES_PATH}", 403, DENIED_CODE)]
    assert evidence["read"] == [] and evidence["directory_roles"] is None
    assert "directory roles could not be read" in result.finding.summary.lower()
    assert "Groups Administrator" in result.finding.remedy
    assert_no_token(evidence, ctx)


def test_a_token_without_policy_read_all_is_explained_as_such(make_ctx: MakeCtx, fresh_backend: Any,
                                                              tmp_path: Path) -> None:
    backend = fresh_backend(scenario_file(tmp_path, "no-scope", {
        "authorizationPolicyReadable": False, "authorizationPolicyDenial": "scope", "directoryRoles": []}))
    finding = access.check_entra_group_rights(make_ctx(backend=backend))
    assert finding.status is CheckStatus.WARN
    assert "403 AccessDenied" in finding.summary and "Policy.Read.All" in finding.summary
    assert finding.evidence["denied"][0]["message"] == routes_graph.SCOPES_MISSING[1]


def test_a_reader_role_may_read_the_policy_so_the_tenant_setting_decides(make_ctx: MakeCtx, fresh_backend: Any,
                                                                         tmp_path: Path) -> None:
    backend = fresh_backend(scenario_file(tmp_path, "global-reader", {
        "authorizationPolicyReadable": "byRole", "directoryRoles": [GLOBAL_READER],
        "authorizationPolicy": {"defaultUserRolePermissions": {"allowedToCreateSecurityGroups": False}}}))
    finding = access.check_entra_group_rights(make_ctx(backend=backend))
    # The policy was read (no denial); members may not create groups and Global Reader cannot either.
    assert finding.status is CheckStatus.WARN
    assert finding.evidence == {"members_can_create_security_groups": False, "directory_roles": []}


@pytest.mark.parametrize("path", [POLICY_PATH, ROLES_PATH])
def test_a_graph_outage_is_reported_as_an_error_with_graphs_code(make_ctx: MakeCtx, fresh_backend: Any,
                                                                 path: str) -> None:
    backend = fresh_backend("member-no-policy-read")
    backend.faults.add(Fault(method="GET", path_regex=re.escape(path) + "$", kind="status", status=503, times=20,
                             code="ServiceUnavailable", message="The service is temporarily unavailable."))
    result = run_one(entra_check(), make_ctx(backend=backend))
    assert result.status is CheckStatus.ERROR
    assert "ServiceUnavailable" in result.finding.summary
    assert result.finding.evidence["error_code"] == "ServiceUnavailable"


# -- the route -------------------------------------------------------------------------------

def test_the_route_answers_graphs_exact_403(backend_for: Callable[[str], RehearsalBackend]) -> None:
    """Raw HTTPS against the rehearsal: status 403, Graph's code and message word for word, and
    the innerError shape (date, request-id, client-request-id) - see the module docstring for
    the sources (Graph's authorizationPolicy-get permissions page and its RBAC include; Graph's
    InnerError schema; real Authorization_RequestDenied bodies in OfficeDev/
    microsoft-teams-apps-champion-management#28 and microsoftgraph/nodejs-connect-rest-sample#69)."""
    backend = backend_for("member-no-policy-read")
    sent = str(uuid.uuid4())
    status, headers, body = graph_get(backend, POLICY_PATH, {"client-request-id": sent})
    assert status == 403
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "innerError"}
    assert error["code"] == "Authorization_RequestDenied"
    assert error["message"] == "Insufficient privileges to complete the operation."
    inner = error["innerError"]
    assert set(inner) == {"date", "request-id", "client-request-id"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", inner["date"])
    assert UUID.match(inner["request-id"])
    assert headers["request-id"] == inner["request-id"]
    assert headers["client-request-id"] == inner["client-request-id"]
    if "headers" in Request.__dataclass_fields__:  # the HTTP layer hands handlers the request's headers
        assert inner["client-request-id"] == sent
    else:  # it does not (yet): Graph's fallback, the request id
        assert inner["client-request-id"] == inner["request-id"]
    # The same backend still answers what any member may read.
    status, _, roles_body = graph_get(backend, ROLES_PATH)
    assert status == 200 and roles_body["value"] == []


def test_the_handler_echoes_the_clients_request_id() -> None:
    """Graph echoes ``client-request-id``; the handler does whenever the Request carries headers."""
    world = SimpleNamespace(scenario=load_scenario("member-no-policy-read"))  # all the handler reads
    req = Request("GET", POLICY_PATH, {}, None, {}, world)  # type: ignore[arg-type]
    req.headers = {"client-request-id": "9f1c2b7e-0000-4000-8000-00000000abcd"}  # the server lower-cases names
    response = routes_graph.authorization_policy(req)
    assert response.status == 403
    inner = response.body["error"]["innerError"]
    assert inner["client-request-id"] == "9f1c2b7e-0000-4000-8000-00000000abcd"
    assert response.headers == {"request-id": inner["request-id"], "client-request-id": inner["client-request-id"]}


@pytest.mark.parametrize("role, readable", [
    (GLOBAL_READER, True),
    ({"roleTemplateId": "62e90394-69f5-4237-9190-012177145e10", "displayName": "Global Administrator"}, True),
    ({"roleTemplateId": "5d6b6bb7-de71-4623-b4af-96380a352509", "displayName": "Security Reader"}, True),
    (GROUPS_ADMIN, False),
    (None, False),
])
def test_by_role_follows_graphs_documented_roles(role: dict[str, str] | None, readable: bool) -> None:
    entra = {"authorizationPolicyReadable": "byRole", "directoryRoles": [role] if role else []}
    assert routes_graph.may_read_authorization_policy(entra) is readable
    assert routes_graph.may_read_authorization_policy({"directoryRoles": []}) is True  # default: readable
    assert routes_graph.may_read_authorization_policy({"authorizationPolicyReadable": False,
                                                       "directoryRoles": [GLOBAL_READER]}) is False


def test_the_checks_reader_list_matches_the_rehearsals() -> None:
    """The check explains a 403 with the same roles the rehearsal enforces (Global Administrator
    aside, which Graph does not list as least privileged): both read one data file."""
    rehearsal = dict(routes_graph.AUTHORIZATION_POLICY_READER_ROLES)
    assert rehearsal.pop("62e90394-69f5-4237-9190-012177145e10") == "Global Administrator"
    assert rehearsal == roles.AUTHORIZATION_POLICY_READER_ROLES
    assert "f2ef992c-3afb-46b9-b7cf-a126ee74c451" in rehearsal  # Global Reader, from the data file


def test_the_new_scenarios_load() -> None:
    for name in ("member-no-policy-read", "groups-admin-no-policy-read"):
        entra = load_scenario(name).entra
        assert entra["authorizationPolicyReadable"] == "byRole"
        assert routes_graph.may_read_authorization_policy(entra) is False
