"""The what-if preview: planned changes grouped by change type, with counts.

An ``OptionList`` rather than a tree: its lines wrap, so a long resource name, a nested
deployment or a subscription-scope resource group is read in full at 80 columns, and it is
keyboard-navigable. A group heading per change type; a change with property deltas (a
Modify) opens and closes with Enter to show them (path: before → after). Below it: the
template/parameters SHA-256 (what the approval is bound to) and what the preview cannot see."""

from __future__ import annotations

import json
from typing import Any, Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from wizard.engine.arm import sha256_json
from wizard.engine.contract import PlannedChange, Preview
from wizard.ui.widgets.plain import Plain

# "Adopt": an existing directory object the step uses as it is (Graph steps; ARM has no such word).
# "Import" and "Wait": the bootstrap step's image imports (first) and its wait for Flux (last).
# "Apply" and "Run": Kubernetes objects a run command applies, then the commands that follow.
ORDER = ("Import", "Apply", "Create", "Modify", "Delete", "Deploy", "Run", "Wait", "Adopt", "Unsupported", "NoChange", "Ignore")
# What a heading adds to its count, for the kinds a newcomer would not read on their own.
HEADING_NOTE = {"Unsupported": "what-if could not predict these; ARM evaluates them when the deployment runs",
                "Ignore": "already there and not in this template: left as they are",
                "Import": "registry actions, run first, in this order",
                "Wait": "reads only, after the deployment",
                "Apply": "Kubernetes objects, applied by kubectl in file order through run command",
                "Run": "commands run after it, in this order"}
MARK = {"Create": "+", "Modify": "~", "Delete": "-", "Deploy": "▸", "Run": "▶", "Adopt": "@", "NoChange": "=", "Ignore": "·",
        "Unsupported": "?", "Import": "⇣", "Wait": "…", "Apply": "⇡"}
STYLE = {"Create": "green", "Modify": "yellow", "Delete": "red", "Deploy": "cyan", "Run": "magenta", "Adopt": "cyan",
         "Import": "green", "Apply": "green"}
NO_PARAMETERS = sha256_json({})  # the hash of an empty parameters object: nothing a reader can use
MAX_DELTAS = 40  # what-if can list hundreds of noisy deltas; the audit log has the count


def short(value: Any) -> str:
    """A one-line rendering of a property value for a delta."""
    if value is None:
        return "∅"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def counts_line(counts: Mapping[str, int]) -> str:
    parts = [f"{counts[kind]} {kind}" for kind in ORDER if counts.get(kind)]
    parts += [f"{n} {kind}" for kind, n in counts.items() if kind not in ORDER]
    return " · ".join(parts) if parts else "No changes."


def change_prompt(change: PlannedChange, expanded: bool = False) -> Text:
    """One planned change: mark, name and (dim) type; its deltas when expanded."""
    kind = change.change_type
    label = getattr(change, "label", "")
    text = Text(f"{MARK.get(kind, ' ')} {label or change.name}", style=STYLE.get(kind, ""))
    text.append(f"  {change.resource_type}" + (f" {change.name}" if label else ""), style="dim")
    reason = getattr(change, "reason", "")  # why ARM cannot predict it (Unsupported, a nested deployment)
    if reason:
        text.append(f"\n    {reason}", style="dim italic")
    if change.deltas:
        if not expanded:
            count = len(change.deltas)
            text.append(f"\n    {count} propert{'y' if count == 1 else 'ies'} change — Enter shows them", style="dim")
        else:
            for delta in change.deltas[:MAX_DELTAS]:
                extra = "" if delta.change == "Modify" else f"  ({delta.change})"
                text.append(f"\n    {delta.path}: {short(delta.before)} → {short(delta.after)}{extra}")
            if len(change.deltas) > MAX_DELTAS:
                text.append(f"\n    … and {len(change.deltas) - MAX_DELTAS} more", style="dim")
    return text


class PreviewPanel(Vertical):
    """Shows one ``Preview``; empty until the operator asks for it (p)."""

    def __init__(self) -> None:
        super().__init__()
        self.changes: dict[str, PlannedChange] = {}
        self.expanded: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Plain("Press p to ask what this step would change (nothing is changed yet).",
                    id="preview-summary", classes="panel-note")
        changes = OptionList(id="preview-list")
        changes.display = False
        yield changes
        with VerticalScroll(id="preview-meta-box"):  # at most part of the panel: the changes come first
            yield Plain("", id="preview-meta")

    def show(self, preview: Preview) -> None:
        counts = preview.counts()
        notes = list(preview.notes)
        if not preview.changes and notes:  # a choice that deploys nothing: say why at the top, once
            summary = f"Nothing to deploy. {notes.pop(0)}   — press a to approve, or change decisions first."
        else:
            summary = f"{counts_line(counts)}   — press a to approve and run, or change decisions first."
        self.query_one("#preview-summary", Static).update(summary)
        self.changes.clear()
        self.expanded.clear()
        options: list[Option] = []
        kinds = [k for k in ORDER if counts.get(k)] + [k for k in counts if k not in ORDER]
        for kind in kinds:
            heading = Text(f"{kind} ({counts[kind]})", style=f"bold {STYLE.get(kind, '')}")
            if kind in HEADING_NOTE:
                heading.append(f"  {HEADING_NOTE[kind]}", style="dim")
            options.append(Option(heading, id=f"group-{kind}", disabled=True))
            for change in (c for c in preview.changes if c.change_type == kind):
                option_id = f"change-{len(self.changes)}"
                self.changes[option_id] = change
                options.append(Option(change_prompt(change), id=option_id))
        listing = self.query_one("#preview-list", OptionList)
        listing.set_options(options)
        listing.display = True
        if self.changes:
            listing.highlighted = listing.get_option_index(next(iter(self.changes)))
        meta = []
        if preview.template_sha256:
            meta.append(f"Template SHA-256:   {preview.template_sha256}")
        if preview.parameters_sha256 == NO_PARAMETERS:
            meta.append("Parameters: none (every decision is written into the template above)")
        elif preview.parameters_sha256:
            meta.append(f"Parameters SHA-256: {preview.parameters_sha256}")
        meta += [f"Note: {note}" for note in notes]
        self.query_one("#preview-meta", Static).update("\n".join(meta))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a change with deltas opens or closes them."""
        event.stop()
        option_id = event.option.id or ""
        change = self.changes.get(option_id)
        if change is None or not change.deltas:
            return
        self.expanded ^= {option_id}
        event.option_list.replace_option_prompt(option_id, change_prompt(change, option_id in self.expanded))

    def show_waiting(self, why: str) -> None:
        """Before any preview: say what the preview waits for (p does nothing until then)."""
        if not self.changes:
            self.query_one("#preview-summary", Static).update(why)

    def show_stale(self, counts: Mapping[str, int]) -> None:
        """After a resume the full preview is gone; say so and offer to ask again."""
        self.query_one("#preview-summary", Static).update(
            f"Last preview: {counts_line(counts)}. Press p to preview again before approving.")
