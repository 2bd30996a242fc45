"""Step 3 (identity) end to end against the rehearsal's Microsoft Graph over real HTTPS: the
groups and the break-glass user are created once, after approval, with the caller as owner;
the temporary password never leaves the secret store; a resume finds what an interrupted
attempt made; throttling and refusals read like Graph's; a caller without directory rights
adopts the identity team's groups."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.engine.flow import (Recorder, audit_records, decide_and_check, journal, kinds,
                               not_passing, open_workspace, records_of)
from wizard.engine.arm import AzureCallFailed
from wizard.engine.events import ActionProgress
from wizard.rehearsal.faults import Fault
from wizard.session.store import SessionStore
from wizard.workspace import Workspace

ADOPTED_ADMIN = "6a1f3c2e-8b4d-4e7a-9c05-2d8e1f4b7a31"  # assets/scenarios/no-directory-rights.json
ADOPTED_READER = "0b7e2d4c-5a91-4f3b-8e62-9c1d3a5f7e24"
M365_GROUP = "3c9a5e71-2f4b-4d86-a1e3-7b5c9d2f0a68"
A_USER = "8d2b6f14-9e3a-4c57-b0a8-1f6e4d2c9b73"


def _writes(session_dir: Path) -> list[tuple[str, str, int]]:
    return [(e["method"], e["path"], e["status"]) for e in journal(session_dir) if e["method"] != "GET"]


def _prerequisites(ws: Workspace) -> None:
    """Step 1, accepting its Entra warning where the scenario's caller may not create groups:
    the identity step is where that is decided."""
    runner = decide_and_check(ws, "prerequisites")
    if runner.state.checks["prereq.entra"]["status"] == "warn":
        runner.override("prereq.entra", "The identity team gives us the group ids to adopt.")
    assert runner.blocking() == [], runner.state.checks
    runner.complete_without_action()


def state_id(ws: Workspace, key: str) -> str:
    return str(ws.session.step("identity").directory[key]["id"])


def _identity(ws: Workspace, sink: Recorder | None = None, **answers: object):  # noqa: ANN202 - StepRunner
    _prerequisites(ws)
    return decide_and_check(ws, "identity", sink, **answers)


def test_defaults_create_two_groups_and_the_user_once_after_approval(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        runner = _identity(ws)
        assert not_passing(runner) == {}
        preview = runner.preview()
        assert [c.change_type for c in preview.changes] == ["Create"] * 5
        assert preview.changes[-1].name.startswith("you (the signed-in user) → ")
        assert _writes(ws.session.dir) == [], "nothing is written before approval"
        runner.approve()
        outputs = runner.deploy()
        writes = _writes(ws.session.dir)
        assert [w[:2] for w in writes if w[2] < 400] == [
            ("POST", "/v1.0/groups"), ("POST", "/v1.0/groups"), ("POST", "/v1.0/users"),
            ("POST", f"/v1.0/groups/{outputs['admin_group_id']}/members/$ref"),
            ("POST", f"/v1.0/groups/{outputs['admin_group_id']}/members/$ref")]
        me = ws.azure.actor().object_id
        added = records_of(ws.session.dir, "directory.member-added", "identity")
        assert {r["data"]["member"] for r in added} == {me, state_id(ws, "break_glass")}, \
            "the operator joins the admin group (run command uses their identity), the break-glass user too"
        approved_at = kinds(ws.session.dir, "identity").index("preview.approved")
        assert "directory.creating" not in kinds(ws.session.dir, "identity")[:approved_at]

        created = records_of(ws.session.dir, "directory.created", "identity")
        assert {r["data"]["key"] for r in created} == {"admin_group", "reader_group", "break_glass"}
        assert all(r["data"]["created_by_session"] for r in created)
        assert outputs["rbac_model"] == "azure" and outputs["k8s_rbac_tenant_id"] == outputs["azure_tenant_id"]
        assert outputs["break_glass_upn"] == "bu0001a000800-admin@contoso-rehearsal.onmicrosoft.com"
        state = ws.session.step("identity").directory
        assert state["admin_group"]["id"] == outputs["admin_group_id"] and state["admin_group"]["created_by_session"]

        # the caller owns the groups (sent explicitly), the user must change the password
        posted = [e for e in journal(ws.session.dir) if e["method"] == "POST" and e["path"] == "/v1.0/groups"]
        me = ws.azure.actor().object_id
        assert all(e["request"]["owners@odata.bind"] == [f"https://graph.microsoft.com/v1.0/directoryObjects/{me}"]
                   for e in posted)
        user = next(e for e in journal(ws.session.dir) if e["method"] == "POST" and e["path"] == "/v1.0/users")
        assert user["request"]["passwordProfile"]["forceChangePasswordNextSignIn"] is True


def test_the_temporary_password_is_in_the_secret_store_only(tmp_path: Path) -> None:
    sink = Recorder()
    with open_workspace(tmp_path) as ws:
        runner = _identity(ws, sink)
        runner.preview()
        runner.approve()
        outputs = runner.deploy()
        path = ws.session.secrets.path("identity.break-glass.password")
        password = path.read_text()
        assert len(password) >= 16 and stat.S_IMODE(path.stat().st_mode) == 0o600
        session_dir = ws.session.dir
        for name in ("audit.jsonl", "state.json", "rehearsal-journal.jsonl"):
            assert password not in (session_dir / name).read_text(), name
        assert password not in json.dumps(outputs) and password not in repr(sink.events)
        created = next(r for r in records_of(session_dir, "directory.created", "identity")
                       if r["data"]["key"] == "break_glass")
        assert created["data"]["password_fingerprint"].startswith("sha256:")
        assert created["data"]["stored_as"] == "identity.break-glass.password"


class _StopAt:
    """A sink that stops the run (as a kill would) when a progress message starts with ``prefix``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, event: object) -> None:
        if isinstance(event, ActionProgress) and event.message.startswith(self.prefix):
            raise KeyboardInterrupt("killed")


def test_a_resume_after_a_kill_between_the_groups_and_the_user_creates_no_duplicate(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        runner = _identity(ws)
        runner.preview()
        runner.approve()
        killed = ws.runner("identity", _StopAt("Creating user"))
        with pytest.raises(KeyboardInterrupt):
            killed.deploy()
        session_dir = ws.session.dir
    resumed = Workspace.resume(SessionStore(tmp_path / "sessions"), session_dir.name, pace=6000.0)
    try:
        again = resumed.runner("identity", Recorder())
        preview = again.preview()
        assert [c.change_type for c in preview.changes] == ["NoChange", "NoChange", "Create", "Create", "Create"]
        again.approve()
        again.deploy()
        group_posts = [w for w in _writes(session_dir) if w[1] == "/v1.0/groups"]
        assert len(group_posts) == 2, group_posts
        assert len([w for w in _writes(session_dir) if w[1] == "/v1.0/users"]) == 1
    finally:
        resumed.close()


def test_an_object_made_by_a_request_whose_answer_was_lost_is_recognised(tmp_path: Path) -> None:
    """Killed after Graph created the group but before the wizard recorded it: the intent record
    (``directory.creating``) says it is this session's, so the retry adopts it as created."""
    with open_workspace(tmp_path) as ws:
        runner = _identity(ws, reader_group_mode="none", break_glass="skip")
        runner.preview()
        runner.approve()
        graph = ws.azure.graph()
        made = graph.post("groups", {"displayName": "cluster-admins-bu0001a000800", "mailEnabled": False,
                                     "mailNickname": "cluster-admins-bu0001a000800", "securityEnabled": True})
        runner.state.directory["admin_group"] = {"kind": "group", "mailNickname": "cluster-admins-bu0001a000800",
                                                 "status": "creating"}
        outputs = runner.deploy()
        assert outputs["admin_group_id"] == made["id"]
        assert len([w for w in _writes(ws.session.dir) if w[1] == "/v1.0/groups"]) == 1  # only the lost one
        record = records_of(ws.session.dir, "directory.created", "identity")[-1]
        assert record["data"]["recovered"] is True and record["data"]["created_by_session"] is True


def test_graph_throttling_is_retried_after_retry_after(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        runner = _identity(ws)
        runner.preview()
        runner.approve()
        ws.backend.faults.add(Fault(method="POST", path_regex=r"^/v1\.0/groups$", kind="throttle", retry_after=0.01))
        runner.deploy()
        statuses = [w[2] for w in _writes(ws.session.dir) if w[1] == "/v1.0/groups"]
        assert statuses == [429, 201, 201]


def test_a_refused_user_create_names_the_object_and_a_retry_creates_no_second_group(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        runner = _identity(ws)
        runner.preview()
        runner.approve()
        ws.backend.faults.add(Fault(method="POST", path_regex=r"^/v1\.0/users$", kind="status", status=409,
                                    code="Request_BadRequest", message="Another object is being created."))
        with pytest.raises(AzureCallFailed) as failed:
            runner.deploy()
        failure = failed.value.failure
        assert failure.resource == "entra/break_glass" and failure.status == 409 and failure.code == "Request_BadRequest"
        assert ws.session.step("identity").status == "failed"
        retry = ws.runner("identity", Recorder())
        retry.preview()
        retry.approve()
        retry.deploy()
        assert len([w for w in _writes(ws.session.dir) if w[1] == "/v1.0/groups" and w[2] == 201]) == 2


def test_without_directory_rights_the_step_says_which_ids_to_get_and_adopting_them_works(tmp_path: Path) -> None:
    with open_workspace(tmp_path, "no-directory-rights") as ws:
        runner = _identity(ws)
        checks = runner.state.checks
        assert checks["identity.rights"]["status"] == "fail"
        assert "cluster-admin security group" in checks["identity.rights"]["remedy"]
        assert "Adopt" in checks["identity.rights"]["remedy"]
        assert "override" not in checks["identity.rights"]["remedy"]  # a failure cannot be overridden: never offered
        runner = decide_and_check(ws, "identity", admin_group_mode="adopt", admin_group_id=ADOPTED_ADMIN,
                                  reader_group_mode="adopt", reader_group_id=ADOPTED_READER, break_glass="skip")
        assert not_passing(runner) == {}, runner.state.checks
        preview = runner.preview()
        assert [c.change_type for c in preview.changes] == ["Adopt", "Adopt"]
        runner.approve()
        outputs = runner.deploy()
        assert outputs["admin_group_id"] == ADOPTED_ADMIN and outputs["reader_group_id"] == ADOPTED_READER
        assert outputs["break_glass_upn"] == ""
        assert _writes(ws.session.dir) == [], "adopting writes nothing to the directory"
        adopted = records_of(ws.session.dir, "directory.adopted", "identity")
        assert {r["data"]["id"] for r in adopted} == {ADOPTED_ADMIN, ADOPTED_READER}
        assert not any(r["data"]["created_by_session"] for r in adopted)


@pytest.mark.parametrize("object_id, expected", [
    (M365_GROUP, "Microsoft 365 group"), (A_USER, "not a group"),
    ("7f0e9d8c-1b2a-4c3d-9e8f-0a1b2c3d4e5f", "no directory object")])
def test_an_adopted_id_must_name_a_security_group(tmp_path: Path, object_id: str, expected: str) -> None:
    with open_workspace(tmp_path, "no-directory-rights") as ws:
        runner = _identity(ws, admin_group_mode="adopt", admin_group_id=object_id, reader_group_mode="none",
                           break_glass="skip")
        check = runner.state.checks["identity.adopted-groups"]
        assert check["status"] == "fail" and expected in check["summary"], check


def test_an_adopted_id_that_is_not_a_guid_is_a_field_error(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        _prerequisites(ws)
        runner = ws.runner("identity")
        errors = runner.submit_decisions({**runner.defaults(), "admin_group_mode": "adopt",
                                          "admin_group_id": "cluster-admins"})
        assert "GUID" in errors["admin_group_id"] and not runner.state.answers


def test_a_taken_group_name_offers_the_existing_group(tmp_path: Path) -> None:
    with open_workspace(tmp_path, "group-name-taken") as ws:
        runner = _identity(ws)
        check = runner.state.checks["identity.names-free"]
        assert check["status"] == "fail" and "4e8c1a7d-3b59-4f20-9d6e-5a2c8b1f3e97" in check["remedy"]
        runner = decide_and_check(ws, "identity", admin_group_mode="adopt",
                                  admin_group_id="4e8c1a7d-3b59-4f20-9d6e-5a2c8b1f3e97")
        assert runner.state.checks["identity.names-free"]["status"] == "pass"  # only the reader group is created


def test_a_break_glass_user_in_an_unverified_domain_is_refused(tmp_path: Path) -> None:
    with open_workspace(tmp_path, "domain-not-verified") as ws:
        runner = _identity(ws, break_glass_upn="bu0001a000800-admin@contoso.com")
        check = runner.state.checks["identity.upn-domain"]
        assert check["status"] == "fail" and "not verified" in check["summary"]
        assert "contoso-rehearsal.onmicrosoft.com" in check["remedy"]


def test_an_existing_break_glass_user_is_reported(tmp_path: Path) -> None:
    with open_workspace(tmp_path, "no-directory-rights") as ws:
        runner = _identity(ws, break_glass_upn="robin@contoso-rehearsal.onmicrosoft.com")
        assert runner.state.checks["identity.user-free"]["status"] == "fail"


def test_a_guest_may_not_create_groups(tmp_path: Path) -> None:
    with open_workspace(tmp_path, "guest-user") as ws:
        runner = _identity(ws, break_glass="skip")
        check = runner.state.checks["identity.rights"]
        assert check["status"] == "fail" and "guest" in check["summary"]


def test_another_kubernetes_tenant_needs_adopted_ids_and_kubernetes_rbac(tmp_path: Path) -> None:
    other = "2b4d6f80-1a3c-4e5f-8a9b-0c1d2e3f4a5b"
    with open_workspace(tmp_path) as ws:
        _prerequisites(ws)
        runner = ws.runner("identity")
        errors = runner.submit_decisions({**runner.defaults(), "k8s_tenant_id": other})
        assert "Kubernetes RBAC" in errors["rbac_model"]
        runner = decide_and_check(ws, "identity", k8s_tenant_id=other, rbac_model="kubernetes")
        assert runner.state.checks["identity.tenant"]["status"] == "fail"


def test_every_identity_record_keeps_the_audit_chain(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        runner = _identity(ws)
        runner.preview()
        runner.approve()
        runner.deploy()
        records = audit_records(ws.session.dir)
        creating = [r for r in records if r["kind"] == "directory.creating"]
        created = [r for r in records if r["kind"] == "directory.created"]
        assert len(creating) == len(created) == 3
        for intent, done in zip(creating, created):
            assert intent["seq"] < done["seq"] and intent["data"]["key"] == done["data"]["key"]
