"""Pick a saved session to resume, from ``SessionStore.list()``."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from steps import REGISTRY
from wizard.session.store import SessionSummary
from wizard.ui import stylesheets
from wizard.ui.widgets.plain import Plain


def _title(step_id: str) -> str:
    return next((step.title for step in REGISTRY if step.id == step_id), step_id or "not started")


class SessionPicker(ModalScreen[str | None]):
    """Returns the chosen session id, or None."""

    CSS_PATH = stylesheets.DIALOGS

    BINDINGS = [Binding("escape", "cancel", "Back")]

    def __init__(self, sessions: list[SessionSummary]) -> None:
        super().__init__(classes="dialog-screen")
        self.sessions = sessions

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide") as box:
            box.border_title = "Resume a session"
            if not self.sessions:
                yield Plain("No saved sessions yet. Press Escape and start a new one.", classes="dialog-body")
                return
            yield Plain("↑/↓ to choose, Enter to resume, Escape to go back.", classes="dialog-body")
            table: DataTable[str] = DataTable(id="session-table", cursor_type="row")
            table.add_columns("Session", "Mode", "Created", "Progress", "Current step")
            for summary in sorted(self.sessions, key=lambda s: s.created, reverse=True):
                table.add_row(summary.id, summary.mode, summary.created[:16].replace("T", " "),
                              f"{summary.steps_done} of {len(REGISTRY)} steps done", _title(summary.current_step),
                              key=summary.id)
            yield table

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(str(event.row_key.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
