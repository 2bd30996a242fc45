"""The first screen: what the tool is, and how to begin (new rehearsal, new live, resume)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from wizard.ui.widgets.plain import Plain
from textual.widgets import Button, Footer, Static

INTRO = ("Build the AKS secure baseline one step at a time: read why, decide, check, preview, approve, deploy.\n"
         "Rehearse against a local stand-in for Azure first; every decision lands in a tamper-evident audit log.")


class WelcomeScreen(Screen[None]):
    """Buttons mirror the keys so mouse and keyboard users see the same choices."""

    BINDINGS = [
        Binding("n", "app.new_session('rehearsal')", "New rehearsal"),
        Binding("l", "app.new_session('live')", "New live session"),
        Binding("r", "app.resume_picker", "Resume"),
        Binding("q", "app.quit_wizard", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        with Center():
            with Vertical(id="welcome"):
                yield Plain("AKS baseline wizard", id="welcome-title")
                yield Plain(INTRO, id="welcome-intro")
                yield Button("New rehearsal session  (n)", id="new-rehearsal", variant="primary")
                yield Button("New live session  (l)", id="new-live")
                yield Button("Resume a session  (r)", id="resume")
                yield Plain("Rehearsal touches nothing in Azure. Live needs an Azure sign-in.",
                             id="welcome-hint")
        yield Footer()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"new-rehearsal": "new_session('rehearsal')", "new-live": "new_session('live')",
                   "resume": "resume_picker"}
        if event.button.id in actions:
            self.run_action(f"app.{actions[event.button.id]}")
