"""SVG snapshots of the key screens at 80x24 (the minimum we support) and 120x40.

The ``frozen`` fixture pins the session id, creation time and elapsed-time display; every
``run_before`` waits for workers to settle, so no spinner is caught mid-frame.

Steps the screens are not about are taken through the engine, as tests/ui/test_flow.py drives
them through the keys: the TLS screens start from a session whose prerequisites the engine
completed (``prepared``), resumed on the TLS step it opens on. The hub screens walk step 1
through the keys - the step list of a new session is drawn as that walk leaves it, which a
resumed session does not reproduce - and save and check the hub's decisions through the
engine before the hub is opened."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui.drive import (check_hub, complete_prerequisites, make_app, press, resume_app, settle, start_session,
                            wait_opened)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
def test_welcome(snap_compare, frozen: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(frozen), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_decisions(snap_compare, frozen: Path, prepared, size: tuple[int, int]) -> None:
    session_id = prepared("prerequisites")

    async def run_before(pilot: Pilot) -> None:
        screen = await wait_opened(pilot)
        assert screen.current == "tls-certificates"  # the next step once the prerequisites are done
        await press(pilot, "2")  # TLS certificates, Decisions tab

    assert snap_compare(resume_app(frozen, session_id), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_checks_failed(snap_compare, frozen: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await start_session(pilot)
        await press(pilot, "ctrl+s")
        await settle(pilot)

    assert snap_compare(make_app(frozen, scenario="missing-role"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_deploy_finished(snap_compare, frozen: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await complete_prerequisites(pilot)
        await asyncio.to_thread(check_hub, pilot.app.workspace)
        pilot.app.screen.show_step("hub", activate=True)  # type: ignore[attr-defined]
        await settle(pilot)
        await press(pilot, "p", "a")
        assert pilot.app.workspace.status_of("hub") == "done"

    assert snap_compare(make_app(frozen), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_rehearsal_flag_choice(snap_compare, frozen: Path, size: tuple[int, int]) -> None:
    """``aks-wizard --rehearsal`` with an unfinished rehearsal: resume it or start anew, the
    first line focused."""
    from wizard.session.store import SessionStore
    from wizard.workspace import Workspace

    Workspace.start_rehearsal(SessionStore(frozen), "default", pace=6000.0).close()
    assert snap_compare(make_app(frozen, start="rehearsal"), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_field_error(snap_compare, frozen: Path, prepared, size: tuple[int, int]) -> None:
    session_id = prepared("prerequisites")

    async def run_before(pilot: Pilot) -> None:
        from textual.widgets import Input

        screen = await wait_opened(pilot)
        assert screen.current == "tls-certificates"
        await press(pilot, "2")
        field = pilot.app.screen.query_one("#field-validity_days Input", Input)
        field.focus()
        field.value = "about a year, as the reference implementation suggests for learning"
        error = pilot.app.screen.query_one("#field-validity_days .field-error")
        for _ in range(200):  # the form validates after a debounce: wait for it, not a fixed time
            await pilot.pause(0.05)
            if error.display:
                break
        await settle(pilot)
        # the form's scroll position and the cursor then depend on timing: pin both
        pilot.app.screen.query_one("#field-validity_days").scroll_visible(animate=False, top=True)
        field.cursor_blink = False
        field.cursor_position = len(field.value)
        await settle(pilot)

    assert snap_compare(resume_app(frozen, session_id), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_hub_preview(snap_compare, frozen: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await complete_prerequisites(pilot)
        await asyncio.to_thread(check_hub, pilot.app.workspace)
        pilot.app.screen.show_step("hub", activate=True)  # type: ignore[attr-defined]
        await settle(pilot)
        await press(pilot, "p")

    assert snap_compare(make_app(frozen), terminal_size=size, run_before=run_before)
