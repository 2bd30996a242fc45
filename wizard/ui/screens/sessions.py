"""Pick a saved session to resume, from ``SessionStore.list()``.

One wrapped line per session (id, mode, created, progress, current step) rather than five
columns: at 80 columns a table of five was cut, and the step it stopped at - the thing that
tells sessions apart - fell off the right edge."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable

from steps import REGISTRY
from wizard.session.store import SessionSummary
from wizard.ui import stylesheets
from wizard.ui.widgets.cells import wrap_cell
from wizard.ui.widgets.plain import Plain


def _title(step_id: str) -> str:
    return next((step.title for step in REGISTRY if step.id == step_id), step_id or "not started")


def describe(summary: SessionSummary) -> str:
    """``<id> · rehearsal · created … · 2 of 12 steps done · at Hub network``."""
    created = summary.created[:16].replace("T", " ")
    return (f"{summary.id}  ·  {summary.mode}  ·  created {created}  ·  "
            f"{summary.steps_done} of {len(REGISTRY)} steps done  ·  at {_title(summary.current_step)}")


class SessionPicker(ModalScreen[str | None]):
    """Returns the chosen session id, or None."""

    CSS_PATH = stylesheets.DIALOGS

    BINDINGS = [Binding("escape", "cancel", "Back")]

    def __init__(self, sessions: list[SessionSummary]) -> None:
        super().__init__(classes="dialog-screen")
        self.sessions = sorted(sessions, key=lambda s: s.created, reverse=True)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide") as box:
            box.border_title = "Resume a session"
            if not self.sessions:
                yield Plain("No saved sessions yet. Press Escape and start a new one.", classes="dialog-body")
                return
            yield Plain("↑/↓ to choose, Enter to resume, Escape to go back.", classes="dialog-body")
            yield DataTable(id="session-table", cursor_type="row", show_header=False)

    def on_mount(self) -> None:
        self._draw()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._draw)

    def _draw(self) -> None:
        tables = self.query("#session-table")
        if not tables:
            return
        table = tables.first(DataTable)
        cursor = table.cursor_row
        width = max(30, table.size.width - 4 if table.size.width else 60)  # cell padding and scrollbar
        table.clear(columns=True)
        table.add_column("Session", width=width, key="session")
        for summary in self.sessions:
            table.add_row(wrap_cell(describe(summary), width), key=summary.id, height=None)
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(str(event.row_key.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
