"""Shown while a session opens (starting the rehearsal backend or signing in), which runs
in a worker so the screen keeps drawing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import LoadingIndicator, Static

from wizard.ui import stylesheets
from wizard.ui.widgets.plain import Plain


class OpeningDialog(ModalScreen[None]):
    """Dismissed by the app when the workspace is open or opening failed."""

    CSS_PATH = stylesheets.DIALOGS

    def __init__(self, text: str) -> None:
        super().__init__(classes="dialog-screen")
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Opening session"
            yield Plain(self.text, classes="dialog-body")
            yield LoadingIndicator()
