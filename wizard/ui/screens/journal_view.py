"""The rehearsal REST journal: the exact calls each step made, as ``az --debug`` would
show them. Rehearsal only: live calls are not journaled (tokens must never be)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import Worker, WorkerState

from wizard.ui import stylesheets
from wizard.ui.widgets.cells import wrap_cell
from wizard.ui.widgets.plain import Plain


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Journal lines; a torn last line (the backend was writing) is skipped."""
    if not path.exists():
        return []
    out: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            out.append(entry)
    return out


def short_path(path: str) -> str:
    """The part of an ARM path that tells calls apart: the subscription and resource group
    prefixes are the same on every row, so they are abbreviated (the detail shows it all)."""
    parts = path.split("/")
    out: list[str] = []
    i = 0
    while i < len(parts):
        if parts[i].lower() in ("subscriptions", "resourcegroups") and i + 1 < len(parts):
            out.append("…" if parts[i].lower() == "subscriptions" else f"rg:{parts[i + 1]}")
            i += 2
            continue
        if parts[i].lower() == "providers" and i + 1 < len(parts) and i > 0:
            i += 1  # "providers/Microsoft.X" reads as "Microsoft.X"
            continue
        out.append(parts[i])
        i += 1
    return "/".join(out) or path


NARROW_WIDTH = 100
FIXED_COLUMNS = 4 + 7 + 6 + 8  # "#", method, status and the cells' padding


class JournalScreen(Screen[None]):
    """Calls beside (at 80 columns: above) the selected call's request and response. The
    path column takes the rest of the table's width and wraps, so every call is told apart
    without sideways scrolling."""

    CSS_PATH = stylesheets.VIEWERS

    BINDINGS = [Binding("escape,j,q", "app.pop_screen", "Back"), Binding("g", "reload", "Reload")]

    def __init__(self, journal_path: Path) -> None:
        super().__init__()
        self.journal_path = journal_path
        self.entries: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("The exact REST calls each step made, as az --debug would show them.", id="journal-intro")
        with Horizontal(id="journal"):
            yield DataTable(id="journal-table", cursor_type="row")
            with VerticalScroll(id="journal-detail-box"):
                yield Plain("", id="journal-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")
        self.call_after_refresh(self._draw)  # the table's new width is known after layout

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exit_on_error=False, exclusive=True, name="journal", group="journal",
          description="Reading the REST journal")
    def load(self) -> list[dict[str, Any]]:
        return read_journal(self.journal_path)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "journal" or event.state != WorkerState.SUCCESS:
            if event.state == WorkerState.ERROR:
                self.query_one("#journal-detail", Static).update(f"Could not read the journal: {event.worker.error}")
            return
        self.entries = event.worker.result or []
        self._draw()
        if not self.entries:
            self.query_one("#journal-detail", Static).update("No calls yet.")

    def _draw(self) -> None:
        table = self.query_one("#journal-table", DataTable)
        cursor = table.cursor_row
        path_width = max(16, table.size.width - FIXED_COLUMNS - 2)
        table.clear(columns=True)
        table.add_column("#", key="n")
        table.add_column("Method", key="method")
        table.add_column("Status", key="status")
        table.add_column("Path", width=path_width, key="path")
        for index, entry in enumerate(self.entries, start=1):
            table.add_row(str(index), str(entry.get("method", "")), str(entry.get("status", "")),
                          wrap_cell(short_path(str(entry.get("path", ""))), path_width), height=None)
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        index = event.cursor_row
        if not 0 <= index < len(self.entries):
            return
        entry = self.entries[index]
        query = "&".join(f"{k}={v}" for k, v in (entry.get("query") or {}).items())
        lines = [f"{entry.get('method')} {entry.get('path')}" + (f"?{query}" if query else ""),
                 "", "Request body:", _json(entry.get("request"), 4000),
                 "", f"Response {entry.get('status')}:", _json(entry.get("response"), 6000)]
        self.query_one("#journal-detail", Static).update("\n".join(lines))


def _json(value: Any, limit: int) -> str:
    """A body as JSON with its characters as they are (no ``\\u`` escapes), cut at ``limit``."""
    text = json.dumps(value, indent=2, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "\n…"
