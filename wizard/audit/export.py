"""Export a verified audit log for a reviewer, as JSONL, JSON or Markdown.

Exports are made from the exact bytes that were verified (one read), so a record appended while
exporting can never slip into an export unverified. A log that fails verification is refused
unless the caller passes ``allow_broken=True``; then the export says so at the very top, and a
broken JSONL export can never itself pass ``verify`` (its first line is a warning, not a record).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from wizard.audit.markdown import render_markdown
from wizard.audit.record import AuditHead, AuditRecord, utc_timestamp
from wizard.audit.sittings import SESSION_FIELDS, session_facts
from wizard.audit.verify import ParsedLine, VerifyReport, verify_content
from wizard.session.atomic import write_atomic

__all__ = ["EXPORT_FORMAT", "FORMATS", "UnverifiedLogError", "export_log"]

EXPORT_FORMAT = "aks-wizard-audit/1"
"""Version tag of the JSON export, so a reviewer's tooling can tell layouts apart."""

FORMATS: tuple[str, ...] = ("jsonl", "json", "md")


class UnverifiedLogError(ValueError):
    """Export refused because the log failed verification; carries the report."""

    def __init__(self, report: VerifyReport) -> None:
        where = f"record seq {report.first_bad_seq} (line {report.line}): " if report.first_bad_seq else ""
        super().__init__(f"refusing to export an audit log that failed verification: {where}{report.reason}")
        self.report = report


def export_log(
    path: Path,
    out_path: Path,
    fmt: str = "jsonl",
    *,
    expected_head: AuditHead | None = None,
    allow_broken: bool = False,
    session_id: str | None = None,
) -> VerifyReport:
    """Verify ``path`` and write its records to ``out_path`` in ``fmt``; return the report.
    ``session_id`` (from the session's state) heads the JSON and Markdown exports: the log's
    records do not carry it, and a reviewer must know which session they are reading.

    Raises ``UnverifiedLogError`` when verification fails and ``allow_broken`` is False,
    ``FileNotFoundError`` when there is no log, and ``ValueError`` for an unknown format, an
    ``out_path`` that is the log itself (an export must never overwrite the evidence) or one
    that cannot be written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    path, out_path = Path(path), Path(out_path)
    if out_path.resolve() == path.resolve():
        raise ValueError("the export destination is the audit log itself; choose another file")
    content = path.read_bytes()
    report, lines = verify_content(content, expected_head)
    if not report.ok and not allow_broken:
        raise UnverifiedLogError(report)
    exported_at = utc_timestamp(datetime.now(timezone.utc))
    if fmt == "jsonl":
        payload = _as_jsonl(content, report, exported_at)
    elif fmt == "json":
        payload = _as_json(lines, report, exported_at, session_id)
    else:
        payload = render_markdown(lines, report, exported_at, warning=_warning(report), session_id=session_id,
                                  head_checked=expected_head is not None, export_format=EXPORT_FORMAT)
    try:
        _write_atomic(out_path, payload)
    except OSError as exc:  # e.g. a read-only or missing destination: the operator's input, not a crash
        raise ValueError(f"cannot write the export to {out_path} ({exc.strerror or exc})") from exc
    return report


def _warning(report: VerifyReport) -> str:
    where = f" at record seq {report.first_bad_seq} (line {report.line})" if report.first_bad_seq else ""
    return (
        f"UNVERIFIED EXPORT - this audit log FAILED verification{where}: {report.reason} "
        "Do not rely on it as a complete and unaltered record."
    )


def _as_jsonl(content: bytes, report: VerifyReport, exported_at: str) -> bytes:
    """A verified JSONL export is a byte-for-byte copy, so the reviewer can re-run verify on it
    and get the same hashes and line numbers."""
    if report.ok:
        return content
    banner = {
        "warning": _warning(report),
        "format": EXPORT_FORMAT,
        "exported_at": exported_at,
        "verified": report.as_dict(),
    }
    body = content if content.endswith(b"\n") or not content else content + b"\n"
    return (json.dumps(banner, ensure_ascii=False) + "\n").encode("utf-8") + body


def _records(lines: list[ParsedLine]) -> list[AuditRecord]:
    return [item.record for item in lines if item.record is not None]


def _session(records: list[AuditRecord], session_id: str | None) -> dict[str, Any]:
    """The session's identity for the JSON export: its id and what its first session record
    says (later sittings are in the records themselves)."""
    facts = session_facts(records)
    return {"id": session_id, **{key: (facts[key][0][1] if facts[key] else None) for key, _ in SESSION_FIELDS}}


def _as_json(lines: list[ParsedLine], report: VerifyReport, exported_at: str, session_id: str | None) -> bytes:
    doc: dict[str, Any] = {}
    if not report.ok:
        doc["warning"] = _warning(report)
    doc["format"] = EXPORT_FORMAT
    doc["exported_at"] = exported_at
    doc["session"] = _session(_records(lines), session_id)
    doc["verified"] = report.as_dict()
    doc["head"] = report.head.as_dict()
    if not report.ok:
        doc["unreadable_lines"] = [item.number for item in lines if item.record is None]
    doc["records"] = [rec.to_dict() for rec in _records(lines)]
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _write_atomic(path: Path, payload: bytes) -> None:
    """Temp file, fsync, rename: a half-written export must never be mistaken for a full one."""
    write_atomic(path, payload, mode=0o600)
