"""Helpers that drive ``WizardApp`` through a real rehearsal session in Pilot tests.

Kept out of conftest so snapshot ``run_before`` callbacks and pilot tests share one way of
waiting: poll until no worker is pending or running (engine calls run in threads)."""

from __future__ import annotations

import time
from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerFailed, WorkerState

from wizard.session.store import SessionStore
from wizard.ui.app import WizardApp
from wizard.ui.screens.main import MainScreen
from wizard.ui.widgets.step_view import StepView

PACE = 6000.0


def make_app(home: Path, scenario: str = "default", start: str | None = None) -> WizardApp:
    """The app as ``aks-wizard`` (``start=None``) or ``aks-wizard --rehearsal`` opens it."""
    return WizardApp(SessionStore(home), mode="rehearsal", scenario=scenario, pace=PACE, start=start)


async def settle(pilot: Pilot, timeout: float = 30.0) -> None:
    """Wait until every worker finished and the resulting messages were handled."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        busy = [w for w in pilot.app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        if busy:
            quiet = 0
            try:
                await pilot.app.workers.wait_for_complete()
            except WorkerFailed:
                pass  # an engine error is an outcome the UI shows (the tests assert on it), not a test failure
            continue
        quiet += 1
        if quiet >= 3:
            await pilot.pause()
            return
    raise AssertionError("workers did not settle in time")


async def press(pilot: Pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def start_session(pilot: Pilot) -> MainScreen:
    await press(pilot, "n")
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen), type(screen).__name__
    return screen


def view(pilot: Pilot) -> StepView:
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    current = screen.view
    assert isinstance(current, StepView)
    return current


def text_of(widget: object) -> str:
    """All rendered text of a widget and its children (for assertions)."""
    from textual.widget import Widget
    from textual.widgets import Static

    assert isinstance(widget, Widget)
    parts = [str(w.render()) for w in widget.query(Static)]
    return "\n".join(parts)


async def complete_prerequisites(pilot: Pilot) -> None:
    await start_session(pilot)
    await press(pilot, "ctrl+s")  # save defaults; checks run by themselves
    await press(pilot, "x")
    assert pilot.app.workspace.status_of("prerequisites") == "done"


def assert_fits(widget: object) -> None:
    """Nothing in ``widget`` is cut off at the right or needs sideways scrolling."""
    from textual.widget import Widget

    assert isinstance(widget, Widget)
    assert widget.display, f"{widget!r} is not shown"
    assert widget.virtual_size.width <= widget.scrollable_content_region.width, (
        f"{widget!r} is {widget.virtual_size.width} wide in {widget.scrollable_content_region.width} columns")


def squeeze(text: str) -> str:
    """Text without whitespace, so a wrapped value compares with the original."""
    return "".join(str(text).split())


def cell_texts(table: object) -> list[str]:
    """Every cell of a DataTable, squeezed (wrapped cells compare with the whole value)."""
    from textual.widgets import DataTable

    assert isinstance(table, DataTable)
    out = []
    for row in range(table.row_count):
        for cell in table.get_row_at(row):
            out.append(squeeze(str(cell)))
    return out
