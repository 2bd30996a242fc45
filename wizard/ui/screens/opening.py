"""Shown while a session opens (starting the rehearsal backend or signing in), which runs
in a worker so the screen keeps drawing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from wizard.ui.widgets.plain import Plain
from textual.widgets import LoadingIndicator, Static


class OpeningDialog(ModalScreen[None]):
    """Dismissed by the app when the workspace is open or opening failed."""

    def __init__(self, text: str) -> None:
        super().__init__(classes="dialog-screen")
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Opening session"
            yield Plain(self.text, classes="dialog-body")
            yield LoadingIndicator()
