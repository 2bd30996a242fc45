"""The first screen: what the tool is, and how to begin (new rehearsal, new live, resume)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer

from wizard.ui.widgets.menu_item import MenuItem
from wizard.ui.widgets.plain import Plain

INTRO = ("Build the AKS secure baseline one step at a time: read why, decide, check, preview, approve, deploy.\n"
         "Rehearse against a local stand-in for Azure first; every decision lands in a tamper-evident audit log.")


class WelcomeScreen(Screen[None]):
    """Menu lines mirror the keys so mouse and keyboard users see the same choices."""

    BINDINGS = [
        Binding("n", "app.new_session('rehearsal')", "New rehearsal"),
        Binding("l", "app.new_session('live')", "New live session"),
        Binding("r", "app.resume_picker", "Resume"),
        Binding("q", "app.quit_wizard", "Quit"),
        Binding("down,j", "app.focus_next", "Next", show=False),
        Binding("up,k", "app.focus_previous", "Previous", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome"):
            yield Plain("AKS baseline wizard", id="welcome-title")
            yield Plain(INTRO, id="welcome-intro")
            yield MenuItem("New rehearsal session", "n", "app.new_session('rehearsal')", id="new-rehearsal")
            yield MenuItem("New live session", "l", "app.new_session('live')", id="new-live")
            yield MenuItem("Resume a session", "r", "app.resume_picker", id="resume")
            yield Plain("Rehearsal touches nothing in Azure. Live needs an Azure sign-in.", id="welcome-hint")
        yield Footer()
