"""verify_log and run_verify: every tamper case is caught at the first bad record, named by seq
and line, with a reason a compliance reviewer can read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wizard.audit.command import run_verify
from wizard.audit.log import AuditHead, AuditLog
from wizard.audit.record import chain_hash
from wizard.audit.verify import verify_log

RECORDS = 5


def build_log(path: Path, count: int = RECORDS) -> AuditLog:
    """A small realistic session: one record per line, steps mixed with session-level ones."""
    log = AuditLog(path)
    log.append("session.started", None, {"mode": "rehearsal"})
    for i in range(2, count + 1):
        log.append("decision.recorded", "networking", {"field": f"f{i}", "value": i})
    return log


@pytest.fixture
def session(tmp_path: Path) -> Path:
    folder = tmp_path / "sessions" / "20261122-100000-abc123"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def log(session: Path) -> AuditLog:
    return build_log(session / "audit.jsonl")


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write(path: Path, records: list[dict | str]) -> None:
    """Rewrite the file as a tamperer would (dicts re-serialised, strings written as is)."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def forge(seq: int, prev: str, kind: str = "preview.approved", **data: object) -> dict:
    """A record a forger builds with a correctly recomputed hash."""
    body = {"seq": seq, "ts": "2026-11-22T10:00:03.000000Z", "kind": kind, "step": "networking",
            "data": dict(data), "prev": prev}
    return {**body, "hash": chain_hash(body)}


def assert_bad(report, seq: int | None, line: int | None, *words: str) -> None:
    assert not report.ok
    assert (report.first_bad_seq, report.line) == (seq, line), report.reason
    for word in words:
        assert word in report.reason, report.reason


def test_intact_log_verifies(log: AuditLog) -> None:
    report = verify_log(log.path, log.head)
    assert report.ok and report.records == RECORDS and report.first_bad_seq is None and report.line is None
    assert report.head == log.head
    assert "intact" in report.reason and "nothing was removed" in report.reason


@pytest.mark.parametrize("field, value", [
    ("data", {"field": "f3", "value": 999}),
    ("ts", "2026-11-22T09:00:00.000000Z"),
    ("kind", "check.overridden"),
    ("step", "ingress"),
    ("seq", 30),
    ("prev", "f" * 64),
    ("hash", "e" * 64),
])
def test_editing_any_field_is_caught_at_that_record(log: AuditLog, field: str, value: object) -> None:
    records = read(log.path)
    records[2][field] = value
    write(log.path, records)
    report = verify_log(log.path, log.head)
    assert_bad(report, 3, 3, "changed after it was written")
    assert report.records == 2


def test_editing_a_nested_value_of_the_first_record(log: AuditLog) -> None:
    records = read(log.path)
    records[0]["data"]["mode"] = "live"
    write(log.path, records)
    assert_bad(verify_log(log.path), 1, 1, "record seq 1 (line 1)", "changed")


def test_deleted_middle_record(log: AuditLog) -> None:
    records = read(log.path)
    del records[2]
    write(log.path, records)
    assert_bad(verify_log(log.path), 3, 3, "record seq 3 is missing", "deleted")


def test_deleted_several_records(log: AuditLog) -> None:
    records = read(log.path)
    del records[1:3]
    write(log.path, records)
    assert_bad(verify_log(log.path), 2, 2, "records seq 2 to 3 are missing")


def test_deleted_first_record(log: AuditLog) -> None:
    write(log.path, read(log.path)[1:])
    assert_bad(verify_log(log.path), 1, 1, "record seq 1 is missing")


def test_inserted_forged_record_with_recomputed_hash(log: AuditLog) -> None:
    # The forger chains the fake onto record 2 and gives it the next seq; the fake itself is
    # self-consistent, so the break shows at the genuine record 3 that follows it.
    records = read(log.path)
    records.insert(2, forge(3, records[1]["hash"], approved=True))
    write(log.path, records)
    assert_bad(verify_log(log.path), 3, 4, "two records claim seq 3 (lines 3 and 4)", "inserted")


def test_inserted_record_with_a_made_up_seq(log: AuditLog) -> None:
    records = read(log.path)
    records.insert(2, forge(42, "a" * 64))
    write(log.path, records)
    assert_bad(verify_log(log.path), 3, 3, "seq 42")


def test_replaced_record_with_recomputed_hash_breaks_the_next_link(log: AuditLog) -> None:
    records = read(log.path)
    records[2] = forge(3, records[1]["hash"], field="f3", value=999)
    write(log.path, records)
    assert_bad(verify_log(log.path), 4, 4, "not linked", "record seq 3 (line 3)", "forged")


def test_forged_first_record_must_start_from_zeros(log: AuditLog) -> None:
    records = read(log.path)
    records[0] = forge(1, "b" * 64)
    write(log.path, records)
    assert_bad(verify_log(log.path), 1, 1, "does not start a chain")


def test_swapped_records(log: AuditLog) -> None:
    records = read(log.path)
    records[2], records[3] = records[3], records[2]
    write(log.path, records)
    assert_bad(verify_log(log.path), 3, 3, "out of order", "line 4")


def test_truncated_end_is_caught_with_the_saved_head(log: AuditLog) -> None:
    saved = log.head
    write(log.path, read(log.path)[:3])
    report = verify_log(log.path, saved)
    assert_bad(report, 4, 4)
    assert report.reason == (
        f"log ends at seq 3 but the session state says the head is seq 5 (hash {saved.hash[:12]}…): "
        "records were removed from the end."
    )


def test_truncated_end_without_a_saved_head_still_verifies(log: AuditLog) -> None:
    """By design: a prefix of a hash chain is itself a valid chain, so nothing inside the file
    can show that records were cut off the end. Only an outside note of the head (the
    session state's audit_head, or an exported head) can; the reason says it was not checked."""
    write(log.path, read(log.path)[:3])
    report = verify_log(log.path)
    assert report.ok and report.records == 3
    assert "could not be checked" in report.reason


def test_everything_removed_is_truncation_too(log: AuditLog) -> None:
    saved = log.head
    log.path.write_bytes(b"")
    assert_bad(verify_log(log.path, saved), 1, 1, "log ends at seq 0", "removed from the end")


def test_log_ahead_of_the_saved_head_is_intact(log: AuditLog) -> None:
    """Session.record appends and then saves state; a crash in between leaves the log ahead."""
    saved = AuditHead(RECORDS - 1, read(log.path)[RECORDS - 2]["hash"])
    report = verify_log(log.path, saved)
    assert report.ok and "1 record(s) after it" in report.reason


def test_saved_head_that_does_not_match_the_log(log: AuditLog) -> None:
    assert_bad(verify_log(log.path, AuditHead(RECORDS, "c" * 64)), RECORDS, RECORDS,
               "does not match the head saved")
    assert_bad(verify_log(log.path, AuditHead(0, "c" * 64)), None, None, "saved head was edited")


def test_fresh_session_with_genesis_head(session: Path) -> None:
    empty = AuditLog(session / "audit.jsonl")
    assert verify_log(empty.path, empty.head).ok
    assert verify_log(empty.path).records == 0


@pytest.mark.parametrize("garbage", ["this is not json", "", '{"seq": 3}', '[1, 2, 3]',
                                     '{"seq": 3, "seq": 3}'])
def test_unreadable_line_in_the_middle(log: AuditLog, garbage: str) -> None:
    records: list[dict | str] = list(read(log.path))
    records[2] = garbage
    write(log.path, records)
    assert_bad(verify_log(log.path), 3, 3, "line 3 is not a readable audit record")


def test_garbage_appended_at_the_end(log: AuditLog) -> None:
    with log.path.open("a") as handle:
        handle.write("garbage\n")
    assert_bad(verify_log(log.path, log.head), 6, 6, "line 6")


def test_invalid_utf8_line(log: AuditLog) -> None:
    content = log.path.read_bytes().split(b"\n")
    content[1] = b"\xff\xfe" + content[1]
    log.path.write_bytes(b"\n".join(content))
    assert_bad(verify_log(log.path), 2, 2, "UTF-8")


def test_incomplete_last_line(log: AuditLog) -> None:
    with log.path.open("a") as handle:
        handle.write('{"seq": 6, "ts"')
    assert_bad(verify_log(log.path), 6, 6, "incomplete", "crash")


def test_unknown_kind_with_recomputed_hash(log: AuditLog) -> None:
    records = read(log.path)
    records.append(forge(6, records[-1]["hash"], kind="approval.faked"))
    write(log.path, records)
    assert_bad(verify_log(log.path), 6, 6, "approval.faked", "vocabulary")


def test_missing_file(tmp_path: Path) -> None:
    report = verify_log(tmp_path / "audit.jsonl", AuditHead(4, "a" * 64))
    assert not report.ok and report.records == 0 and report.first_bad_seq is None
    assert "does not exist" in report.reason and "4 records" in report.reason


# --- run_verify ---------------------------------------------------------------------------

HEAD_LINE = re.compile(r"head: seq (\d+) sha256 ([0-9a-f]{64}) \((last record|last intact record)\)")


def save_state(session: Path, head: AuditHead | dict) -> None:
    raw = head.as_dict() if isinstance(head, AuditHead) else head
    (session / "state.json").write_text(json.dumps({"id": session.name, "audit_head": raw}))


def test_run_verify_ok_by_id_folder_and_file(log: AuditLog, session: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save_state(session, log.head)
    home = session.parent
    for target in (session.name, str(session), str(session / "audit.jsonl")):
        assert run_verify(target, home) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0] == f"OK: {RECORDS} records, chain intact"
        match = HEAD_LINE.fullmatch(lines[1])
        assert match, lines
        assert match.groups() == (str(RECORDS), log.head.hash, "last record")  # all 64 digits, to compare
        assert "matches the head saved in the session state" in lines[2]
        assert not any("UNCHECKED" in line for line in lines)


def test_run_verify_of_a_bare_file_says_truncation_was_not_checked(
    log: AuditLog, session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A truncated copy handed over without its state still verifies (a prefix of a chain is a
    chain); the output must say that this proves nothing about the end, and give the full head."""
    save_state(session, log.head)
    records = read(log.path)
    elsewhere = tmp_path / "handed-over"
    elsewhere.mkdir()
    renamed = session / "audit-copy.jsonl"  # beside a state.json, but not the session's own log
    for copy in (elsewhere / "audit.jsonl", renamed):
        write(copy, records[:4])
        assert run_verify(str(copy), session.parent) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0] == "OK: 4 records, chain intact"
        assert HEAD_LINE.fullmatch(lines[1]).groups() == ("4", records[3]["hash"], "last record")
        assert lines[2].startswith("UNCHECKED: truncation.")
        assert f"{copy} is a bare audit file" in lines[2] and "cannot be detected" in lines[2]


def test_run_verify_tampered(log: AuditLog, session: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = read(log.path)
    records[2]["data"]["value"] = 0
    write(log.path, records)
    assert run_verify(session.name, session.parent) == 1
    verdict, head, *rest = capsys.readouterr().out.splitlines()
    assert verdict.startswith("TAMPERED: record seq 3 (line 3): it was changed after it was written;")
    assert HEAD_LINE.fullmatch(head).groups() == ("2", records[1]["hash"], "last intact record")
    assert rest == []


def test_run_verify_uses_the_saved_head_to_catch_truncation(
    log: AuditLog, session: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_state(session, log.head)
    write(log.path, read(log.path)[:2])
    assert run_verify(str(session), session.parent) == 1
    assert capsys.readouterr().out.startswith(
        "TAMPERED: record seq 3 (line 3): log ends at seq 2 but the session state says the head is seq 5")


def test_run_verify_state_without_head_is_fine(log: AuditLog, session: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save_state(session, {})
    assert run_verify(session.name, session.parent) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "OK: 5 records, chain intact"
    assert lines[2].startswith("UNCHECKED: truncation.") and "has no saved audit head" in lines[2]


def test_run_verify_unreadable_state_is_an_error(log: AuditLog, session: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save_state(session, {"seq": "five", "hash": "x"})
    assert run_verify(session.name, session.parent) == 1
    assert "audit_head" in capsys.readouterr().err
    (session / "state.json").write_text("{not json")
    assert run_verify(session.name, session.parent) == 1


def test_run_verify_not_found(tmp_path: Path, session: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_verify("no-such-session", tmp_path / "sessions") == 2
    assert "NOT FOUND" in capsys.readouterr().err
    assert run_verify(str(session), session.parent) == 2  # a folder with no log and no head


def test_run_verify_deleted_log_with_saved_head_is_tampered(
    log: AuditLog, session: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_state(session, log.head)
    log.path.unlink()
    assert run_verify(session.name, session.parent) == 1
    assert capsys.readouterr().out.startswith("TAMPERED: the audit log")
