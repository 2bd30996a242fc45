"""``aks-wizard audit verify`` and ``aks-wizard audit export``: functions the CLI wires up.

Output is one line a reviewer can paste into a ticket, and the exit status is scriptable:
0 intact (or exported), 1 tampered / refused / unreadable state, 2 nothing to check.
The saved head in the session's ``state.json`` is used automatically when present, because
without it records cut off the end of the log cannot be detected.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from wizard.audit.export import UnverifiedLogError, export_log
from wizard.audit.record import AuditHead
from wizard.audit.verify import VerifyReport, short_hash, verify_log

__all__ = ["AUDIT_FILE", "STATE_FILE", "run_verify", "run_export"]

AUDIT_FILE = "audit.jsonl"
STATE_FILE = "state.json"

EXIT_OK, EXIT_BAD, EXIT_NOT_FOUND = 0, 1, 2


@dataclass(frozen=True)
class _Target:
    log: Path
    folder: Path


def _resolve(target: str, sessions_home: Path) -> _Target | None:
    """A session id (folder under ``sessions_home``), a session folder, or an audit file. The
    id is tried first so a stray folder of the same name in the current directory cannot shadow
    a real session."""
    by_id = Path(sessions_home) / target
    if target and by_id.is_dir():
        return _Target(by_id / AUDIT_FILE, by_id)
    candidate = Path(target).expanduser()
    if candidate.is_dir():
        return _Target(candidate / AUDIT_FILE, candidate)
    if candidate.is_file():
        return _Target(candidate, candidate.parent)
    return None


def _saved_head(folder: Path) -> AuditHead | None:
    """The ``audit_head`` the session saved, or None when there is no state file or it has no
    head yet. Raises ``ValueError`` when the state exists but cannot be read: silently
    skipping the truncation check would make a reviewer trust more than was checked."""
    state_path = folder / STATE_FILE
    if not state_path.is_file():
        return None
    try:
        raw = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{state_path} is unreadable ({exc})") from exc
    head = raw.get("audit_head") if isinstance(raw, dict) else None
    if not head:
        return None
    try:
        return AuditHead.from_dict(head)
    except ValueError as exc:
        raise ValueError(f"{state_path} has a malformed audit_head ({exc})") from exc


def _prepare(target: str, sessions_home: Path) -> tuple[_Target, AuditHead | None] | int:
    """Shared lookup for both commands: returns the target and saved head, or an exit code
    after printing why there is nothing to check."""
    found = _resolve(target, sessions_home)
    if found is None:
        print(f"NOT FOUND: no session or audit log {target!r} (looked under {sessions_home}).", file=sys.stderr)
        return EXIT_NOT_FOUND
    try:
        head = _saved_head(found.folder)
    except ValueError as exc:
        print(f"ERROR: cannot check the end of the audit log: {exc}.", file=sys.stderr)
        return EXIT_BAD
    if not found.log.exists() and (head is None or head.seq == 0):
        print(f"NOT FOUND: there is no audit log at {found.log}.", file=sys.stderr)
        return EXIT_NOT_FOUND
    return found, head


def _tampered_line(report: VerifyReport) -> str:
    """``TAMPERED: record seq N (line L): <reason>``, without saying "record seq N (line L)"
    twice when the reason itself starts with it."""
    if report.first_bad_seq is None or report.line is None:
        return f"TAMPERED: {report.reason}"
    where = f"record seq {report.first_bad_seq} (line {report.line})"
    reason = report.reason
    if reason.startswith(where + " "):
        reason = "it " + reason[len(where) + 1:]
    return f"TAMPERED: {where}: {reason}"


def run_verify(target: str, sessions_home: Path) -> int:
    """Verify a session's audit log and print one line; 0 intact, 1 tampered, 2 not found."""
    prepared = _prepare(target, sessions_home)
    if isinstance(prepared, int):
        return prepared
    found, head = prepared
    report = verify_log(found.log, head)
    if report.ok:
        print(
            f"OK: {report.records} records, chain intact, head seq {report.head.seq} "
            f"sha256 {short_hash(report.head.hash)}"
        )
        return EXIT_OK
    print(_tampered_line(report))
    return EXIT_BAD


def run_export(
    target: str, sessions_home: Path, out: Path | str, fmt: str = "jsonl", *, allow_broken: bool = False
) -> int:
    """Export a session's audit log; 0 exported verified, 1 refused (or exported UNVERIFIED
    with ``allow_broken``), 2 not found or bad arguments."""
    prepared = _prepare(target, sessions_home)
    if isinstance(prepared, int):
        return prepared
    found, head = prepared
    out_path = Path(out).expanduser()
    try:
        report = export_log(found.log, out_path, fmt, expected_head=head, allow_broken=allow_broken)
    except UnverifiedLogError as exc:
        print(f"REFUSED: {_tampered_line(exc.report)} (pass --allow-broken to export it marked UNVERIFIED)")
        return EXIT_BAD
    except FileNotFoundError:
        print(_tampered_line(verify_log(found.log, head)))
        return EXIT_BAD
    except ValueError as exc:
        print(f"ERROR: {exc}.", file=sys.stderr)
        return EXIT_NOT_FOUND
    if not report.ok:
        print(f"EXPORTED UNVERIFIED to {out_path} ({fmt}): {_tampered_line(report)}")
        return EXIT_BAD
    print(
        f"Exported {report.records} verified records to {out_path} ({fmt}), head seq "
        f"{report.head.seq} sha256 {short_hash(report.head.hash)}"
    )
    return EXIT_OK
