"""Asks why a warning may be ignored. The text goes into the audit log verbatim, so it
must say something: at least ``MIN_JUSTIFICATION`` characters, checked as you type."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.validation import Length
from textual.widgets import Button, Input, Label, Static

from wizard.engine.runner import MIN_JUSTIFICATION
from wizard.ui import stylesheets
from wizard.ui.widgets.plain import Plain, PlainLabel


class JustificationDialog(ModalScreen[str | None]):
    """Returns the justification, or None when cancelled."""

    CSS_PATH = stylesheets.DIALOGS

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, check_title: str, summary: str) -> None:
        super().__init__(classes="dialog-screen")
        self.check_title = check_title
        self.summary = summary

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Override a warning"
            yield Plain(f"{self.check_title}: {self.summary}\n\nWhy is it acceptable to continue? "
                         "A reviewer reads this in the audit log.", classes="dialog-body")
            yield Input(placeholder=f"at least {MIN_JUSTIFICATION} characters", id="justification",
                        validators=[Length(minimum=MIN_JUSTIFICATION,
                                           failure_description=f"Write at least {MIN_JUSTIFICATION} characters.")])
            yield PlainLabel("", id="justification-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Override", variant="warning", id="ok")
                yield Button("Cancel", id="cancel")

    def _submit(self) -> None:
        field = self.query_one("#justification", Input)
        result = field.validate(field.value.strip())
        if result is not None and not result.is_valid:
            self.query_one("#justification-error", Label).update("✗ " + "; ".join(result.failure_descriptions))
            field.focus()
            return
        self.dismiss(field.value.strip())

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.validation_result is not None and event.validation_result.is_valid:
            self.query_one("#justification-error", Label).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
