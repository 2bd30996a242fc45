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

from wizard.audit.record import AuditHead, AuditRecord, utc_timestamp
from wizard.session.atomic import write_atomic
from wizard.audit.verify import ParsedLine, VerifyReport, short_hash, verify_content

__all__ = ["EXPORT_FORMAT", "FORMATS", "UnverifiedLogError", "export_log"]

EXPORT_FORMAT = "aks-wizard-audit/1"
"""Version tag of the JSON export, so a reviewer's tooling can tell layouts apart."""

FORMATS: tuple[str, ...] = ("jsonl", "json", "md")

_SUMMARY_VALUE_CHARS = 60
_SUMMARY_CHARS = 240


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
) -> VerifyReport:
    """Verify ``path`` and write its records to ``out_path`` in ``fmt``; return the report.

    Raises ``UnverifiedLogError`` when verification fails and ``allow_broken`` is False,
    ``FileNotFoundError`` when there is no log, and ``ValueError`` for an unknown format or an
    ``out_path`` that is the log itself (an export must never overwrite the evidence)."""
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
        payload = _as_json(lines, report, exported_at)
    else:
        payload = _as_markdown(lines, report, exported_at)
    _write_atomic(out_path, payload)
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


def _as_json(lines: list[ParsedLine], report: VerifyReport, exported_at: str) -> bytes:
    doc: dict[str, Any] = {}
    if not report.ok:
        doc["warning"] = _warning(report)
    doc["format"] = EXPORT_FORMAT
    doc["exported_at"] = exported_at
    doc["verified"] = report.as_dict()
    doc["head"] = report.head.as_dict()
    if not report.ok:
        doc["unreadable_lines"] = [item.number for item in lines if item.record is None]
    doc["records"] = [rec.to_dict() for rec in _records(lines)]
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _cell(text: str) -> str:
    """Make text safe inside a Markdown table cell (no pipes, newlines or raw HTML)."""
    return (
        text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("\r", " ").replace("\n", " ")
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarise(data: dict[str, Any]) -> str:
    """One line a reviewer can scan: ``key=value; …`` with long values clipped. The full data
    is in the JSON/JSONL exports; this is for reading, not for evidence."""
    parts = []
    for key, value in data.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}={_clip(shown, _SUMMARY_VALUE_CHARS)}")
    return _clip("; ".join(parts), _SUMMARY_CHARS) if parts else "—"


def _as_markdown(lines: list[ParsedLine], report: VerifyReport, exported_at: str) -> bytes:
    out = ["# AKS baseline wizard — audit log", ""]
    if report.ok:
        out.append(f"**Verified.** {_cell(report.reason)}")
    else:
        out += [
            "> ## ⚠ UNVERIFIED — THIS LOG FAILED VERIFICATION",
            ">",
            f"> {_cell(_warning(report))}",
            ">",
            "> Rows marked ⚠ are at or after the point where the chain breaks.",
        ]
    out += [
        "",
        "| | |",
        "|---|---|",
        f"| Records verified | {report.records} |",
        f"| Head | seq {report.head.seq}, sha256 `{report.head.hash}` |",
        f"| Exported (UTC) | {exported_at} |",
        f"| Format | {EXPORT_FORMAT} |",
    ]
    groups: dict[str | None, list[ParsedLine]] = {}
    for item in lines:
        if item.record is not None:
            groups.setdefault(item.record.step, []).append(item)
    for step, items in groups.items():
        title = "Session (not tied to a step)" if step is None else f"Step: {_cell(step)}"
        out += ["", f"## {title}", "", "| Seq | Time (UTC) | Kind | Summary |", "|---:|---|---|---|"]
        for item in items:
            rec = item.record
            assert rec is not None
            flag = "⚠ " if not report.ok and report.line is not None and item.number >= report.line else ""
            out.append(f"| {flag}{rec.seq} | {rec.ts} | {_cell(rec.kind)} | {_cell(summarise(rec.data))} |")
    unreadable = [item for item in lines if item.record is None]
    if unreadable:
        out += ["", "## Unreadable lines", ""]
        out += [f"- line {item.number}: {_cell(item.error)}" for item in unreadable]
    out += ["", f"_Head hash {short_hash(report.head.hash)} — compare with the session's saved head._", ""]
    return "\n".join(out).encode("utf-8")


def _write_atomic(path: Path, payload: bytes) -> None:
    """Temp file, fsync, rename: a half-written export must never be mistaken for a full one."""
    write_atomic(path, payload, mode=0o600)
