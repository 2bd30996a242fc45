"""Decisions and the session folder: wizard/engine/fields.validate for every FieldKind, the
validators the built steps declare, and wizard/session (store, lock, atomic writes, secret
store) together with StepRunner.submit_decisions' all-or-nothing recording."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from steps import REGISTRY
from steps.hub import HUB
from steps.prerequisites import PREREQUISITES
from steps.tls_certificates import TLS_CERTIFICATES
from wizard.engine.contract import Choice, Field, FieldKind, StepContext, StepDefinition
from wizard.engine.fields import validate
from wizard.engine.runner import StepRunner
from wizard.session import atomic
from wizard.session.atomic import write_atomic, write_json_atomic
from wizard.session.lock import SessionLock, SessionLocked
from wizard.session.secrets import SecretStore, fingerprint
from wizard.session.state import StepStatus
from wizard.session.session import Session
from wizard.session.store import SessionStore

CTX = StepContext(step_id="demo", answers={}, outputs={}, mode="rehearsal")


def _boom(value: Any, ctx: StepContext) -> str | None:
    raise RuntimeError("lookup exploded")


def _even(value: Any, ctx: StepContext) -> str | None:
    return None if value % 2 == 0 else "Count must be even."


def _second(value: Any, ctx: StepContext) -> str | None:
    return "Second validator ran." if value % 2 else None  # only reached if the first did not stop


def _sees_other_answers(value: Any, ctx: StepContext) -> str | None:
    return None if ctx.answers.get("count") == 4 else f"saw count={ctx.answers.get('count')!r}"


DEMO = StepDefinition(
    id="demo", title="Demo", summary="", lesson="", built=True,
    fields=(
        Field("name", "Name", ""),
        Field("count", "Count", "", kind=FieldKind.INT, validators=(_even, _second)),
        Field("flag", "Flag", "", kind=FieldKind.BOOL, default=False),
        Field("tier", "Tier", "", kind=FieldKind.CHOICE, default="Premium",
              choices=(Choice("Premium", "Premium"), Choice("Standard", "Standard"))),
        Field("file", "File", "", kind=FieldKind.PATH, required=False),
        Field("extra", "Extra", "", kind=FieldKind.INT, visible_when=lambda a: a.get("flag") is True,
              validators=(_even,)),
        Field("fragile", "Fragile", "", required=False, validators=(_boom,)),
    ),
)

GOOD = {"name": "x", "count": "4", "flag": "no", "tier": "premium", "file": "/tmp/f"}


# -- fields.validate -------------------------------------------------------------------------

def test_validate_parses_every_kind() -> None:
    values, errors = validate(DEMO, GOOD, CTX)
    assert errors == {}
    assert values == {"name": "x", "count": 4, "flag": False, "tier": "Premium", "file": "/tmp/f", "fragile": None}


@pytest.mark.parametrize("raw, typed", [("yes", True), ("Y", True), ("on", True), ("1", True), (True, True),
                                        ("no", False), ("OFF", False), ("0", False), (False, False)])
def test_bool_accepts_the_usual_spellings(raw: Any, typed: bool) -> None:
    values, errors = validate(DEMO, dict(GOOD, flag=raw, extra="2"), CTX)
    assert errors == {} and values["flag"] is typed


@pytest.mark.parametrize("field, raw, message", [
    ("count", "4x", "Count must be a whole number (got '4x')."),
    ("count", "4.5", "Count must be a whole number (got '4.5')."),
    ("flag", "maybe", "Flag must be yes or no (got 'maybe')."),
    ("tier", "Gold", "Tier must be one of: Premium, Standard (got 'Gold')."),
    ("name", "   ", "Name is required."),
    ("count", "", "Count is required."),
])
def test_bad_input_gives_one_field_level_message(field: str, raw: str, message: str) -> None:
    values, errors = validate(DEMO, dict(GOOD, **{field: raw}), CTX)
    assert errors == {field: message}
    assert field not in values


def test_defaults_fill_missing_answers_and_optional_fields_may_be_empty() -> None:
    values, errors = validate(DEMO, {"name": "x", "count": 2, "file": ""}, CTX)
    assert errors == {}
    assert values["flag"] is False and values["tier"] == "Premium" and values["file"] is None


def test_validators_get_parsed_values_and_stop_at_the_first_message() -> None:
    _, errors = validate(DEMO, dict(GOOD, count="3"), CTX)
    assert errors == {"count": "Count must be even."}


def test_validators_see_the_other_parsed_answers() -> None:
    step = StepDefinition(id="x", title="X", summary="", lesson="", built=True, fields=(
        Field("name", "Name", "", validators=(_sees_other_answers,)),
        Field("count", "Count", "", kind=FieldKind.INT)))
    assert validate(step, {"name": "a", "count": "4"}, CTX)[1] == {}
    assert validate(step, {"name": "a", "count": "6"}, CTX)[1] == {"name": "saw count=6"}


def test_visible_when_hides_fields_and_their_errors() -> None:
    values, errors = validate(DEMO, dict(GOOD, flag="no", extra="not a number"), CTX)
    assert errors == {} and "extra" not in values
    values, errors = validate(DEMO, dict(GOOD, flag="yes", extra="not a number"), CTX)
    assert errors == {"extra": "Extra must be a whole number (got 'not a number')."}
    _, errors = validate(DEMO, dict(GOOD, flag="yes", extra="3"), CTX)
    assert errors == {"extra": "Count must be even."}
    values, errors = validate(DEMO, dict(GOOD, flag="yes", extra="2"), CTX)
    assert errors == {} and values["extra"] == 2


def test_a_validator_exception_becomes_a_message() -> None:
    _, errors = validate(DEMO, dict(GOOD, fragile="anything"), CTX)
    assert errors == {"fragile": "Could not validate Fragile: lookup exploded"}


# -- the built steps' validators ---------------------------------------------------------------

def _check(step: StepDefinition, field_id: str, value: Any, ctx: StepContext = CTX) -> str | None:
    field = step.field(field_id)
    assert field.validators, f"{step.id}.{field_id} declares no validator"
    for validator in field.validators:
        message = validator(value, ctx)
        if message:
            return message
    return None


def test_every_validator_in_the_built_steps_is_covered() -> None:
    declared = {(s.id, f.id) for s in (PREREQUISITES, HUB, TLS_CERTIFICATES) for f in s.fields if f.validators}
    covered = {(s.id, f) for s, f, _, _ in VALIDATOR_CASES}
    assert declared == covered


VALIDATOR_CASES: list[tuple[StepDefinition, str, Any, Any]] = [
    (TLS_CERTIFICATES, "listener_host", "bicycle.contoso.com", "bicycle..contoso.com"),
    (TLS_CERTIFICATES, "ingress_wildcard", "*.aks-ingress.contoso.com", "*.com"),
    (TLS_CERTIFICATES, "ingress_validity_days", 365, 0),
    (PREREQUISITES, "region", "eastus2", "East US 2"),
    (HUB, "location", "eastus2", "East US 2"),
    (HUB, "resource_group", "rg-enterprise-networking-hubs-eastus2", "rg#hub"),
    (HUB, "hub_cidr", "10.200.0.0/24", "10.200.0.1/24"),
    (HUB, "firewall_subnet", "10.200.0.0/26", "10.200.0.0"),
    (HUB, "gateway_subnet", "10.200.0.64/27", "fd00::/64"),
    (HUB, "bastion_subnet", "10.200.0.128/26", "10.200.0.300/26"),
    (HUB, "firewall_management_subnet", "10.200.0.192/26", ""),
    (HUB, "firewall_public_ips", 3, 251),
    (HUB, "log_retention_days", 30, 10),
    (HUB, "vnet_name", "vnet-eastus2-hub", "v" * 65),
    (HUB, "firewall_name", "f" * 50, "f" * 51),
    (HUB, "firewall_policy_name", "fw-policies-eastus2", "fw policy!"),
    (HUB, "bastion_name", "ab-eastus2", "-ab"),
    (HUB, "log_analytics_name", "la-hub-eastus2", "la"),
    (TLS_CERTIFICATES, "domain", "contoso.com", "https://x"),
    (TLS_CERTIFICATES, "validity_days", 365, 826),
    (TLS_CERTIFICATES, "listener_pfx_path", "<existing>", "<missing>"),
    (TLS_CERTIFICATES, "listener_cert_path", "<existing>", "<missing>"),
    (TLS_CERTIFICATES, "listener_key_path", "<existing>", "<missing>"),
]


@pytest.mark.parametrize("step, field_id, good, bad", VALIDATOR_CASES,
                         ids=[f"{s.id}.{f}" for s, f, _, _ in VALIDATOR_CASES])
def test_step_validator_accepts_good_and_rejects_bad(step: StepDefinition, field_id: str, good: Any, bad: Any,
                                                     tmp_path: Path) -> None:
    existing = tmp_path / "listener.pfx"
    existing.write_bytes(b"x")
    paths = {"<existing>": str(existing), "<missing>": str(tmp_path / "nope.pfx")}
    good, bad = paths.get(good, good) if isinstance(good, str) else good, paths.get(bad, bad) if isinstance(bad, str) else bad
    assert _check(step, field_id, good) is None
    message = _check(step, field_id, bad)
    assert message and isinstance(message, str)


def test_validator_messages_say_what_is_wrong(tmp_path: Path) -> None:
    assert "did you mean 10.200.0.0/24" in (_check(HUB, "hub_cidr", "10.200.0.1/24") or "")
    assert "at most 50 characters (this one has 51)" in (_check(HUB, "firewall_name", "f" * 51) or "")
    assert _check(HUB, "log_retention_days", 10) == "Log Analytics retention must be between 30 and 730 days."
    assert _check(HUB, "log_retention_days", 730) is None and _check(HUB, "log_retention_days", 731)
    assert _check(HUB, "firewall_public_ips", 0) and _check(HUB, "firewall_public_ips", 250) is None
    assert "no scheme" in (_check(TLS_CERTIFICATES, "domain", "https://x") or "")
    assert _check(TLS_CERTIFICATES, "domain", "Contoso.COM") is None
    assert _check(TLS_CERTIFICATES, "validity_days", 0) and _check(TLS_CERTIFICATES, "validity_days", 825) is None
    missing = tmp_path / "missing.pfx"
    assert _check(TLS_CERTIFICATES, "listener_pfx_path", str(missing)) == f"No file at {missing}."
    assert _check(TLS_CERTIFICATES, "listener_pfx_path", str(tmp_path))  # a folder is not a file
    assert "short region name" in (_check(PREREQUISITES, "region", "East US 2") or "")


def test_hub_validate_with_defaults_and_one_bad_field() -> None:
    ctx = StepContext(step_id="hub", answers={}, outputs={"prerequisites": {"region": "westeurope"}},
                      mode="rehearsal")
    values, errors = validate(HUB, {}, ctx)
    assert errors == {}
    assert values["firewall_name"] == "fw-westeurope" and values["location"] == "westeurope"
    assert "firewall_management_subnet" not in values  # only shown for Basic
    values, errors = validate(HUB, {"firewall_tier": "Basic", "firewall_management_subnet": "10.200.0.193/26"}, ctx)
    assert set(errors) == {"firewall_management_subnet"}


# -- session store and lock --------------------------------------------------------------------

def test_store_create_list_open(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    assert store.list() == []
    session = store.create("rehearsal", "no-zones")
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", session.id)
    assert stat.S_IMODE(session.dir.stat().st_mode) == 0o700
    state = json.loads((session.dir / "state.json").read_text())
    assert (state["id"], state["mode"], state["scenario"]) == (session.id, "rehearsal", "no-zones")
    [summary] = store.list()
    assert (summary.id, summary.mode, summary.status, summary.path) == (session.id, "rehearsal", "in progress",
                                                                         str(session.dir))
    session.state.current_step = "hub"
    session.save()
    session.close()

    again = store.open(session.id)
    try:
        assert again.state.current_step == "hub" and again.state.scenario == "no-zones"
        assert store.resolve(str(session.dir)) == session.dir
    finally:
        again.close()


def test_a_second_open_is_refused_until_close(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    first = store.create("rehearsal")
    with pytest.raises(SessionLocked) as exc:
        store.open(first.id)
    message = str(exc.value)
    assert first.id in message and "already open" in message and f"pid {os.getpid()}" in message
    assert exc.value.session_dir == first.dir
    first.close()
    second = store.open(first.id)
    try:
        with pytest.raises(SessionLocked):
            SessionLock(first.dir).acquire()
    finally:
        second.close()
    lock = SessionLock(first.dir)
    lock.acquire()
    lock.release()


def test_open_unknown_session_says_where_it_looked(tmp_path: Path) -> None:
    from wizard.session.store import SessionNotFound

    with pytest.raises(SessionNotFound, match="nope"):
        SessionStore(tmp_path).open("nope")


# -- atomic writes -----------------------------------------------------------------------------

def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_json_atomic_writes_0600_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "state.json"
    write_json_atomic(target, {"b": 1, "a": [1, 2]})
    assert json.loads(target.read_text()) == {"a": [1, 2], "b": 1}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _leftovers(target.parent) == []


def test_unserialisable_object_leaves_old_content(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_json_atomic(target, {"version": 1})
    before = target.read_bytes()
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(ValueError):
        write_json_atomic(target, {"version": 2, "loop": loop})
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_failure_mid_write_removes_the_temp_file_and_keeps_old_content(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "state.json"
    write_json_atomic(target, {"version": 1})
    before = target.read_bytes()
    seen: list[str] = []

    def failing_fsync(fd: int) -> None:  # the new bytes are in the temp file by now
        seen.extend(_leftovers(tmp_path))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_json_atomic(target, {"version": 2})
    monkeypatch.undo()
    assert seen and seen[0].startswith(".state.json.")  # a temp file existed, next to the target
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_failure_at_rename_keeps_old_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "blob"
    write_atomic(target, b"old")

    def failing_replace(src: Any, dst: Any) -> None:
        raise PermissionError("denied")

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(PermissionError):
        write_atomic(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


# -- secret store ------------------------------------------------------------------------------

def test_secret_store_permissions_and_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir(mode=0o755)
    os.chmod(tmp_path / "secrets", 0o755)  # a loose folder is tightened on first put
    store = SecretStore(tmp_path)
    fp = store.put("tls.listener-password", "hunter2-but-longer")
    assert fp == "sha256:" + hashlib.sha256(b"hunter2-but-longer").hexdigest()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", fp)
    assert fingerprint(b"hunter2-but-longer") == fp
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path("tls.listener-password").stat().st_mode) == 0o600
    assert store.get("tls.listener-password") == "hunter2-but-longer"
    assert store.get("absent") is None
    assert store.names() == ["tls.listener-password"]
    store.put("key.pem", b"\x00binary")
    assert stat.S_IMODE(store.path("key.pem").stat().st_mode) == 0o600
    assert store.get_bytes("key.pem") == b"\x00binary"


@pytest.mark.parametrize("name", ["../escape", "Upper", "", "a/b", ".hidden"])
def test_secret_store_refuses_unsafe_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="invalid secret name"):
        SecretStore(tmp_path).put(name, "x")
    assert not (tmp_path / "escape").exists()


# -- StepRunner.submit_decisions ---------------------------------------------------------------

@pytest.fixture
def session(tmp_path: Path) -> Any:
    s = SessionStore(tmp_path / "home").create("rehearsal")
    prereq = s.step("prerequisites")
    prereq.status = StepStatus.DONE
    prereq.outputs = {"region": "eastus2", "subscription_id": "sub", "tenant_id": "tenant"}
    s.save()
    yield s
    s.close()


def _state_file(session: Session) -> dict[str, Any]:
    return json.loads((session.dir / "state.json").read_text())


def test_invalid_field_records_nothing(session: Session) -> None:
    runner = StepRunner(session, HUB, REGISTRY, azure=None)
    assert runner.submit_decisions({}) == {}
    accepted = dict(session.step("hub").answers)
    assert accepted["firewall_name"] == "fw-eastus2"
    count = len(session.audit.records())
    on_disk = _state_file(session)

    errors = runner.submit_decisions({"firewall_name": "f" * 51, "log_retention_days": "10"})
    assert set(errors) == {"firewall_name", "log_retention_days"}
    assert "51" in errors["firewall_name"]
    assert len(session.audit.records()) == count
    assert session.step("hub").answers == accepted
    assert _state_file(session) == on_disk


def test_valid_decisions_record_one_audit_entry_per_visible_field(session: Session) -> None:
    runner = StepRunner(session, HUB, REGISTRY, azure=None)
    before = len(session.audit.records())
    assert runner.submit_decisions({"firewall_tier": "standard", "log_retention_days": "90"}) == {}
    records = session.audit.records()[before:]
    decided = [r.data["field"] for r in records if r.kind == "decision.recorded"]
    assert decided == [f.id for f in HUB.fields if f.id != "firewall_management_subnet"]
    tier = next(r.data for r in records if r.data.get("field") == "firewall_tier")
    assert (tier["value"], tier["default"], tier["default_accepted"]) == ("Standard", "Premium", False)
    assert _state_file(session)["steps"]["hub"]["answers"]["log_retention_days"] == 90


def test_secret_field_stores_only_a_fingerprint(session: Session, tmp_path: Path) -> None:
    secret = "Tr0ub4dor&3-correct-horse"
    pfx = tmp_path / "listener.pfx"
    pfx.write_bytes(b"not really a pfx")
    runner = StepRunner(session, TLS_CERTIFICATES, REGISTRY, azure=None)
    errors = runner.submit_decisions({"listener_source": "pfx", "listener_pfx_path": str(pfx),
                                      "listener_pfx_password": secret})
    assert errors == {}
    expected = fingerprint(secret)
    state = session.step("tls-certificates")
    assert state.secret_fingerprints == {"listener_pfx_password": expected}
    assert "listener_pfx_password" not in state.answers
    record = next(r.data for r in session.audit.records() if r.data.get("field") == "listener_pfx_password")
    assert record["value_fingerprint"] == expected and record["secret"] is True and "value" not in record

    audit_text = (session.dir / "audit.jsonl").read_text()
    state_text = (session.dir / "state.json").read_text()
    assert secret not in audit_text and secret not in state_text
    assert expected in audit_text and expected in state_text
    assert session.secrets.get("tls-certificates.listener_pfx_password") == secret
    assert runner.defaults()["listener_pfx_password"] == ""  # never shown back in the form


def test_resubmitting_a_secret_left_empty_keeps_it_and_says_so(session: Session, tmp_path: Path) -> None:
    pfx = tmp_path / "listener.pfx"
    pfx.write_bytes(b"not really a pfx")
    runner = StepRunner(session, TLS_CERTIFICATES, REGISTRY, azure=None)
    first = {"listener_source": "pfx", "listener_pfx_path": str(pfx), "listener_pfx_password": "first-secret-123"}
    assert runner.submit_decisions(first) == {}
    assert runner.submit_decisions({**first, "listener_pfx_password": ""}) == {}
    records = [r.data for r in session.audit.records() if r.data.get("field") == "listener_pfx_password"]
    assert records[-1]["value_fingerprint"] == fingerprint("first-secret-123")
    assert records[-1]["kept_existing"] is True and records[-1]["default_accepted"] is False
    assert session.secrets.get("tls-certificates.listener_pfx_password") == "first-secret-123"


def test_a_secret_whose_field_no_longer_applies_is_deleted(session: Session, tmp_path: Path) -> None:
    pfx = tmp_path / "listener.pfx"
    pfx.write_bytes(b"not really a pfx")
    runner = StepRunner(session, TLS_CERTIFICATES, REGISTRY, azure=None)
    assert runner.submit_decisions({"listener_source": "pfx", "listener_pfx_path": str(pfx),
                                    "listener_pfx_password": "first-secret-123"}) == {}
    assert runner.submit_decisions({"listener_source": "generate"}) == {}
    assert session.step("tls-certificates").secret_fingerprints == {}
    assert session.secrets.get("tls-certificates.listener_pfx_password") is None


def test_submit_before_needs_are_done_is_blocked(tmp_path: Path) -> None:
    from wizard.engine.runner import StepBlocked

    s = SessionStore(tmp_path).create("rehearsal")
    try:
        count = len(s.audit.records())
        with pytest.raises(StepBlocked, match="prerequisites"):
            StepRunner(s, HUB, REGISTRY, azure=None).submit_decisions({})
        assert len(s.audit.records()) == count
    finally:
        s.close()
