"""Putting audit text into Markdown without changing what it says.

A reviewer reads the Markdown export rendered (a ticket, a wiki) or raw; both must show the
operator's words and Azure's identifiers exactly. Two rules, applied everywhere:

* prose goes through ``text``: every character Markdown could act on is backslash-escaped
  (CommonMark lets any ASCII punctuation be escaped), never HTML-escaped, so
  ``bicycle.<domain>`` renders as ``bicycle.<domain>`` rather than as a tag or as ``&lt;``;
* identifiers (values without whitespace: ids, hashes, names, CIDRs) go through ``code``: a
  code span shows its content literally, so nothing inside it is escaped; the fence is made
  longer than any run of backticks in the value instead.

Long prose is wrapped (``wrap``), never cut: an export that drops the end of a justification
or a why-text hides exactly what a reviewer came to read.
"""

from __future__ import annotations

import re
import textwrap

__all__ = ["WIDTH", "text", "code", "wrap"]

WIDTH = 100
"""Wrap prose at this column; identifiers in code spans are never broken."""

# Inline syntax anywhere in a line: escapes, code, emphasis, links/images, raw HTML and
# autolinks, table cells, strikethrough and entity references.
_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
# Syntax that only matters at the start of a line: lists, headings, setext underlines,
# thematic breaks. ``text`` cannot know where a line will start, so ``wrap`` handles these.
_LINE_START = re.compile(r"^([-+=#])")
_ORDERED_MARKER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def text(value: str) -> str:
    """Escape prose for Markdown, on one line (line breaks become spaces; ``wrap`` keeps them)."""
    flat = " ".join(value.splitlines())
    return _guard_line_start(_INLINE.sub(r"\\\1", flat))


def code(value: str, *, in_table: bool = False) -> str:
    """A code span showing ``value`` literally. Inside a table a ``|`` would still end the
    cell (GFM splits cells before parsing code spans), so there it is escaped."""
    flat = " ".join(value.splitlines())
    if not flat:
        return '`""`'
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or (flat[0] == " " and flat[-1] == " ") else ""
    if in_table:
        flat = flat.replace("|", "\\|")
    return f"{fence}{pad}{flat}{pad}{fence}"


def _guard_line_start(line: str) -> str:
    """Escape what would turn the start of a line into a list item or a heading."""
    line = _ORDERED_MARKER.sub(r"\1\\\2", line)
    return _LINE_START.sub(r"\\\1", line)


def wrap(value: str, first_prefix: str, next_prefix: str) -> list[str]:
    """Prose as wrapped, escaped Markdown lines: the first starts with ``first_prefix`` (e.g.
    ``- `key`: ``), the rest with ``next_prefix`` (the indentation, or ``> ``, that keeps them in
    the same list item or quote). The value's own line breaks are kept as hard breaks; nothing
    is dropped."""
    paragraphs = [p for p in value.replace("\r\n", "\n").replace("\r", "\n").split("\n") if p.strip()]
    if not paragraphs:
        return [first_prefix + code(value)]
    out: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        prefix = first_prefix if index == 0 else next_prefix
        lines = textwrap.wrap(_INLINE.sub(r"\\\1", paragraph), width=WIDTH, initial_indent=prefix,
                              subsequent_indent=next_prefix, break_long_words=False, break_on_hyphens=False)
        for number, line in enumerate(lines):
            lead = prefix if number == 0 else next_prefix
            content = line[len(lead):]
            if number or _container_only(lead):  # this content begins a line of the block
                content = _guard_line_start(content)
            out.append(lead + content)
        if index < len(paragraphs) - 1:
            out[-1] += "\\"  # a backslash before the line end is a hard line break
    return out


def _container_only(prefix: str) -> bool:
    """True when ``prefix`` is only indentation or quote markers, so what follows it is at the
    start of a line as far as block syntax goes."""
    return prefix.strip(" >") == ""
