"""Small modal dialogs: a message to read and a yes/no question.

Both return typed results through ``dismiss`` so callers use ``push_screen(..., callback)``
and never poll."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from wizard.ui import stylesheets
from wizard.ui.widgets.plain import Plain


class MessageDialog(ModalScreen[None]):
    """A titled message with one OK button (used for sign-in problems and other errors)."""

    CSS_PATH = stylesheets.DIALOGS

    BINDINGS = [Binding("escape,enter", "dismiss_ok", "OK")]

    def __init__(self, title: str, body: str, error: bool = True) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.body = body
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog" + (" -error" if self.error else "")) as box:
            box.border_title = self.title_text
            yield Plain(self.body, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_dismiss_ok(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; Escape means no."""

    CSS_PATH = stylesheets.DIALOGS

    BINDINGS = [Binding("escape,n", "answer(False)", "No"), Binding("y", "answer(True)", "Yes")]

    def __init__(self, title: str, body: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.body = body
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self.title_text
            yield Plain(self.body, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", variant="primary", id="yes")
                yield Button(f"{self.no} (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
