"""``verify_log``: check an audit log and name the first record that breaks it.

What the chain proves, and what it cannot: every record carries the SHA-256 of its own
contents and the hash of the record before it, so editing any field, deleting, inserting or
reordering records, or corrupting a line is detected at the first affected record. Removing
records from the *end* leaves a shorter chain that is still perfectly valid - a prefix of a
chain is a chain - so that is only detectable against an independent note of where the log
ended: the ``audit_head`` the session saves in ``state.json`` after every record, passed here
as ``expected_head``. (Someone able to rewrite both files and recompute every hash is beyond
what an unkeyed chain can stop; the exported head, kept elsewhere, is the anchor for that.)

Every ``reason`` is written as a sentence for a compliance reviewer, not a developer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.audit.kinds import KINDS
from wizard.audit.log import parse_record_line, split_lines
from wizard.audit.record import GENESIS_HASH, AuditHead, AuditRecord

__all__ = ["VerifyReport", "verify_log", "verify_content", "short_hash"]


def short_hash(digest: str) -> str:
    """First 12 hex digits and an ellipsis: enough to compare by eye, short enough for a line."""
    return f"{digest[:12]}…"


@dataclass(frozen=True)
class VerifyReport:
    """The verdict on one log.

    ``records`` counts the records verified intact (all of them when ``ok``; those before the
    break otherwise). ``first_bad_seq`` is the sequence number where the chain first breaks:
    the altered record's own seq, or - when records are missing, out of order or a line is
    unreadable - the seq that should have been at ``line``. ``head`` is the last intact record
    (seq 0 and 64 zeros when there is none).
    """

    ok: bool
    records: int
    first_bad_seq: int | None
    line: int | None
    reason: str
    head: AuditHead = field(default_factory=AuditHead.genesis)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "first_bad_seq": self.first_bad_seq,
            "line": self.line,
            "reason": self.reason,
            "head": self.head.as_dict(),
        }


@dataclass(frozen=True)
class ParsedLine:
    """One line of the file as read: its 1-based number, and its record or why it is not one."""

    number: int
    record: AuditRecord | None
    error: str = ""


def parse_content(content: bytes) -> list[ParsedLine]:
    """Parse every line, keeping unreadable ones (export with ``allow_broken`` lists them)."""
    out: list[ParsedLine] = []
    for number, raw in enumerate(split_lines(content), start=1):
        if not raw.strip():
            out.append(ParsedLine(number, None, "it is empty"))
            continue
        try:
            out.append(ParsedLine(number, parse_record_line(raw)))
        except ValueError as exc:
            out.append(ParsedLine(number, None, str(exc)))
    return out


def verify_log(path: Path, expected_head: AuditHead | None = None) -> VerifyReport:
    """Verify the log at ``path``; when ``expected_head`` is given, also check that the log
    still reaches it (i.e. nothing was cut off the end)."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        reason = f"the audit log {path} does not exist"
        if expected_head is not None and expected_head.seq > 0:
            reason += f", although the session state says it held {expected_head.seq} records"
        return VerifyReport(False, 0, None, None, reason + ".")
    except OSError as exc:
        return VerifyReport(False, 0, None, None, f"the audit log {path} could not be read ({exc.strerror}).")
    return verify_content(content, expected_head)[0]


def verify_content(
    content: bytes, expected_head: AuditHead | None = None
) -> tuple[VerifyReport, list[ParsedLine]]:
    """Verify the bytes of a log. Returns the parsed lines too, so an export writes exactly the
    bytes that were verified rather than re-reading a file that may have grown meanwhile."""
    lines = parse_content(content)
    torn_tail = bool(content) and not content.endswith(b"\n")
    prev_hash, prev_line = GENESIS_HASH, 0
    intact: list[AuditRecord] = []
    seq_lines: dict[int, list[int]] = {}
    for item in lines:
        if item.record is not None:
            seq_lines.setdefault(item.record.seq, []).append(item.number)

    def broken(seq: int, line: int, reason: str) -> tuple[VerifyReport, list[ParsedLine]]:
        head = intact[-1].head if intact else AuditHead.genesis()
        return VerifyReport(False, len(intact), seq, line, reason, head), lines

    for item in lines:
        expected_seq, rec, n = len(intact) + 1, item.record, item.number
        if rec is None:
            if torn_tail and n == len(lines):
                return broken(expected_seq, n, (
                    f"the last line (line {n}) is incomplete: it has no line ending and is not a "
                    f"readable record ({item.error}). A write cut short by a crash leaves such a "
                    "line; so does editing the file."
                ))
            return broken(expected_seq, n, (
                f"line {n} is not a readable audit record: {item.error}. The wizard writes one "
                "complete record per line, so this line was edited, inserted or damaged."
            ))
        if not _hash_matches(rec):
            if rec.seq != expected_seq:  # e.g. its seq was edited: name the position, not the claim
                return broken(expected_seq, n, (
                    f"the record at line {n}, where seq {expected_seq} belongs, now claims seq "
                    f"{rec.seq} and was changed after it was written; its contents no longer "
                    f"match its hash ({short_hash(rec.hash)})."
                ))
            return broken(rec.seq, n, (
                f"record seq {rec.seq} (line {n}) was changed after it was written; its contents "
                f"no longer match its hash ({short_hash(rec.hash)})."
            ))
        if rec.seq < expected_seq:
            first = seq_lines[rec.seq][0]
            return broken(rec.seq, n, (
                f"two records claim seq {rec.seq} (lines {first} and {n}): one of them was "
                "inserted or copied into the log."
            ))
        if rec.seq > expected_seq:
            later = [at for at in seq_lines.get(expected_seq, []) if at > n]
            if later:
                return broken(expected_seq, n, (
                    f"records are out of order: line {n} holds seq {rec.seq} where seq "
                    f"{expected_seq} belongs, and seq {expected_seq} appears later, at line "
                    f"{later[0]}. Records were moved."
                ))
            if rec.seq == expected_seq + 1:
                missing, deleted = f"record seq {expected_seq} is missing", "It was deleted"
            else:
                missing = f"records seq {expected_seq} to {rec.seq - 1} are missing"
                deleted = "They were deleted"
            return broken(expected_seq, n, (
                f"{missing}: line {n} holds seq {rec.seq} where seq {expected_seq} should be. "
                f"{deleted} from the log."
            ))
        if rec.prev != prev_hash:
            if expected_seq == 1:
                return broken(rec.seq, n, (
                    f"record seq 1 (line {n}) does not start a chain: its link to a previous "
                    "record should be 64 zeros but is not, so it was forged or taken from "
                    "another log."
                ))
            return broken(rec.seq, n, (
                f"record seq {rec.seq} (line {n}) is not linked to the record before it: it "
                f"says the previous record's hash is {short_hash(rec.prev)}, but record seq "
                f"{rec.seq - 1} (line {prev_line}) has hash {short_hash(prev_hash)}. One of the "
                "two was replaced by a forged record with a recomputed hash."
            ))
        if rec.kind not in KINDS:
            return broken(rec.seq, n, (
                f"record seq {rec.seq} (line {n}) has the kind {rec.kind!r}, which is not in the "
                "wizard's audit vocabulary, so the wizard did not write it."
            ))
        intact.append(rec)
        prev_hash, prev_line = rec.hash, n

    count = len(intact)
    head = intact[-1].head if intact else AuditHead.genesis()
    summary = f"chain intact: {count} records" + (f", seq 1 to {count}" if count else "")
    if expected_head is None:
        return VerifyReport(True, count, None, None, (
            f"{summary}. No saved head was given, so records removed from the end of the log "
            "could not be checked for."
        ), head), lines
    if expected_head.seq > head.seq:
        return VerifyReport(False, count, head.seq + 1, len(lines) + 1, (
            f"log ends at seq {head.seq} but the session state says the head is seq "
            f"{expected_head.seq} (hash {short_hash(expected_head.hash)}): records were removed "
            "from the end."
        ), head), lines
    # Past this point the chain is intact, so record seq k sits at index k-1 and on line k.
    if expected_head.seq == 0 and expected_head.hash != GENESIS_HASH:
        return VerifyReport(False, count, None, None, (
            f"the session state's saved head (seq 0, hash {short_hash(expected_head.hash)}) is "
            "not the start of any chain: the saved head was edited."
        ), head), lines
    if expected_head.seq and intact[expected_head.seq - 1].hash != expected_head.hash:
        seq = expected_head.seq
        return VerifyReport(False, count, seq, seq, (
            f"record seq {seq} (line {seq}) does not match the head saved in the session state "
            f"(state: hash {short_hash(expected_head.hash)}, log: hash "
            f"{short_hash(intact[seq - 1].hash)}): the log was rewritten from that record on, "
            "or the saved head was edited."
        ), head), lines
    if head.seq > expected_head.seq:
        extra = head.seq - expected_head.seq
        return VerifyReport(True, count, None, None, (
            f"{summary}. The session state's saved head is seq {expected_head.seq}, and the "
            f"{extra} record(s) after it chain on correctly (normal when the wizard stopped "
            "between writing the log and saving its state)."
        ), head), lines
    return VerifyReport(True, count, None, None, (
        f"{summary}. The last record matches the head saved in the session state, so nothing "
        "was removed from the end."
    ), head), lines


def _hash_matches(rec: AuditRecord) -> bool:
    try:
        return rec.computed_hash() == rec.hash
    except (ValueError, TypeError):  # e.g. a lone surrogate that cannot be encoded as UTF-8
        return False
