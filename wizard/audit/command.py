"""``aks-wizard audit verify`` and ``aks-wizard audit export``: functions the CLI wires up.

Output starts with a one-line verdict a reviewer can paste into a ticket, then the full head
(seq and all 64 hex digits, to compare with an exported head) and, when no saved head was
available, a line saying truncation was not checked. The exit status is scriptable: 0 intact
(or exported), 1 tampered / refused / unreadable state, 2 nothing to check.
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
from wizard.audit.verify import VerifyReport, verify_log

__all__ = ["AUDIT_FILE", "STATE_FILE", "run_verify", "run_export"]

AUDIT_FILE = "audit.jsonl"
STATE_FILE = "state.json"

EXIT_OK, EXIT_BAD, EXIT_NOT_FOUND = 0, 1, 2


@dataclass(frozen=True)
class _Target:
    """What to check: the log, and the session state beside it when there is one (None for a
    bare audit file, e.g. a copy handed to a reviewer)."""

    log: Path
    state_path: Path | None


@dataclass(frozen=True)
class _Prepared:
    target: _Target
    head: AuditHead | None
    session_id: str | None

    def head_note(self) -> str | None:
        """Said whenever no saved head was compared: a truncated log is still a valid chain, so
        "intact" then proves less than it seems to."""
        if self.head is not None:
            return None
        if self.target.state_path is None or not self.target.state_path.is_file():
            where = f"{self.target.log} is a bare audit file (no session state.json beside it)"
        else:
            where = f"the session state {self.target.state_path} has no saved audit head"
        return (f"UNCHECKED: truncation. {where}, so records removed from the end of the log cannot be "
                "detected; compare the head above with the session's saved head or an exported head.")


def _resolve(target: str, sessions_home: Path) -> _Target | None:
    """A session id (folder under ``sessions_home``), a session folder, or an audit file. The
    id is tried first so a stray folder of the same name in the current directory cannot shadow
    a real session. A file's state is the ``state.json`` beside it only when the file is the
    session's own ``audit.jsonl``; a renamed copy is treated as bare."""
    by_id = Path(sessions_home) / target
    if target and by_id.is_dir():
        return _Target(by_id / AUDIT_FILE, by_id / STATE_FILE)
    candidate = Path(target).expanduser()
    if candidate.is_dir():
        return _Target(candidate / AUDIT_FILE, candidate / STATE_FILE)
    if candidate.is_file():
        return _Target(candidate, candidate.parent / STATE_FILE if candidate.name == AUDIT_FILE else None)
    return None


def _read_state(state_path: Path | None) -> dict | None:
    """The session state as a dict, or None when there is none. Raises ``ValueError`` when it
    exists but cannot be read: silently skipping the truncation check would make a reviewer
    trust more than was checked."""
    if state_path is None or not state_path.is_file():
        return None
    try:
        raw = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{state_path} is unreadable ({exc})") from exc
    return raw if isinstance(raw, dict) else None


def _saved_head(state: dict | None, state_path: Path | None) -> AuditHead | None:
    """The ``audit_head`` the session saved, or None when there is no state or no head yet."""
    head = state.get("audit_head") if state else None
    if not head:
        return None
    try:
        return AuditHead.from_dict(head)
    except ValueError as exc:
        raise ValueError(f"{state_path} has a malformed audit_head ({exc})") from exc


def _prepare(target: str, sessions_home: Path) -> _Prepared | int:
    """Shared lookup for both commands: returns the target, saved head and session id, or an
    exit code after printing why there is nothing to check."""
    found = _resolve(target, sessions_home)
    if found is None:
        print(f"NOT FOUND: no session or audit log {target!r} (looked under {sessions_home}).", file=sys.stderr)
        return EXIT_NOT_FOUND
    try:
        state = _read_state(found.state_path)
        head = _saved_head(state, found.state_path)
    except ValueError as exc:
        print(f"ERROR: cannot check the end of the audit log: {exc}.", file=sys.stderr)
        return EXIT_BAD
    if not found.log.exists() and (head is None or head.seq == 0):
        print(f"NOT FOUND: there is no audit log at {found.log}.", file=sys.stderr)
        return EXIT_NOT_FOUND
    session_id = state.get("id") if state and isinstance(state.get("id"), str) else None
    return _Prepared(found, head, session_id)


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


def head_line(report: VerifyReport) -> str:
    """The full head, so a reviewer can compare it character for character with an exported
    or separately kept head (a 12-digit prefix is for eyes, not for evidence)."""
    which = "last record" if report.ok else "last intact record"
    return f"head: seq {report.head.seq} sha256 {report.head.hash} ({which})"


def _print_all(lines: list[str | None]) -> None:
    for line in lines:
        if line:
            print(line)


def run_verify(target: str, sessions_home: Path) -> int:
    """Verify a session's audit log; 0 intact, 1 tampered, 2 not found. Prints the verdict, the
    full head, and, when no saved head was available, that truncation was not checked."""
    prepared = _prepare(target, sessions_home)
    if isinstance(prepared, int):
        return prepared
    report = verify_log(prepared.target.log, prepared.head)
    if report.ok:
        _print_all([f"OK: {report.records} records, chain intact", head_line(report),
                    prepared.head_note() or report.reason])
        return EXIT_OK
    _print_all([_tampered_line(report), head_line(report)])
    return EXIT_BAD


def run_export(
    target: str, sessions_home: Path, out: Path | str, fmt: str = "jsonl", *, allow_broken: bool = False
) -> int:
    """Export a session's audit log; 0 exported verified, 1 refused (or exported UNVERIFIED
    with ``allow_broken``), 2 not found or bad arguments."""
    prepared = _prepare(target, sessions_home)
    if isinstance(prepared, int):
        return prepared
    log, head = prepared.target.log, prepared.head
    out_path = Path(out).expanduser()
    try:
        report = export_log(log, out_path, fmt, expected_head=head, allow_broken=allow_broken,
                            session_id=prepared.session_id)
    except UnverifiedLogError as exc:
        _print_all([f"REFUSED: {_tampered_line(exc.report)} (pass --allow-broken to export it marked UNVERIFIED)",
                    head_line(exc.report)])
        return EXIT_BAD
    except FileNotFoundError:
        print(_tampered_line(verify_log(log, head)))
        return EXIT_BAD
    except ValueError as exc:
        print(f"ERROR: {exc}.", file=sys.stderr)
        return EXIT_NOT_FOUND
    if not report.ok:
        _print_all([f"EXPORTED UNVERIFIED to {out_path} ({fmt}): {_tampered_line(report)}", head_line(report)])
        return EXIT_BAD
    _print_all([f"Exported {report.records} verified records to {out_path} ({fmt})", head_line(report),
                prepared.head_note()])
    return EXIT_OK
