"""The Markdown export: the audit log as a document a compliance reviewer reads.

It answers the reviewer's questions without a second file: which session this is (id, mode,
tool version, cloud, tenant, subscription), whether the chain verified and how far that proof
goes, who was signed in at each sitting, and for every decision, approval, override and
remedy, who made it. Every record is shown with all of its data; long prose is wrapped, never
cut. Escaping follows ``wizard.audit.mdtext``.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from wizard.audit.mdtext import code, text, wrap
from wizard.audit.sittings import OPERATOR_ACTS, SESSION_FIELDS, Sitting, actor_of, session_facts, sittings
from wizard.audit.verify import ParsedLine, VerifyReport

__all__ = ["render_markdown", "actor_label"]

_INLINE_LIST_CHARS = 80  # a list of short identifiers stays on one line; longer ones get a bullet each


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _is_prose(value: Any) -> bool:
    return isinstance(value, str) and any(ch.isspace() for ch in value)


def _inline(value: Any, *, in_table: bool = False) -> str:
    """One scalar on one line: identifiers and JSON literals as code, prose escaped."""
    if isinstance(value, str):
        return text(value) if _is_prose(value) else code(value, in_table=in_table)
    return code(json.dumps(value, ensure_ascii=False), in_table=in_table)


def _entry(label: str | None, value: Any, indent: int) -> list[str]:
    """A list item ``- label: value`` (or ``- value``), nesting objects and lists as sub-lists."""
    pad = " " * indent
    first = f"{pad}- {label}: " if label is not None else f"{pad}- "
    rest = pad + "  "
    if isinstance(value, Mapping):
        if not value:
            return [first + code("{}")]
        head = [first.rstrip()] if label is not None else [f"{pad}- (object)"]
        return head + [line for key, item in value.items() for line in _entry(code(str(key)), item, indent + 2)]
    if isinstance(value, (list, tuple)):
        if not value:
            return [first + code("[]")]
        if all(_is_scalar(v) and not _is_prose(v) for v in value) and \
                sum(len(str(v)) + 2 for v in value) <= _INLINE_LIST_CHARS:
            return [first + ", ".join(_inline(v) for v in value)]
        return [first.rstrip()] + [line for number, item in enumerate(value, start=1)
                                   for line in _element(number, item, indent + 2)]
    if _is_prose(value):
        return wrap(value, first, rest)
    return [first + _inline(value)]


def _element(number: int, value: Any, indent: int) -> list[str]:
    """One element of a list: scalars as their own bullet, objects as ``item N`` with sub-items."""
    if isinstance(value, (Mapping, list, tuple)):
        return _entry(f"item {number}", value, indent)
    return _entry(None, value, indent)


def actor_label(sitting: Sitting | None) -> str:
    """Name, sign-in name and object id of the actor in effect, in full: a reviewer must be able
    to tell two people with the same display name apart."""
    if sitting is None:
        return text("an unknown actor (no session.started or session.resumed record precedes this one)")
    actor = sitting.actor
    if actor is None:
        return text(f"an unknown actor (the {sitting.kind} record at seq {sitting.seq} names none)")
    name = str(actor.get("name") or "unnamed")
    parts = [text(name)]
    if actor.get("upn"):
        parts.append(f"({code(str(actor['upn']), in_table=True)})")
    label = " ".join(parts)
    if actor.get("object_id"):
        label += f", object id {code(str(actor['object_id']), in_table=True)}"
    if actor.get("kind") and actor.get("kind") != "user":
        label += f", {text(str(actor['kind']))}"
    return label


def _fact(values: list[tuple[int, Any]]) -> str:
    if not values:
        return "_not recorded_"
    if len(values) == 1:
        return _inline(values[0][1], in_table=True)
    return "; ".join(f"{_inline(v, in_table=True)} ({'seq' if i == 0 else 'from seq'} {seq})"
                     for i, (seq, v) in enumerate(values))


def _banner(report: VerifyReport, warning: str) -> list[str]:
    if report.ok:
        return wrap(report.reason, "**Verified.** ", "")
    return ["> ## ⚠ UNVERIFIED — THIS LOG FAILED VERIFICATION", ">", *wrap(warning, "> ", "> "), ">",
            "> Records marked ⚠ are at or after the point where the chain breaks."]


def _header(records: list[Any], report: VerifyReport, exported_at: str, session_id: str | None,
            head_checked: bool, export_format: str) -> list[str]:
    facts = session_facts(records)
    rows = [("Session", code(session_id, in_table=True) if session_id else
             "_not known: a bare audit file with no session state beside it_")]
    rows += [(label, _fact(facts[key])) for key, label in SESSION_FIELDS]
    rows += [
        ("Records verified", str(report.records)),
        ("Head", f"seq {report.head.seq}, sha256 {code(report.head.hash, in_table=True)}"),
        ("End of log", text("checked against the head saved in the session's state.json") if head_checked else
         "**NOT checked**: " + text("no saved head was available, so records removed from the end cannot be "
                                    "detected; compare the head above with the session's saved or exported head")),
        ("Exported (UTC)", code(exported_at, in_table=True)),
        ("Format", code(export_format, in_table=True)),
    ]
    return ["", "| | |", "|---|---|", *[f"| {label} | {value} |" for label, value in rows]]


def _sittings_table(records: list[Any]) -> list[str]:
    found = sittings(records)
    if not found:
        return []
    out = ["", "## Sittings", "", "| Seq | Time (UTC) | Kind | Actor |", "|---:|---|---|---|"]
    for sitting in found:
        out.append(f"| {sitting.seq} | {code(sitting.ts, in_table=True)} | {code(sitting.kind, in_table=True)} | "
                   f"{actor_label(sitting)} |")
    return out


def render_markdown(lines: Sequence[ParsedLine], report: VerifyReport, exported_at: str, *, warning: str,
                    session_id: str | None, head_checked: bool, export_format: str) -> bytes:
    """The whole document. ``warning`` is the UNVERIFIED sentence (used only when the report
    failed); ``head_checked`` says whether a saved head was compared, i.e. whether truncation
    could be detected at all."""
    parsed = [(item.number, item.record) for item in lines if item.record is not None]
    records = [record for _, record in parsed]
    who = actor_of(parsed)
    out = ["# AKS baseline wizard — audit log", "", *_banner(report, warning)]
    out += _header(records, report, exported_at, session_id, head_checked, export_format)
    out += _sittings_table(records)
    groups: dict[str | None, list[tuple[int, Any]]] = {}
    for number, record in parsed:
        groups.setdefault(record.step, []).append((number, record))
    for step, items in groups.items():
        out += ["", "## Session (not tied to a step)" if step is None else f"## Step: {text(step)}"]
        for number, record in items:
            broken = not report.ok and report.line is not None and number >= report.line
            heading = f"{'⚠ ' if broken else ''}**seq {record.seq}** · {code(record.ts)} · {code(record.kind)}"
            if record.kind in OPERATOR_ACTS:
                heading += f" · by {actor_label(who[number])}"
            out += ["", heading, ""]
            out += [line for key, value in record.data.items() for line in _entry(code(str(key)), value, 0)] \
                or ["- " + text("(no data)")]
    unreadable = [item for item in lines if item.record is None]
    if unreadable:
        out += ["", "## Unreadable lines", ""]
        for item in unreadable:
            out += wrap(f"line {item.number}: {item.error}", "- ", "  ")
    out += ["", f"_Head: seq {report.head.seq}, sha256 {code(report.head.hash)}. Compare it with the session's "
                "saved head or an earlier export._", ""]
    return "\n".join(out).encode("utf-8")
