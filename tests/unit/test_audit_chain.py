"""AuditLog writing: the chain format, continuing after reopen, concurrency, durability, the
kind vocabulary, data conversion and the secret guard."""

from __future__ import annotations

import enum
import hashlib
import json
import os
import re
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest

from wizard.audit import kinds
from wizard.audit.log import AuditHead, AuditLog, AuditRecord
from wizard.audit.verify import verify_log

ZEROS = "0" * 64
SPEC_KINDS = (
    "session.started session.resumed decision.recorded check.result check.not_applicable check.overridden "
    "check.accepted remedy.applied preview.shown preview.approved resource_group.ensured deployment.started "
    "deployment.reattached deployment.retried deployment.succeeded deployment.failed image_build.started image_build.reattached "
    "image_build.succeeded image_build.failed image.importing image.imported image.import_failed wait.state "
    "run_command.completed part.completed action.completed "
    "step.completed step.failed secret.stored secret.shown directory.creating directory.created directory.adopted "
    "directory.member-added audit.exported"
).split()


def ticking_clock(start: datetime = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)) -> Callable[[], datetime]:
    """A clock that advances one second per call, so timestamps are predictable."""
    moments: Iterator[datetime] = (start + timedelta(seconds=i) for i in range(10**6))
    return lambda: next(moments)


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "session" / "audit.jsonl"


def spec_hash(obj: dict) -> str:
    """The hash exactly as the spec words it, computed independently of the implementation."""
    body = {k: v for k, v in obj.items() if k != "hash"}
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_first_records_follow_the_format(log_path: Path) -> None:
    log = AuditLog(log_path, clock=ticking_clock())
    assert log.head == AuditHead(0, ZEROS)
    first = log.append("session.started", None, {"mode": "rehearsal", "note": "café"})
    second = log.append("decision.recorded", "networking", {"field": "vnet_cidr", "value": "10.240.0.0/16"})

    raw = lines_of(log_path)
    assert [list(r) for r in raw] == [["seq", "ts", "kind", "step", "data", "prev", "hash"]] * 2
    assert raw[0]["seq"] == 1 and raw[0]["prev"] == ZEROS and raw[0]["step"] is None
    assert raw[0]["ts"] == "2026-11-22T10:00:00.000000Z"
    assert raw[1]["seq"] == 2 and raw[1]["prev"] == raw[0]["hash"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", r["ts"]) for r in raw)
    assert [spec_hash(r) for r in raw] == [r["hash"] for r in raw]
    assert "café" in log_path.read_text(encoding="utf-8")  # ensure_ascii=False on disk too
    assert first == AuditRecord.from_dict(raw[0]) and second.to_dict() == raw[1]
    assert log.head == AuditHead(2, second.hash) == second.head


def test_real_clock_timestamps_are_utc_with_z(log_path: Path) -> None:
    rec = AuditLog(log_path).append("session.started", None, {})
    parsed = datetime.fromisoformat(rec.ts)
    assert rec.ts.endswith("Z") and parsed.utcoffset() == timedelta(0)
    assert abs(datetime.now(timezone.utc) - parsed) < timedelta(minutes=1)


def test_reopen_continues_the_chain(log_path: Path) -> None:
    log = AuditLog(log_path)
    log.append("session.started", None, {})
    last = log.append("step.completed", "prerequisites", {"outputs": {}})

    reopened = AuditLog(log_path)
    assert reopened.head == AuditHead(2, last.hash)
    nxt = reopened.append("session.resumed", None, {})
    assert (nxt.seq, nxt.prev) == (3, last.hash)
    assert [r.seq for r in reopened.records()] == [1, 2, 3]
    assert verify_log(log_path, reopened.head).ok


def test_reopen_continues_from_the_last_valid_line_and_leaves_a_torn_line_visible(log_path: Path) -> None:
    log = AuditLog(log_path)
    log.append("session.started", None, {})
    good = log.append("decision.recorded", "networking", {"field": "x", "value": 1})
    with log_path.open("ab") as handle:
        handle.write(b'{"seq": 3, "ts": "2026-11-')  # a write cut short by a crash

    reopened = AuditLog(log_path)
    assert reopened.head == good.head
    rec = reopened.append("session.resumed", None, {})
    assert rec.seq == 3 and rec.prev == good.hash
    # The new record starts on its own line; the torn line is kept, not repaired.
    assert log_path.read_bytes().splitlines()[2] == b'{"seq": 3, "ts": "2026-11-'
    assert json.loads(log_path.read_bytes().splitlines()[3])["seq"] == 3
    report = verify_log(log_path)
    assert not report.ok and (report.first_bad_seq, report.line) == (3, 3)


def test_head_round_trips_and_rejects_malformed_dicts() -> None:
    head = AuditHead(5, "ab" * 32)
    assert AuditHead.from_dict(head.as_dict()) == head
    assert head.as_dict() == {"seq": 5, "hash": "ab" * 32}
    for bad in ({}, {"seq": -1, "hash": ZEROS}, {"seq": True, "hash": ZEROS}, {"seq": 1, "hash": "xyz"},
                {"seq": "1", "hash": ZEROS}, {"seq": 1, "hash": "AB" * 32}):
        with pytest.raises(ValueError):
            AuditHead.from_dict(bad)
    with pytest.raises(AttributeError):
        head.seq = 6  # type: ignore[misc]  # frozen


def test_concurrent_appends_keep_a_single_valid_chain(log_path: Path) -> None:
    log = AuditLog(log_path)
    threads, per_thread = 8, 25
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                log.append("check.result", "preflight", {"check": f"c{n}", "i": i})
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    records = log.records()
    assert [r.seq for r in records] == list(range(1, threads * per_thread + 1))
    report = verify_log(log_path, log.head)
    assert report.ok and report.records == threads * per_thread


def test_every_append_is_fsynced(log_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = AuditLog(log_path)
    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    for i in range(3):
        log.append("check.result", "preflight", {"i": i})
    assert len(synced) == 3


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_log_file_is_private_to_the_owner(log_path: Path) -> None:
    AuditLog(log_path).append("session.started", None, {})
    assert log_path.stat().st_mode & 0o777 == 0o600


def test_vocabulary_is_the_spec_list() -> None:
    assert kinds.KINDS == tuple(SPEC_KINDS)
    assert len(set(kinds.KINDS)) == len(kinds.KINDS)
    assert kinds.SECRET_STORED == "secret.stored"


def test_readme_documents_every_kind() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert [k for k in kinds.KINDS if f"`{k}`" not in readme] == []


def test_unknown_kind_is_rejected_and_nothing_is_written(log_path: Path) -> None:
    log = AuditLog(log_path)
    with pytest.raises(ValueError, match="decision.recored"):
        log.append("decision.recored", "networking", {})
    assert log_path.read_bytes() == b"" and log.head.seq == 0


def test_step_must_be_text_or_none(log_path: Path) -> None:
    with pytest.raises(TypeError):
        AuditLog(log_path).append("step.completed", 3, {})  # type: ignore[arg-type]


class Mode(enum.Enum):
    LIVE = "live"


def test_path_enum_and_datetime_are_converted_before_hashing(log_path: Path) -> None:
    log = AuditLog(log_path)
    when = datetime(2026, 11, 22, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    rec = log.append("session.started", None, {
        "folder": Path("/tmp/s"), "mode": Mode.LIVE, "at": when, "pair": (1, 2), "nested": {"p": [Path("a")]},
    })
    assert rec.data == {"folder": "/tmp/s", "mode": "live", "at": "2026-11-22T10:00:00.000000Z",
                        "pair": [1, 2], "nested": {"p": ["a"]}}
    assert AuditLog(log_path).records() == [rec]
    assert verify_log(log_path, log.head).ok


@pytest.mark.parametrize("bad", [{"x": object()}, {"x": {1, 2}}, {"x": b"bytes"}])
def test_other_types_are_a_type_error_and_nothing_is_written(log_path: Path, bad: dict) -> None:
    log = AuditLog(log_path)
    with pytest.raises(TypeError):
        log.append("check.result", "preflight", bad)
    assert log_path.read_bytes() == b""


def test_data_must_be_a_mapping_and_nan_is_refused(log_path: Path) -> None:
    log = AuditLog(log_path)
    with pytest.raises(TypeError):
        log.append("check.result", None, ["not", "a", "mapping"])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        log.append("check.result", None, {"ratio": float("nan")})
    assert log_path.read_bytes() == b""


def test_records_names_the_line_that_is_not_a_record(log_path: Path) -> None:
    log = AuditLog(log_path)
    log.append("session.started", None, {})
    with log_path.open("a") as handle:
        handle.write("not json\n")
    with pytest.raises(ValueError, match="line 2"):
        log.records()


PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----"
JWT = ("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIn0"
       ".c2lnbmF0dXJlX2J5dGVzX2hlcmU")
PASSWORD = "Hunter2-Pa55word!"


@pytest.mark.parametrize("data, where", [
    ({"certificate": {"key": PEM}}, "data.certificate.key"),
    ({"note": f"used header Authorization: Bearer {JWT}"}, "data.note"),
    ({"admin_password": PASSWORD}, "data.admin_password"),
    ({"sp": {"clientSecret": PASSWORD}}, "data.sp.clientSecret"),
    ({"items": [{"ok": 1}, {"access_token": PASSWORD}]}, "data.items[1].access_token"),
    ({"password": [PASSWORD]}, "data.password[0]"),
    ({"ssh_private_key": "AAAAB3NzaC1yc2E"}, "data.ssh_private_key"),
])
def test_secret_guard_refuses_without_echoing(log_path: Path, data: dict, where: str) -> None:
    log = AuditLog(log_path)
    with pytest.raises(ValueError) as caught:
        log.append("secret.stored", "ingress", data)
    message = str(caught.value)
    assert where in message
    for secret in (PEM, "MIIEpAIBAAKCAQEA", JWT, JWT[:20], PASSWORD, "AAAAB3NzaC1yc2E"):
        assert secret not in message
    assert log_path.read_bytes() == b""


def test_secret_guard_allows_fingerprints_and_secret_metadata(log_path: Path) -> None:
    log = AuditLog(log_path)
    log.append("secret.stored", "ingress", {
        "secret_name": "appgw-tls",  # names are what a reviewer needs
        "password": "sha256:" + "ab" * 32,
        "private_key": "sha256:" + "cd" * 32,
        "token_expires_on": "2026-11-22T11:00:00Z",
        "client_secret": "",  # empty: nothing to leak
        "token": None,
        "why": "The certificate's private key is stored in the session's secret store.",
    })
    assert log.head.seq == 1
