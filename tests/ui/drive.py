"""Helpers that drive ``WizardApp`` through a real rehearsal session in Pilot tests.

Kept out of conftest so snapshot ``run_before`` callbacks and pilot tests share one way of
waiting: ``settle`` returns once no worker is pending or running (engine calls run in
threads) and everything they and the keys set off has been handled.

``settle`` looks at the app's state rather than waiting for the process to go idle:
Textual's own barrier (``Pilot.pause``, ``Pilot.press``) posts a callback to every widget on
the screen and waits for each, which costs ~50 ms of CPU per call on a step screen (~750
widgets) and was most of the time of these tests. The state it reads is Textual's (pinned in
constraints.txt); the last step of every ``settle`` is still one full ``Pilot.pause``."""

from __future__ import annotations

import asyncio
import time
import unicodedata
from pathlib import Path

from textual import events
from textual.app import REPLACED_KEYS, App, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed, WorkerState

from wizard.session.store import SessionStore
from wizard.ui.app import WizardApp
from wizard.ui.screens.main import MainScreen
from wizard.ui.widgets.step_view import StepView

PACE = 6000.0
POLL_S = 0.005
QUIET_ROUNDS = 2  # consecutive looks that find nothing pending before the final barrier
SHORT_TIMER_S = 0.5  # one-shot timers this short (the form's 0.3 s debounce) are waited for; toasts are not


def make_app(home: Path, scenario: str = "default", start: str | None = None) -> WizardApp:
    """The app as ``aks-wizard`` (``start=None``) or ``aks-wizard --rehearsal`` opens it."""
    return WizardApp(SessionStore(home), mode="rehearsal", scenario=scenario, pace=PACE, start=start)


def resume_app(home: Path, session_id: str, pace: float = PACE) -> WizardApp:
    """The app as ``aks-wizard --resume ID`` opens it (a session from the ``prepared`` fixture)."""
    return WizardApp(SessionStore(home), mode="rehearsal", pace=pace, resume=session_id)


STAGES = ("prerequisites", "hub-checked")


def prepare_session(home: Path, stage: str = "prerequisites", scenario: str = "default") -> str:
    """A rehearsal session taken through the real engine and the real rehearsal backend, the
    way the UI's workers drive it, and closed; returns its id.

    ``prerequisites``: step 1 saved with its defaults, checked and completed - where
    ``complete_prerequisites`` leaves a session driven through the UI. ``hub-checked``: and
    the hub's default decisions saved and its checks run (what ctrl+s does on the hub)."""
    from wizard.workspace import Workspace

    assert stage in STAGES, stage
    workspace = Workspace.start_rehearsal(SessionStore(home), scenario, pace=PACE)
    try:
        runner = workspace.runner("prerequisites")
        assert not runner.submit_decisions(runner.defaults())
        runner.run_checks()
        if runner.state.checks["prereq.entra"]["status"] == "warn":  # a caller who may not create groups
            runner.override("prereq.entra", "The identity team gives us the group ids to adopt.")
        runner.complete_without_action()
        assert workspace.status_of("prerequisites") == "done"
        if stage == "hub-checked":
            check_hub(workspace)
        return workspace.session.id
    finally:
        workspace.close()


def check_hub(workspace: object) -> None:
    """Save the hub's default decisions and run its checks through the engine (what ctrl+s
    does on the hub); blocks, so call it off the UI thread in a running app."""
    runner = workspace.runner("hub")  # type: ignore[attr-defined]
    assert not runner.submit_decisions(runner.defaults())
    runner.run_checks()
    assert workspace.status_of("hub") == "checked", workspace.status_of("hub")  # type: ignore[attr-defined]


def _waiting_on(app: App) -> str | None:
    """What the app still has to do before a test may look at it, or None."""
    if any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
        return "workers"
    if not app.animator._complete_event.is_set():
        return "an animation"
    screen = app.screen
    # call_after_refresh callbacks, and layout (tests read sizes and regions). A repaint alone
    # is not waited for: a blinking cursor or an indeterminate progress bar always wants one.
    if screen._callbacks or screen._layout_required or screen._scroll_required or screen._recompose_required:
        return "a refresh"
    for node in (app, *(n for s in app.screen_stack for n in s.walk_children(with_self=True))):
        if node._message_queue.qsize() or node._next_callbacks:
            return f"messages to {node!r}"
        for timer in list(node._timers):
            if timer._repeat == 0 and timer._interval <= SHORT_TIMER_S and timer._task is not None \
                    and not timer._task.done():
                return f"{timer.name} of {node!r}"
    return None


async def settle(pilot: Pilot, timeout: float = 30.0) -> None:
    """Wait until every worker finished and the resulting messages were handled: nothing
    pending (workers, messages, callbacks, short timers, layout) in a row of looks, then
    Textual's full barrier (every widget handles what was queued before), then nothing
    pending still."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        await asyncio.sleep(POLL_S)
        app.screen._on_timer_update()  # what Pilot.pause does: lay out, repaint, run after-refresh callbacks
        reason = _waiting_on(app)
        if reason == "workers":
            quiet = 0
            try:
                await app.workers.wait_for_complete()
            except WorkerFailed:
                pass  # an engine error is an outcome the UI shows (the tests assert on it), not a test failure
            except WorkerCancelled:
                pass  # superseded (the palette's search restarts with each key): look again
            continue
        if reason is not None:
            quiet = 0
            continue
        quiet += 1
        if quiet >= QUIET_ROUNDS:
            await pilot.pause()
            if _waiting_on(app) is None:
                return
            quiet = 0
    raise AssertionError(f"the app did not settle in {timeout} s: still waiting on {_waiting_on(app)}")


def _key(key: str) -> events.Key:
    """The key event ``Pilot.press`` sends for ``key`` (same names: "ctrl+s", "enter", "2")."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


async def press(pilot: Pilot, *keys: str) -> None:
    """Press each key as a terminal would send it, and ``settle`` after each."""
    for key in keys:
        event = _key(key)
        event.set_sender(pilot.app)
        pilot.app.post_message(event)
        await settle(pilot)


async def type_text(pilot: Pilot, text: str) -> None:
    """Type ``text`` into the focused widget, one key per character as a terminal delivers
    them, then ``settle`` once (typing is no place to look at the screen between keys)."""
    for char in text:
        event = _key(char)
        event.set_sender(pilot.app)
        pilot.app.post_message(event)
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


async def wait_opened(pilot: Pilot) -> MainScreen:
    """Wait for a ``resume_app`` to open its session on the steps screen."""
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen), type(screen).__name__
    return screen


async def preview_checked_hub(pilot: Pilot) -> None:
    """From a resumed ``hub-checked`` session: open the hub and preview it (``p``)."""
    pilot.app.screen.show_step("hub", activate=True)  # type: ignore[attr-defined]
    await settle(pilot)
    assert pilot.app.workspace.status_of("hub") == "checked"
    await press(pilot, "p")
    assert view(pilot).preview_ready


async def deploy_hub_then_open(pilot: Pilot, step_id: str) -> None:
    """From a resumed ``hub-checked`` session: preview, approve and deploy the hub, then open
    ``step_id`` (a step that needs the hub) with the keys."""
    await preview_checked_hub(pilot)
    await press(pilot, "a")
    assert pilot.app.workspace.status_of("hub") == "done"
    pilot.app.screen.show_step(step_id, activate=True)  # type: ignore[attr-defined]
    await settle(pilot)


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
