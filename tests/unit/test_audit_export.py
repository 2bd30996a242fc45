"""export_log and run_export: verified records out as JSONL, JSON or Markdown; broken logs are
refused unless explicitly allowed, and then marked so nobody mistakes them for evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wizard.audit.command import run_export
from wizard.audit.export import EXPORT_FORMAT, UnverifiedLogError, export_log
from wizard.audit.log import AuditHead, AuditLog
from wizard.audit.verify import verify_log


@pytest.fixture
def session(tmp_path: Path) -> Path:
    folder = tmp_path / "sessions" / "20261122-100000-abc123"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def log(session: Path) -> AuditLog:
    log = AuditLog(session / "audit.jsonl")
    log.append("session.started", None, {"mode": "rehearsal"})
    log.append("decision.recorded", "networking", {"field": "vnet_cidr", "value": "10.240.0.0/16",
                                                   "why": "Room for | pipes\nand <b>html</b>"})
    log.append("check.result", "networking", {"check": "cidr.overlap", "status": "pass"})
    log.append("step.completed", "networking", {"outputs": {"vnet_id": "/subscriptions/x/vnet"}})
    log.append("decision.recorded", "ingress", {"field": "hostname", "value": "bicycle.contoso.com"})
    return log


def tamper(log: AuditLog) -> None:
    lines = log.path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[2])
    record["data"]["status"] = "fail"
    lines[2] = json.dumps(record)
    log.path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_jsonl_export_is_a_byte_copy_that_verifies(log: AuditLog, tmp_path: Path) -> None:
    out = tmp_path / "out" / "audit-export.jsonl"
    report = export_log(log.path, out, "jsonl", expected_head=log.head)
    assert report.ok and report.records == 5
    assert out.read_bytes() == log.path.read_bytes()
    assert verify_log(out, log.head).ok


def test_json_export_layout(log: AuditLog, tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    export_log(log.path, out, "json")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["format"] == EXPORT_FORMAT == "aks-wizard-audit/1"
    assert doc["verified"]["ok"] is True and doc["verified"]["records"] == 5
    assert set(doc["verified"]) >= {"ok", "records", "first_bad_seq", "line", "reason"}
    assert doc["head"] == log.head.as_dict()
    assert doc["records"] == [r.to_dict() for r in log.records()]
    assert doc["session"] == {"id": None, "mode": "rehearsal", "scenario": None, "tool_version": None,
                              "cloud": None, "tenant_id": None, "subscription_id": None}
    assert "warning" not in doc


def test_markdown_export_groups_by_step(log: AuditLog, tmp_path: Path) -> None:
    out = tmp_path / "audit.md"
    export_log(log.path, out, "md")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# AKS baseline wizard — audit log")
    assert "**Verified.**" in text and "UNVERIFIED" not in text
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections == ["## Sittings", "## Session (not tied to a step)", "## Step: networking", "## Step: ingress"]
    check = text.split("**seq 3** · ", 1)[1].split("\n\n**seq 4**", 1)[0]
    assert "`check.result`" in check and "- `check`: `cidr.overlap`" in check and "- `status`: `pass`" in check
    # Markdown escapes, never HTML entities; the operator's line break is kept as a hard break.
    assert "Room for \\| pipes\\\n  and \\<b\\>html\\</b\\>" in text and "&lt;" not in text
    assert log.head.hash in text


def test_broken_log_is_refused_and_nothing_is_written(log: AuditLog, tmp_path: Path) -> None:
    tamper(log)
    for fmt in ("jsonl", "json", "md"):
        out = tmp_path / f"x.{fmt}"
        with pytest.raises(UnverifiedLogError) as caught:
            export_log(log.path, out, fmt)
        assert isinstance(caught.value, ValueError)
        assert "record seq 3 (line 3)" in str(caught.value)
        assert caught.value.report.first_bad_seq == 3
        assert not out.exists()


def test_truncated_log_is_refused_with_the_saved_head(log: AuditLog, tmp_path: Path) -> None:
    saved = log.head
    lines = log.path.read_bytes().splitlines(keepends=True)
    log.path.write_bytes(b"".join(lines[:3]))
    with pytest.raises(UnverifiedLogError, match="removed from the end"):
        export_log(log.path, tmp_path / "x.json", "json", expected_head=saved)


def test_allow_broken_marks_every_format(log: AuditLog, tmp_path: Path) -> None:
    tamper(log)
    jsonl = tmp_path / "x.jsonl"
    report = export_log(log.path, jsonl, "jsonl", allow_broken=True)
    assert not report.ok
    first = json.loads(jsonl.read_text(encoding="utf-8").splitlines()[0])
    assert first["warning"].startswith("UNVERIFIED EXPORT")
    assert not verify_log(jsonl).ok  # a broken export can never pass as a clean log

    as_json = tmp_path / "x.json"
    export_log(log.path, as_json, "json", allow_broken=True)
    doc = json.loads(as_json.read_text(encoding="utf-8"))
    assert next(iter(doc)) == "warning" and "seq 3 (line 3)" in doc["warning"]
    assert doc["verified"]["ok"] is False and doc["verified"]["first_bad_seq"] == 3
    assert len(doc["records"]) == 5

    md = tmp_path / "x.md"
    export_log(log.path, md, "md", allow_broken=True)
    text = md.read_text(encoding="utf-8")
    head_of_file = text.split("\n\n| | |", 1)[0]  # everything above the header table
    assert "UNVERIFIED" in head_of_file.splitlines()[2]
    quoted = " ".join(line.removeprefix(">").strip() for line in head_of_file.splitlines())
    assert "at record seq 3 (line 3)" in quoted  # the first bad record, named
    assert "⚠ **seq 3**" in text and "⚠ **seq 5**" in text and "⚠ **seq 2**" not in text


def test_export_refuses_bad_arguments(log: AuditLog, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        export_log(log.path, tmp_path / "x.csv", "csv")
    before = log.path.read_bytes()
    with pytest.raises(ValueError, match="audit log itself"):
        export_log(log.path, log.path, "json")
    assert log.path.read_bytes() == before
    with pytest.raises(FileNotFoundError):
        export_log(tmp_path / "missing.jsonl", tmp_path / "x.json", "json")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="cannot write the export to"):
        export_log(log.path, blocker / "x.json", "json")  # its parent is a file


def test_run_export_codes(log: AuditLog, session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (session / "state.json").write_text(json.dumps({"audit_head": log.head.as_dict()}))
    home = session.parent
    out = tmp_path / "review.md"
    assert run_export(session.name, home, out, "md") == 0
    assert capsys.readouterr().out.startswith(f"Exported 5 verified records to {out} (md)")
    assert out.exists()

    assert run_export("nope", home, tmp_path / "y.md", "md") == 2
    assert run_export(session.name, home, tmp_path / "y.csv", "csv") == 2
    (tmp_path / "a-file").write_text("")
    assert run_export(session.name, home, tmp_path / "a-file" / "y.md", "md") == 2
    assert "cannot write the export" in capsys.readouterr().err

    tamper(log)
    assert run_export(session.name, home, tmp_path / "z.json", "json") == 1
    assert capsys.readouterr().out.startswith("REFUSED: TAMPERED: record seq 3 (line 3)")
    assert not (tmp_path / "z.json").exists()
    assert run_export(session.name, home, tmp_path / "z.json", "json", allow_broken=True) == 1
    assert capsys.readouterr().out.startswith("EXPORTED UNVERIFIED")
    assert (tmp_path / "z.json").exists()


def test_run_export_of_a_truncated_session(log: AuditLog, session: Path, tmp_path: Path) -> None:
    (session / "state.json").write_text(json.dumps({"audit_head": AuditHead(9, "a" * 64).as_dict()}))
    assert run_export(str(session), session.parent, tmp_path / "a.jsonl", "jsonl") == 1
