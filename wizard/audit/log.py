"""``AuditLog``: the only code that writes audit records.

Append-only by construction: the file is only ever opened for appending, every record is
flushed and fsynced before ``append`` returns (so a record the UI has shown as saved survives a
power cut), and a lock serialises appends because preflight checks run concurrently and each
may record its result. Nothing here rewrites or deletes bytes already on disk - not even a
half-written line left by a crash, which stays visible to ``verify`` rather than being quietly
repaired.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

from wizard.audit.guard import refuse_secrets
from wizard.audit.kinds import check_kind
from wizard.audit.record import (
    GENESIS_HASH,
    AuditHead,
    AuditRecord,
    chain_hash,
    load_json_line,
    to_jsonable,
    utc_timestamp,
)

__all__ = ["AuditLog", "AuditHead", "AuditRecord"]

_OPEN_FLAGS = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
_FILE_MODE = 0o600  # the log names subscriptions and resources: owner-only, like the session


def _fsync_dir(folder: Path) -> None:
    """Make a newly created file's directory entry durable (POSIX only; Windows cannot open a
    directory this way and its file system journals the entry itself)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def split_lines(content: bytes) -> list[bytes]:
    """The file's lines without their newlines. A final newline ends the last line rather than
    starting an empty one, so line numbers match what an editor shows."""
    lines = content.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines


def parse_record_line(raw: bytes) -> AuditRecord:
    """Parse one line of the log into a record, or raise ``ValueError`` saying what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("it is not valid UTF-8 text") from exc
    try:
        obj = load_json_line(text)
    except json.JSONDecodeError as exc:  # parser positions mean nothing to a reviewer
        raise ValueError("it is not valid JSON") from exc
    except ValueError as exc:  # duplicate keys, NaN: say which
        raise ValueError(f"it is not acceptable JSON, because {exc}") from exc
    return AuditRecord.from_dict(obj)


class AuditLog:
    """An open audit log file (``audit.jsonl`` in a session folder).

    One ``AuditLog`` per file per process: the lock that keeps the chain linear lives in the
    instance. The session lock is what keeps a second process out.
    """

    def __init__(self, path: Path, *, clock: Callable[[], datetime] | None = None) -> None:
        """Open ``path``, creating it (and its folder) if needed, and continue its chain from
        the last line that parses as a record. ``clock`` exists so tests can pin timestamps."""
        self.path = Path(path)
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()
        self._create_if_missing()
        self._head = self._read_head()

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r}, head seq {self._head.seq})"

    @property
    def head(self) -> AuditHead:
        """Seq and hash of the last record (seq 0 and 64 zeros when empty). The session saves
        this in its state so ``verify`` can later detect records cut off the end."""
        return self._head

    def append(self, kind: str, step: str | None, data: Mapping[str, Any]) -> AuditRecord:
        """Write one record and return it once it is on disk.

        Validation happens before the lock and before any I/O, so a rejected record (unknown
        kind, non-JSON data, secret-looking value) never leaves a trace or a gap in the chain.
        """
        check_kind(kind)
        if step is not None and not isinstance(step, str):
            raise TypeError(f"audit step must be a step id (str) or None, got {type(step).__name__}")
        clean = to_jsonable(data)
        refuse_secrets(kind, clean)
        with self._lock:
            body = {
                "seq": self._head.seq + 1,
                "ts": utc_timestamp(self._clock()),
                "kind": kind,
                "step": step,
                "data": clean,
                "prev": self._head.hash,
            }
            record = AuditRecord(**body, hash=chain_hash(body))
            self._write_line((record.to_line() + "\n").encode("utf-8"))
            self._head = record.head
        return record

    def records(self) -> list[AuditRecord]:
        """Every record in file order. Raises ``ValueError`` naming the line if any line is not
        a well-formed record; use ``wizard.audit.verify.verify_log`` to check the chain."""
        with self._lock:
            content = self.path.read_bytes()
        out: list[AuditRecord] = []
        for number, raw in enumerate(split_lines(content), start=1):
            try:
                out.append(parse_record_line(raw))
            except ValueError as exc:
                raise ValueError(f"{self.path} line {number} is not a valid audit record: {exc}") from exc
        return out

    def _create_if_missing(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
        except FileExistsError:
            return
        os.close(fd)
        _fsync_dir(self.path.parent)

    def _read_head(self) -> AuditHead:
        """The head is the last line that parses as a record; anything after it (e.g. a line
        torn by a crash) is left in place for ``verify`` to report."""
        for raw in reversed(split_lines(self.path.read_bytes())):
            try:
                return parse_record_line(raw).head
            except ValueError:
                continue
        return AuditHead(0, GENESIS_HASH)

    def _write_line(self, line: bytes) -> None:
        """Append ``line`` durably. If the file does not end in a newline (a write cut short),
        start on a fresh line so a good record is never glued onto a broken one."""
        fd = os.open(self.path, _OPEN_FLAGS, _FILE_MODE)
        with os.fdopen(fd, "a+b") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size:
                handle.seek(size - 1)
                if handle.read(1) != b"\n":
                    line = b"\n" + line
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
