"""The Markdown export as a reviewer reads it: rendered by a CommonMark parser (markdown-it, the
one Textual ships), every operator word and Azure identifier must come out exactly as recorded,
every decision, approval, override and remedy must name who made it, and nothing is cut."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from wizard.audit import mdtext
from wizard.audit.command import run_export
from wizard.audit.log import AuditLog

NASTY = [
    "The public host is bicycle.<domain> and the ingress wildcard *.aks-ingress.<domain>",
    "<b>bold</b> & &amp; &#60; an entity and a tag",
    "*emph* _emph_ **strong** __strong__ ~~strike~~ snake_case_name",
    "[link](http://example.com) ![img](y.png) <http://auto.link> <me@example.com>",
    "back\\slash \\* already escaped, `code` and ``double`` ticks",
    "| a pipe | table |",
    "# not a heading",
    "- not a list",
    "+ not a list",
    "1. not a list",
    "2) not a list",
    "> not a quote",
    "===",
    "---",
    "```fence",
    "~~~fence",
]

# Block syntax that, at the start of a wrapped continuation line, would change the document.
LINE_STARTS = ["-", "+", "*", "#", "1.", "2)", ">", "===", "---", "```", "~~~", "<div>", "|", "_"]


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def inline_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
    return "".join(parts)


def only_inline(source: str) -> list[Token]:
    """Parse and return the children of the single inline token, failing on any other block."""
    tokens = parser().parse(source)
    inlines = [t for t in tokens if t.type == "inline"]
    assert len(inlines) == 1, [t.type for t in tokens]
    return inlines[0].children or []


MARKUP = {"em_open", "strong_open", "s_open", "link_open", "image", "html_inline", "code_inline"}


@pytest.mark.parametrize("value", NASTY)
def test_text_renders_exactly_what_was_recorded(value: str) -> None:
    escaped = mdtext.text(value)
    assert "&lt;" not in escaped and "&gt;" not in escaped  # Markdown escapes, never HTML entities
    tokens = parser().parse(escaped)
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]  # no heading, list, quote
    children = tokens[1].children or []
    assert not MARKUP & {c.type for c in children}, [c.type for c in children]
    assert inline_text(children) == value


@pytest.mark.parametrize("value", ["a`b", "`lead", "trail`", "``", " spaced ", "bicycle.<domain>", "&amp;", "x\\*y"])
def test_code_spans_are_literal_and_never_escaped_inside(value: str) -> None:
    span = mdtext.code(value)
    children = only_inline(span)
    assert [(c.type, c.content) for c in children] == [("code_inline", value)]
    if "`" not in value and not value.startswith(" "):
        assert span == f"`{value}`"  # nothing added inside the span


def test_code_spans_inside_a_table_keep_their_pipes() -> None:
    doc = f"| a | b |\n|---|---|\n| {mdtext.code('x|y', in_table=True)} | z |\n"
    cells = [t.children for t in parser().parse(doc) if t.type == "inline"]
    assert [(c.type, c.content) for c in cells[2]] == [("code_inline", "x|y")]
    assert inline_text(cells[3]) == "z"


@pytest.mark.parametrize("marker", LINE_STARTS)
def test_wrapped_continuation_lines_never_start_a_block(marker: str) -> None:
    # 91 characters after the 9-character prefix fill the first line, so the marker starts line 2.
    value = "x" * 91 + f" {marker} and then some words after it"
    lines = mdtext.wrap(value, "- `why`: ", "  ")
    assert len(lines) == 2 and lines[1].startswith("  ")
    tokens = parser().parse("\n".join(lines) + "\n")
    types = [t.type for t in tokens]
    assert types.count("bullet_list_open") == 1 and types.count("list_item_open") == 1, types
    assert not {"heading_open", "blockquote_open", "ordered_list_open", "fence", "hr", "html_block",
                "table_open"} & set(types), types
    inline = next(t for t in tokens if t.type == "inline")
    assert inline_text(inline.children or []) == "why: " + value


def test_wrap_keeps_every_word_and_the_operators_line_breaks() -> None:
    value = ("Accepted because this cluster is a short-lived test environment; " * 6).strip() + "\nSecond line."
    lines = mdtext.wrap(value, "- `justification`: ", "  ")
    assert len(lines) > 3 and all(len(line) <= mdtext.WIDTH for line in lines)
    inline = next(t for t in parser().parse("\n".join(lines)) if t.type == "inline")
    assert inline_text(inline.children or []) == "justification: " + value


# -- the export end to end -------------------------------------------------------------------

def actor(n: int) -> dict[str, str]:
    return {"object_id": f"0000000{n}-aaaa-4bbb-8ccc-dddddddddddd", "name": f"Reviewer Number {n}",
            "upn": f"person{n}@contoso.example", "tenant_id": "t-1", "kind": "user"}


LONG_WHY = "The public host is bicycle.<domain> and the ingress wildcard *.aks-ingress.<domain>; " * 3
JUSTIFICATION = ("One public IP is enough: this is a short-lived test cluster with a handful of pods, and the "
                 "SNAT port budget of 2,496 per instance covers it with room to spare; revisit before production.")
EVIDENCE = "quota " + ", ".join(f"region{i}=used {i} of {i * 10}" for i in range(20))
OUTPUT = "/subscriptions/2d6f/resourceGroups/rg-hub/providers/Microsoft.Network/azureFirewalls/" + "f" * 80


@pytest.fixture
def session_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "sessions" / "20261122-100000-abc123"
    folder.mkdir(parents=True)
    log = AuditLog(folder / "audit.jsonl")
    started = {"mode": "rehearsal", "tool_version": "0.1.0", "cloud": "Rehearsal", "tenant_id": "t-1",
               "subscription_id": "sub-1", "scenario": "default", "actor": actor(1), "resume_step": None}
    log.append("session.started", None, started)                                                   # 1
    log.append("decision.recorded", "tls-certificates", {"field": "domain", "value": "contoso.com",
                                                         "why": LONG_WHY})                         # 2
    log.append("preview.approved", "tls-certificates", {"counts": {"Create": 4}})                  # 3
    log.append("session.resumed", None, {**started, "tool_version": "0.2.0", "actor": actor(2)})    # 4
    log.append("check.result", "hub", {"check": "hub.snat", "status": "warn", "evidence": {"detail": EVIDENCE}})  # 5
    log.append("check.overridden", "hub", {"check": "hub.snat", "justification": JUSTIFICATION})  # 6
    log.append("remedy.applied", "prerequisites", {"check": "prereq.providers", "ok": True})      # 7
    log.append("step.completed", "hub", {"outputs": {"firewall_id": OUTPUT}})                      # 8
    (folder / "state.json").write_text(json.dumps({"id": folder.name, "audit_head": log.head.as_dict()}))
    return folder


def export_md(session_dir: Path, tmp_path: Path) -> str:
    out = tmp_path / "review.md"
    assert run_export(session_dir.name, session_dir.parent, out, "md") == 0
    return out.read_text(encoding="utf-8")


def block(text: str, seq: int) -> str:
    """The heading and data of one record."""
    return text.split(f"**seq {seq}** · ", 1)[1].split("\n\n**seq ", 1)[0].split("\n\n## ", 1)[0]


def test_every_operator_act_names_the_actor_in_effect(session_dir: Path, tmp_path: Path) -> None:
    text = export_md(session_dir, tmp_path)

    def by(n: int) -> str:
        a = actor(n)
        return f"by {a['name']} (`{a['upn']}`), object id `{a['object_id']}`"

    for seq, who in ((2, 1), (3, 1), (6, 2), (7, 2)):  # the resume at seq 4 changes who is acting
        heading = block(text, seq).splitlines()[0]
        assert heading.endswith(by(who)), heading
    for seq in (1, 4, 5, 8):  # records of what happened, not of what someone chose
        assert " · by " not in block(text, seq).splitlines()[0]
    sittings = text.split("## Sittings", 1)[1].split("\n## ", 1)[0]
    assert actor(1)["object_id"] in sittings and actor(2)["object_id"] in sittings


def test_header_identifies_the_session(session_dir: Path, tmp_path: Path) -> None:
    text = export_md(session_dir, tmp_path)
    header = text.split("\n## ", 1)[0]
    for row in ("| Session | `20261122-100000-abc123` |", "| Mode | `rehearsal` |", "| Cloud | `Rehearsal` |",
                "| Tenant | `t-1` |", "| Subscription | `sub-1` |",
                "| Tool version | `0.1.0` (seq 1); `0.2.0` (from seq 4) |",
                "| End of log | checked against the head saved in the session's state.json |"):
        assert row in header.splitlines(), row


def test_nothing_a_reviewer_needs_is_cut(session_dir: Path, tmp_path: Path) -> None:
    text = export_md(session_dir, tmp_path)
    assert "…" not in text  # the old export clipped with an ellipsis
    rendered = " ".join(
        inline_text(t.children or []) for t in parser().parse(text) if t.type == "inline")
    for recorded in (LONG_WHY.strip(), JUSTIFICATION, EVIDENCE, OUTPUT):
        assert recorded in rendered
    for seq in (2, 6):  # long prose is wrapped, not one endless line
        prose = [line for line in block(text, seq).splitlines()[2:] if not line.startswith("- `check`")]
        assert len(prose) > 1 and all(len(line) <= mdtext.WIDTH for line in prose), prose


def test_markdown_never_html_escapes(session_dir: Path, tmp_path: Path) -> None:
    text = export_md(session_dir, tmp_path)
    assert "&lt;" not in text
    assert "bicycle.\\<domain\\>" in text and "\\*.aks-ingress.\\<domain\\>" in text
    html = parser().render(text)
    assert "bicycle.&lt;domain&gt;" in html and "<domain>" not in html  # shown as text, not a tag


def test_bare_file_export_says_it_has_no_session_and_no_truncation_check(
    session_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = tmp_path / "handed-over" / "audit.jsonl"
    bare.parent.mkdir()
    bare.write_bytes((session_dir / "audit.jsonl").read_bytes())
    out = tmp_path / "bare.md"
    assert run_export(str(bare), tmp_path / "sessions", out, "md") == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[2].startswith("UNCHECKED: truncation.")
    header = out.read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert "| Session | _not known: a bare audit file with no session state beside it_ |" in header
    assert "| End of log | **NOT checked**: no saved head was available" in header
