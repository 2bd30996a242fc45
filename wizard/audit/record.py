"""One audit record, its canonical form and its chain hash.

The hash is taken over a *canonical* JSON encoding (sorted keys, no whitespace, UTF-8) of the
record without its ``hash`` key, so anyone can recompute it with a few lines of any language
and the result does not depend on how a line happens to be formatted on disk. Each record's
``prev`` is the previous record's ``hash`` (64 zeros for the first), which is what makes an
edit, deletion, insertion or reordering anywhere in the file visible.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import PurePath
from typing import Any, Mapping

GENESIS_HASH = "0" * 64
"""The ``prev`` of record 1: there is no earlier record to point at."""

RECORD_KEYS: tuple[str, ...] = ("seq", "ts", "kind", "step", "data", "prev", "hash")
"""The exact keys of a record, in the order they are written (the order a reader expects)."""

_HEX64 = re.compile(r"[0-9a-f]{64}")
_TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")


def canonical_bytes(obj: Mapping[str, Any]) -> bytes:
    """The exact bytes that are hashed. Fixed by the log format: changing any argument here
    would make every existing log fail verification."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def chain_hash(body: Mapping[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of a record body (the record without ``hash``)."""
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


def utc_timestamp(moment: datetime | None = None) -> str:
    """UTC ISO-8601 with microseconds and a ``Z``: sortable as text and unambiguous for a
    reviewer in any time zone."""
    moment = moment or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _encode_extra(value: Any) -> Any:
    """``json.dumps`` default: the few non-JSON types engine code legitimately passes.

    Everything else is a ``TypeError`` on purpose - silently writing ``repr()`` of an object
    would put unreviewable (and possibly secret-bearing) text into a compliance record."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat()
        return utc_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(
        f"audit data must be JSON-serialisable; got a {type(value).__name__} "
        "(convert it to str, int, float, bool, list or dict first)"
    )


def to_jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise ``data`` to plain JSON types by a round trip.

    The hash must be computed over exactly what a reader will parse back, so Path/Enum/datetime
    conversion, tuple-to-list and int-key-to-str all happen *before* hashing."""
    if not isinstance(data, Mapping):
        raise TypeError(f"audit data must be a mapping, got {type(data).__name__}")
    text = json.dumps(dict(data), default=_encode_extra, ensure_ascii=False, allow_nan=False)
    result: dict[str, Any] = json.loads(text)
    return result


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A line with a key twice would read differently in different JSON tools; refuse it."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"the key {key!r} appears twice")
        obj[key] = value
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def load_json_line(text: str) -> Any:
    """Strict JSON parsing for log lines: no duplicate keys, no NaN/Infinity (never written by
    this tool, so their presence means someone else wrote the line)."""
    return json.loads(text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant)


@dataclass(frozen=True)
class AuditHead:
    """The position of the last record: what the session state saves, so that verification
    can later tell whether records were removed from the end of the log."""

    seq: int
    hash: str

    @classmethod
    def genesis(cls) -> "AuditHead":
        """The head of an empty log."""
        return cls(0, GENESIS_HASH)

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "AuditHead":
        """Parse a saved head, refusing anything malformed: a wrong head would make
        verification compare against garbage and either miss truncation or cry wolf."""
        if not isinstance(raw, Mapping):
            raise ValueError("an audit head must be an object with 'seq' and 'hash'")
        seq, digest = raw.get("seq"), raw.get("hash")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError("an audit head's 'seq' must be a non-negative integer")
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise ValueError("an audit head's 'hash' must be 64 lowercase hex digits")
        return cls(seq, digest)


@dataclass(frozen=True)
class AuditRecord:
    """One line of the log. Frozen because a record, once written, never changes."""

    seq: int
    ts: str
    kind: str
    step: str | None
    data: dict[str, Any]
    prev: str
    hash: str

    def body(self) -> dict[str, Any]:
        """The record without ``hash``: what the hash is computed over."""
        return {
            "seq": self.seq,
            "ts": self.ts,
            "kind": self.kind,
            "step": self.step,
            "data": self.data,
            "prev": self.prev,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}

    def to_line(self) -> str:
        """The on-disk line (without newline): fields in reading order, non-ASCII kept
        readable. Formatting is free because the hash uses the canonical form."""
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False)

    def computed_hash(self) -> str:
        """What ``hash`` should be if the record is unaltered."""
        return chain_hash(self.body())

    @property
    def head(self) -> AuditHead:
        return AuditHead(self.seq, self.hash)

    @classmethod
    def from_dict(cls, obj: Any) -> "AuditRecord":
        """Check a parsed line has exactly the record shape. Messages are written for a
        compliance reviewer: they say which field is wrong and what it should look like."""
        if not isinstance(obj, dict):
            raise ValueError("it is not a JSON object")
        missing = [k for k in RECORD_KEYS if k not in obj]
        if missing:
            raise ValueError(f"it is missing the field(s) {', '.join(missing)}")
        extra = sorted(k for k in obj if k not in RECORD_KEYS)
        if extra:
            raise ValueError(f"it has unexpected field(s) {', '.join(extra)}")
        seq, ts, kind, step = obj["seq"], obj["ts"], obj["kind"], obj["step"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise ValueError("its seq is not a positive whole number")
        if not isinstance(ts, str) or not _TS.fullmatch(ts) or not _valid_datetime(ts):
            raise ValueError("its ts is not a UTC timestamp like 2026-11-22T10:00:00.123456Z")
        if not isinstance(kind, str):
            raise ValueError("its kind is not text")
        if step is not None and not isinstance(step, str):
            raise ValueError("its step is neither text nor null")
        if not isinstance(obj["data"], dict):
            raise ValueError("its data is not a JSON object")
        for key in ("prev", "hash"):
            if not isinstance(obj[key], str) or not _HEX64.fullmatch(obj[key]):
                raise ValueError(f"its {key} is not 64 lowercase hex digits")
        return cls(seq, ts, kind, step, obj["data"], obj["prev"], obj["hash"])


def _valid_datetime(ts: str) -> bool:
    try:
        datetime.fromisoformat(ts)
    except ValueError:
        return False
    return True
