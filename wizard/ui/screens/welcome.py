"""The first screen: what the tool is, and how to begin.

Two forms. Without a mode flag it offers new rehearsal, new live and resume. Started with
``--rehearsal`` (or ``--live``) while unfinished sessions of that mode exist, it offers
exactly that: a new session of the mode, or one of those sessions to resume (with no such
session the app starts the new session straight away and this screen is never a choice).

Either way the first menu line has the focus from the first frame, so ↑/↓ and Enter work
without a click or a Tab first."""

from __future__ import annotations

from typing import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen

from wizard.session.store import SessionSummary
from wizard.ui.widgets.menu_item import MenuItem
from wizard.ui.widgets.plain import Plain

INTRO = ("Build the AKS secure baseline one step at a time: read why, decide, check, preview, approve, deploy.\n"
         "Rehearse against a local stand-in for Azure first; every decision lands in a tamper-evident audit log.")
MAX_OFFERED = 9  # number keys 1-9; the rest are in the full session list (r)


def unfinished(sessions: Sequence[SessionSummary], mode: str) -> list[SessionSummary]:
    """Sessions of ``mode`` that can go on, newest first: what a mode flag offers to resume."""
    return sorted((s for s in sessions if s.mode == mode and s.status != "completed"),
                  key=lambda s: s.created, reverse=True)


def session_line(summary: SessionSummary, titles: dict[str, str], steps: int) -> str:
    created = summary.created[:16].replace("T", " ")
    step = titles.get(summary.current_step, summary.current_step or "not started")
    return f"Resume {summary.id}  ·  created {created}  ·  {summary.steps_done} of {steps} steps done  ·  at {step}"


class WelcomeScreen(Screen[None]):
    """Menu lines mirror the keys so mouse and keyboard users see the same choices. No footer:
    every line shows its own key and the hint says how to move, so a footer would repeat the
    card (and its widgets and stylesheet were a tenth of the first frame's time)."""

    AUTO_FOCUS = ".menu-item"
    BINDINGS = [
        Binding("n", "pick('n')", "New session"),
        Binding("l", "pick('l')", "New live"),
        Binding("r", "pick('r')", "Resume"),
        Binding("q", "pick('q')", "Quit"),
        *[Binding(str(i), f"pick('{i}')", f"Resume {i}", show=False) for i in range(1, MAX_OFFERED + 1)],
        Binding("down,j", "app.focus_next", "Next", show=False),
        Binding("up,k", "app.focus_previous", "Previous", show=False),
    ]

    def __init__(self, mode: str | None = None, sessions: Sequence[SessionSummary] = ()) -> None:
        super().__init__()
        self.mode = mode
        self.sessions = list(sessions)[:MAX_OFFERED]
        self.more = len(sessions) > MAX_OFFERED

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome"):
            yield Plain("AKS baseline wizard", id="welcome-title")
            if self.mode is None:
                yield from self._menu()
            else:
                yield from self._chooser(self.mode)

    def _menu(self) -> ComposeResult:
        yield Plain(INTRO, id="welcome-intro")
        yield MenuItem("New rehearsal session", "n", "app.new_session('rehearsal')", id="new-rehearsal")
        yield MenuItem("New live session", "l", "app.new_session('live')", id="new-live")
        yield MenuItem("Resume a session", "r", "app.resume_picker", id="resume")
        yield MenuItem("Quit", "q", "app.quit_wizard", id="quit")
        yield Plain("↑/↓ to choose, Enter to start. Rehearsal touches nothing in Azure; live needs an Azure sign-in.",
                    id="welcome-hint")

    def _chooser(self, mode: str) -> ComposeResult:
        from steps import REGISTRY  # only here: the plain menu's first frame stays light

        titles = {step.id: step.title for step in REGISTRY}
        count = len(self.sessions)
        yield Plain(f"You have {count} unfinished {mode} session{'s' if count != 1 else ''}. "
                    f"Start a new one, or resume where you left off.", id="welcome-intro")
        yield MenuItem(f"New {mode} session", "n", f"app.new_session('{mode}')", id=f"new-{mode}")
        for number, summary in enumerate(self.sessions, start=1):
            yield MenuItem(session_line(summary, titles, len(REGISTRY)), str(number),
                           f"app.resume_session('{summary.id}')", id=f"resume-{number}")
        if self.more:
            yield MenuItem("All sessions…", "r", "app.resume_picker", id="resume")
        yield MenuItem("Quit", "q", "app.quit_wizard", id="quit")
        yield Plain("↑/↓ to choose, Enter to start, or press the key shown.", id="welcome-hint")

    def _item(self, key: str) -> MenuItem | None:
        return next((item for item in self.query(MenuItem) if item.key == key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A key works only when a menu line offers it."""
        if action == "pick":
            return self._item(str(parameters[0])) is not None
        return True

    async def action_pick(self, key: str) -> None:
        """Each menu line's key works from anywhere on the screen."""
        item = self._item(key)
        if item is not None:
            item.focus()
            await item.action_choose()
