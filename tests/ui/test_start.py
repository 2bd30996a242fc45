"""Pilot tests of how the wizard starts: ``aks-wizard`` (the welcome menu, focused),
``aks-wizard --rehearsal`` (straight into a rehearsal, or a choice between the unfinished
rehearsals and a new one) and a resumed session (current counts, the right step)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tests.ui.drive import PACE, make_app, press, settle, text_of, view
from wizard.session.store import SessionStore
from wizard.ui.app import WizardApp
from wizard.ui.screens.dialogs import MessageDialog
from wizard.ui.screens.main import MainScreen
from wizard.ui.screens.opening import OpeningDialog
from wizard.ui.screens.welcome import WelcomeScreen
from wizard.ui.widgets.menu_item import MenuItem
from wizard.workspace import Workspace


def _saved_rehearsal(home: Path, scenario: str = "default", checks: bool = False) -> str:
    workspace = Workspace.start_rehearsal(SessionStore(home), scenario, pace=PACE)
    try:
        if checks:
            runner = workspace.runner("prerequisites")
            assert not runner.submit_decisions(runner.defaults())
            runner.run_checks()
        return workspace.session.id
    finally:
        workspace.close()


async def test_rehearsal_flag_starts_a_rehearsal_without_a_key(home: Path) -> None:
    app = make_app(home, start="rehearsal")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.workspace.session.mode == "rehearsal"
        assert not any(isinstance(s, WelcomeScreen) and s.mode for s in app.screen_stack)


async def test_rehearsal_flag_draws_the_steps_before_the_stand_in_is_up(home: Path) -> None:
    """The first screen is the step list (not a menu under an "opening" dialog); the stand-in
    starts after it, and the decisions fill in once it is up."""
    app = make_app(home, start="rehearsal")
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, MainScreen)
        assert app.workspace is not None and app.workspace.backend is None  # composed from the session alone
        assert not isinstance(app.screen, OpeningDialog)
        await settle(pilot)
        assert app.workspace.backend is not None and app.workspace.azure is not None
        kinds = [record.kind for record in app.workspace.session.audit.records()]
        assert kinds[0] == "session.started"
        await press(pilot, "2")
        assert "Region" in text_of(view(pilot))


async def test_rehearsal_flag_says_when_the_stand_in_cannot_start(home: Path) -> None:
    app = make_app(home, scenario=str(home / "no-such-scenario.yaml"), start="rehearsal")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert app.screen.title_text == "Could not start the Azure stand-in"
        shown = text_of(app.screen)
        assert "no rehearsal scenario named" in shown and "ctrl+q" in shown and "Traceback" not in shown


async def test_rehearsal_flag_offers_unfinished_rehearsals_or_a_new_one(home: Path) -> None:
    saved = _saved_rehearsal(home)
    live = SessionStore(home).create("live")  # another mode's session is not offered
    live.close()
    app = make_app(home, start="rehearsal")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WelcomeScreen) and screen.mode == "rehearsal"
        shown = text_of(screen)
        assert saved in shown and live.id not in shown and "live session" not in shown.lower()
        focused = app.focused
        assert isinstance(focused, MenuItem) and focused.id == "new-rehearsal"  # ready for Enter at once
        await press(pilot, "down")
        assert isinstance(app.focused, MenuItem) and saved in app.focused.label
        await press(pilot, "enter")
        assert isinstance(app.screen, MainScreen)
        assert app.workspace.session.id == saved


async def test_rehearsal_flag_new_session_from_the_choice(home: Path) -> None:
    saved = _saved_rehearsal(home)
    app = make_app(home, start="rehearsal")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, MainScreen)
        assert app.workspace.session.id != saved


async def test_no_flag_keeps_the_welcome_menu_focused(home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WelcomeScreen) and screen.mode is None
        assert "New live session" in text_of(screen)
        assert isinstance(app.focused, MenuItem) and app.focused.id == "new-rehearsal"
        await press(pilot, "down", "up", "enter")
        assert isinstance(app.screen, MainScreen) and app.workspace.session.mode == "rehearsal"


async def test_a_resumed_session_shows_its_stored_check_counts(home: Path) -> None:
    saved = _saved_rehearsal(home, scenario="missing-role", checks=True)
    app = WizardApp(SessionStore(home), mode="rehearsal", pace=PACE, resume=saved)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        stored = app.workspace.session.step("prerequisites").checks
        failed = sum(1 for entry in stored.values() if entry["status"] in ("fail", "error"))
        passed = sum(1 for entry in stored.values() if entry["status"] == "pass")
        assert failed
        line = str(view(pilot).query_one("#checks-hint", Static).render())
        assert line.startswith(f"Checks: {passed} passed") and f"{failed} failed" in line
        status = str(view(pilot).query_one(".step-status", Static).render())
        assert "checks need attention" in status


async def test_a_resumed_session_opens_where_the_operator_left_off(home: Path, prepared) -> None:  # noqa: ANN001
    """The welcome menu says "at Hub network" for a session last worked on there (TLS and the
    other steps before it not done); resuming opens the hub, not the first step not done."""
    from tests.ui.drive import resume_app, wait_opened

    app = resume_app(home, prepared("hub-checked"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_opened(pilot)
        assert app.workspace.status_of("tls-certificates") != "done"
        assert screen.current == "hub" and view(pilot).step.id == "hub"
