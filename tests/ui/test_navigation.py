"""Pilot tests of moving around: tab keys, the step list, the palette's "go to step", where
Tab stops and that the focus can be seen. Real engine, real rehearsal backend.

Tests of the step list right after step 1 completes walk it through the keys; tests of a
later step's screen resume a session the engine took through step 1 (``prepared``)."""

from __future__ import annotations

import time
from pathlib import Path

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, Static, TabbedContent

from tests.ui.drive import (complete_prerequisites, make_app, press, resume_app, settle, start_session, type_text,
                            view, wait_opened)
from wizard.engine.fields import visible
from wizard.ui.commands import WizardCommands
from wizard.ui.screens.main import MainScreen
from wizard.ui.widgets.checks_panel import CheckRow, ChecksPanel
from wizard.ui.widgets.decisions import DecisionsForm
from wizard.ui.widgets.field_row import FieldRow
from wizard.ui.widgets.navigator import Navigator


def _active_tab(pilot: Pilot) -> str:
    return view(pilot).query_one(TabbedContent).active


def _footer_keys(screen: MainScreen) -> set[str]:
    """Keys the footer shows right now (shown and enabled)."""
    return {binding.key for (_, binding, enabled, _) in screen.active_bindings.values() if binding.show and enabled}


async def test_tab_keys_work_after_failed_checks(home: Path) -> None:
    app = make_app(home, scenario="missing-role")
    async with app.run_test(size=(120, 40)) as pilot:
        await start_session(pilot)
        await press(pilot, "ctrl+s")
        assert _active_tab(pilot) == "checks"
        assert isinstance(app.focused, CheckRow) and app.focused.status == "fail"  # the failure has the focus
        for key, tab in (("2", "decisions"), ("1", "lesson"), ("3", "checks"), ("5", "run"), ("3", "checks")):
            await press(pilot, key)
            assert _active_tab(pilot) == tab, f"key {key}"
            focused = app.focused
            assert focused is not None and focused.display and all(a.display for a in focused.ancestors
                                                                    if hasattr(a, "display"))


async def test_arrows_move_through_the_steps_once_a_step_is_done(home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await complete_prerequisites(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert isinstance(app.focused, Navigator), "the status line says ↑/↓, Enter: the step list has the keys"
        assert "↑/↓" in str(view(pilot).query_one(".step-status", Static).render())
        await press(pilot, "down")
        assert screen.current == "tls-certificates"
        await press(pilot, "enter")
        assert not isinstance(app.focused, Navigator)  # Enter opens the step: its tabs take the keys
        assert "escape" in _footer_keys(screen)  # and the footer says how to get back to the list
        await press(pilot, "escape")
        assert isinstance(app.focused, Navigator)
        assert "escape" not in _footer_keys(screen)  # shown only when it would move the focus


async def test_palette_goes_to_any_step_by_title(home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_session(pilot)
        assert isinstance(app.focused, Navigator)  # a new session opens with the step list holding the keys
        await press(pilot, "enter")  # into step 1: from there the palette offers the way back to the list
        offered = [title for title, _, _ in WizardCommands(app.screen)._available()]
        go_to = [title for title in offered if title.startswith("Go to step")]
        assert len(go_to) == len(app.workspace.registry)
        assert "Go to step 5: Hub network" in go_to and "Step list" in offered
        await press(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "hub network")  # settles: the palette's search runs in a worker
        await press(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.current == "hub"
        assert screen.navigator.highlighted_child is not None
        assert screen.navigator.highlighted_child.id == "nav-hub"


async def test_tab_stops_only_on_shown_controls_and_the_focused_input_stands_out(home: Path, prepared) -> None:
    """The TLS form: Tab never stops on hidden or empty widgets, and the focused input can be
    told from the others."""
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_opened(pilot)
        assert screen.current == "tls-certificates"
        await press(pilot, "2")

        # Tab never stops on hidden or empty widgets
        form = view(pilot).query_one(DecisionsForm)
        values = {row.field.id: row.initial for row in form.query(FieldRow)}
        relevant = {f.id for f in view(pilot).step.fields if visible(f, values)}
        assert relevant != {f.id for f in view(pilot).step.fields}, "the TLS form has fields that do not apply"
        chain = app.screen.focus_chain
        rows_in_chain = {w.parent.field.id for w in chain if isinstance(w.parent, FieldRow)}
        assert rows_in_chain == relevant
        assert not any(isinstance(w, (DecisionsForm, ChecksPanel)) for w in chain)  # containers are no stops
        for widget in chain:
            assert widget.display and all(a.display for a in widget.ancestors if hasattr(a, "display")), widget

        # the focused input stands out
        inputs = [w for w in app.screen.focus_chain if isinstance(w, Input)]
        assert len(inputs) >= 2
        inputs[0].focus()
        await settle(pilot)
        focused, other = inputs[0].styles, inputs[1].styles
        assert focused.border_top[1] != other.border_top[1], "the focused box has its own border colour"
        assert focused.background != other.background, "the focused box has its own background"


async def test_hidden_fields_are_hidden_before_the_first_validation(home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await complete_prerequisites(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.show_step("tls-certificates")
        deadline = time.monotonic() + 20
        while not view(pilot).form and time.monotonic() < deadline:
            await pilot.pause(0.01)
        form = view(pilot).form
        assert form is not None
        shown = {row.field.id for row in form.query(FieldRow) if row.display}
        assert "listener_pfx_path" not in shown and "domain" in shown  # generated: no PFX to point at
        await settle(pilot)


async def test_a_done_steps_decisions_cannot_be_edited(home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await complete_prerequisites(pilot)
        await press(pilot, "up", "enter", "2")
        assert view(pilot).step.id == "prerequisites"
        assert not any(isinstance(w, Input) for w in app.screen.focus_chain)


async def test_switching_steps_shows_the_header_at_once(home: Path, prepared) -> None:
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_opened(pilot)
        assert isinstance(screen, MainScreen)
        screen.show_step("hub")
        await pilot.pause()
        await pilot.pause()
        title = str(screen.view.query_one(".step-title", Static).render())  # type: ignore[union-attr]
        assert title.startswith("Step 5 · Hub network  —  ready"), title
        await settle(pilot)
        assert view(pilot).query(TabbedContent)  # the tabs fill in right after


async def test_a_waiting_step_names_the_step_it_waits_on_by_number_and_title(home: Path) -> None:
    """The header stays one line at 80 columns ("waiting on step 5"); the banner names it."""
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_session(pilot)
        screen.show_step("spoke", activate=True)
        await settle(pilot)
        current = screen.view
        assert current is not None
        assert "waiting on step 5" in str(current.query_one(".step-title", Static).render())
        assert "Waiting on step 5 (Hub network)" in str(current.query_one(".step-banner", Static).render())
