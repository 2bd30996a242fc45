"""The what-if preview: planned changes grouped by change type, with counts.

A ``Tree`` because a Modify must expand to its property deltas (path: before → after) and
trees are keyboard-navigable out of the box. Below it: template/parameters SHA-256 (what the
approval is bound to) and the notes on what the preview cannot see."""

from __future__ import annotations

import json
from typing import Any, Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, Tree

from wizard.engine.contract import PlannedChange, Preview
from wizard.ui.widgets.plain import Plain

ORDER = ("Create", "Modify", "Delete", "Deploy", "NoChange", "Ignore", "Unsupported")
MARK = {"Create": "+", "Modify": "~", "Delete": "-", "Deploy": "▸", "NoChange": "=", "Ignore": "·",
        "Unsupported": "?"}
STYLE = {"Create": "green", "Modify": "yellow", "Delete": "red", "Deploy": "cyan"}


def short(value: Any) -> str:
    """A one-line rendering of a property value for a delta."""
    if value is None:
        return "∅"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, separators=(",", ":"), default=str)
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def counts_line(counts: Mapping[str, int]) -> str:
    parts = [f"{counts[kind]} {kind}" for kind in ORDER if counts.get(kind)]
    parts += [f"{n} {kind}" for kind, n in counts.items() if kind not in ORDER]
    return " · ".join(parts) if parts else "No changes."


class PreviewPanel(Vertical):
    """Shows one ``Preview``; empty until the operator asks for it (p)."""

    def compose(self) -> ComposeResult:
        yield Plain("Press p to ask what this step would change (nothing is changed yet).",
                     id="preview-summary", classes="panel-note")
        tree: Tree[PlannedChange | None] = Tree("Planned changes", id="preview-tree")
        tree.show_root = False
        tree.display = False
        yield tree
        yield Plain("", id="preview-meta")

    def show(self, preview: Preview) -> None:
        counts = preview.counts()
        self.query_one("#preview-summary", Static).update(
            f"{counts_line(counts)}   — press a to approve and run, or change decisions first.")
        tree = self.query_one("#preview-tree", Tree)
        tree.clear()
        kinds = [k for k in ORDER if counts.get(k)] + [k for k in counts if k not in ORDER]
        for kind in kinds:
            group = tree.root.add(Text(f"{kind} ({counts[kind]})", style=f"bold {STYLE.get(kind, '')}"),
                                  data=None, expand=kind in ("Create", "Modify", "Delete", "Deploy"))
            for change in (c for c in preview.changes if c.change_type == kind):
                label = Text(f"{MARK.get(kind, ' ')} {change.name}  ", style=STYLE.get(kind, ""))
                label.append(change.resource_type, style="dim")
                if change.deltas:
                    node = group.add(label, data=change, expand=False)
                    for delta in change.deltas:
                        node.add_leaf(f"{delta.path}: {short(delta.before)} → {short(delta.after)}"
                                      + ("" if delta.change == "Modify" else f"  ({delta.change})"))
                else:
                    group.add_leaf(label, data=change)
        tree.display = True
        meta = []
        if preview.template_sha256:
            meta.append(f"Template SHA-256:   {preview.template_sha256}")
        if preview.parameters_sha256:
            meta.append(f"Parameters SHA-256: {preview.parameters_sha256}")
        meta += [f"Note: {note}" for note in preview.notes]
        self.query_one("#preview-meta", Static).update("\n".join(meta))

    def show_stale(self, counts: Mapping[str, int]) -> None:
        """After a resume the full preview is gone; say so and offer to ask again."""
        self.query_one("#preview-summary", Static).update(
            f"Last preview: {counts_line(counts)}. Press p to preview again before approving.")
