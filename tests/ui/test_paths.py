"""Pilot tests of the paths around the main flow: resuming, re-attaching after quitting
mid-deployment, retrying a failed deployment, the command palette, the audit and journal
viewers, and the device-code sign-in dialog. Real engine, real rehearsal backend.

Tests about the hub or the viewers resume a session the engine took through the
prerequisites (and the hub's decisions and checks: the ``prepared`` fixture); the keys that
get there are driven in tests/ui/test_flow.py."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from tests.ui.drive import (PACE, make_app, press, preview_checked_hub, resume_app, settle, start_session, text_of,
                            type_text, view, wait_opened)
from wizard.rehearsal.faults import Fault
from wizard.session.store import SessionStore
from wizard.ui.app import WizardApp
from wizard.ui.commands import WizardCommands
from wizard.ui.screens.audit_view import AuditScreen
from wizard.ui.screens.device_code import DeviceCodeDialog
from wizard.ui.screens.dialogs import ConfirmDialog
from wizard.ui.screens.journal_view import JournalScreen
from wizard.ui.screens.main import MainScreen
from wizard.ui.screens.sessions import SessionPicker
from wizard.ui.screens.welcome import WelcomeScreen
from wizard.ui.widgets.error_panel import ErrorPanel
from wizard.workspace import Workspace


def _journal_hits(session_dir: Path, method: str, name: str) -> list[dict]:
    lines = (session_dir / "rehearsal-journal.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]
    return [e for e in entries if e["method"] == method and e["path"].endswith(f"/deployments/{name}")]


async def _wait_for(pilot: Pilot, condition, what: str, timeout: float = 30.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def squeeze_cell(table: DataTable) -> str:
    return " ".join(" ".join(str(cell).split()) for cell in table.get_row_at(0))


async def test_resume_picker_lists_sessions_and_reopens_the_chosen_one(home: Path) -> None:
    store = SessionStore(home)
    saved = Workspace.start_rehearsal(store, "default", pace=PACE)
    saved_id = saved.session.id
    saved.close()

    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "r")
        assert isinstance(app.screen, SessionPicker)
        table = app.screen.query_one("#session-table", DataTable)
        assert table.row_count == 1 and saved_id in str(table.get_row_at(0))
        assert "at Prerequisites" in squeeze_cell(table)  # where it stopped, not cut off
        assert table.virtual_size.width <= table.scrollable_content_region.width
        await press(pilot, "escape")
        assert isinstance(app.screen, WelcomeScreen) and app.workspace is None

        await press(pilot, "r", "enter")
        assert isinstance(app.screen, MainScreen)
        assert app.workspace.session.id == saved_id
        kinds = [r.kind for r in app.workspace.session.audit.records()]
        assert kinds.count("session.started") == 1 and kinds[-1] == "session.resumed"


async def test_resume_picker_with_no_sessions_says_so(home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "r")
        assert isinstance(app.screen, SessionPicker)
        assert "No saved sessions yet" in text_of(app.screen)
        await press(pilot, "escape")
        assert isinstance(app.screen, WelcomeScreen)


async def test_quit_while_deploying_asks_then_resume_reattaches_without_resubmitting(home: Path, prepared) -> None:
    slow = resume_app(home, prepared("hub-checked"), pace=60.0)  # the hub takes ~10 s
    async with slow.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        await preview_checked_hub(pilot)
        session_id, session_dir = slow.workspace.session.id, slow.workspace.session.dir
        deployment = f"hub-default-{slow.workspace.session.short_id}"
        await pilot.press("a")
        await _wait_for(pilot, lambda: slow.workspace.session.step("hub").deployment is not None
                        and slow.workspace.session.step("hub").deployment.status == "running", "the deployment")
        await _wait_for(pilot, lambda: "running" in str(view(pilot).query_one(".step-title", Static).render()),
                        "the header to say the step is running")
        await pilot.press("q")
        await _wait_for(pilot, lambda: isinstance(slow.screen, ConfirmDialog), "the quit question")
        assert "continues in Azure" in text_of(slow.screen)
        await pilot.press("escape")  # stay
        await pilot.pause(0.1)
        assert isinstance(slow.screen, MainScreen) and view(pilot).busy == "deploy"
        await pilot.press("q")
        await _wait_for(pilot, lambda: isinstance(slow.screen, ConfirmDialog), "the quit question again")
        await pilot.press("y")
        await _wait_for(pilot, lambda: slow.return_code is not None, "the wizard to exit")
    assert slow.return_code == 0
    assert len(_journal_hits(session_dir, "PUT", deployment)) == 1

    resumed = WizardApp(SessionStore(home), mode="rehearsal", pace=PACE, resume=session_id)
    async with resumed.run_test(size=(120, 40)) as pilot:
        await _wait_for(pilot, lambda: isinstance(resumed.screen, ConfirmDialog)
                        and "Re-attach" in text_of(resumed.screen), "the re-attach offer")
        behind = next(s for s in resumed.screen_stack if isinstance(s, MainScreen))
        assert behind.current == "hub", "the step behind the dialog is the one it asks about"
        await press(pilot, "y")
        assert resumed.workspace.status_of("hub") == "done"
        assert view(pilot).step.id == "hub"
        elapsed = str(view(pilot).query_one("#run-elapsed", Static).render())
        assert "took" in elapsed and "took 0:00" not in elapsed  # counted from the start, not the re-attach
        kinds = [r.kind for r in resumed.workspace.session.audit.records() if r.step == "hub"]
        assert kinds.count("deployment.started") == 1 and "deployment.reattached" in kinds
    assert len(_journal_hits(session_dir, "PUT", deployment)) == 1


async def test_later_on_the_re_attach_question_leaves_a_key_to_follow_it(home: Path, prepared) -> None:
    slow = resume_app(home, prepared("hub-checked"), pace=60.0)  # the hub takes ~10 s
    async with slow.run_test(size=(80, 24)) as pilot:
        await wait_opened(pilot)
        await preview_checked_hub(pilot)
        session_id = slow.workspace.session.id
        await pilot.press("a")
        await _wait_for(pilot, lambda: slow.workspace.session.step("hub").deployment is not None
                        and slow.workspace.session.step("hub").deployment.status == "running", "the deployment")
        await pilot.press("q")
        await _wait_for(pilot, lambda: isinstance(slow.screen, ConfirmDialog), "the quit question")
        await pilot.press("y")
        await _wait_for(pilot, lambda: slow.return_code is not None, "the wizard to exit")

    resumed = WizardApp(SessionStore(home), mode="rehearsal", pace=PACE, resume=session_id)
    async with resumed.run_test(size=(80, 24)) as pilot:
        await _wait_for(pilot, lambda: isinstance(resumed.screen, ConfirmDialog)
                        and "Re-attach" in text_of(resumed.screen), "the re-attach offer")
        await press(pilot, "n")  # later
        assert isinstance(resumed.screen, MainScreen) and resumed.screen.current == "hub"
        assert view(pilot).can("reattach")
        assert "press t" in str(view(pilot).query_one(".step-status", Static).render())
        await press(pilot, "t")
        assert resumed.workspace.status_of("hub") == "done"
        kinds = [r.kind for r in resumed.workspace.session.audit.records() if r.step == "hub"]
        assert kinds.count("deployment.started") == 1 and "deployment.reattached" in kinds


async def test_failed_deployment_shows_azure_error_and_retry_keeps_decisions(home: Path, prepared) -> None:
    app = resume_app(home, prepared("hub-checked"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        short_id = app.workspace.session.short_id
        app.workspace.backend.faults.add(Fault(
            method="PUT", path_regex=rf"/deployments/hub-default-{short_id}$", kind="lro_failed",
            resource_type="Microsoft.Network/azureFirewalls", code="AzureFirewallPublicIpExhausted",
            message="Public IP pip-fw-01 is already in use elsewhere."))
        await preview_checked_hub(pilot)
        answers = dict(app.workspace.session.step("hub").answers)
        await press(pilot, "a")
        assert app.workspace.status_of("hub") == "failed"
        panel = view(pilot).query_one(ErrorPanel)
        assert panel.display
        shown = text_of(panel)
        assert "AzureFirewallPublicIpExhausted" in shown and "pip-fw-01 is already in use" in shown
        assert "azureFirewalls/" in shown and "What to do:" in shown
        assert "Traceback" not in shown
        assert view(pilot).can("retry") and not view(pilot).can("approve")

        await press(pilot, "r")
        assert not panel.display and view(pilot).preview_ready
        await press(pilot, "a")
        assert app.workspace.status_of("hub") == "done"
        assert app.workspace.session.step("hub").answers == answers
        kinds = [r.kind for r in app.workspace.session.audit.records() if r.step == "hub"]
        assert kinds.index("deployment.failed") < kinds.index("deployment.succeeded")


async def _palette(pilot: Pilot, query: str) -> None:
    await press(pilot, "ctrl+p")
    assert isinstance(pilot.app.screen, CommandPalette)
    await type_text(pilot, query)  # settles: the palette's search runs in a worker
    await press(pilot, "enter")


async def test_palette_offers_only_what_applies_and_opens_the_viewers(home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        provider = WizardCommands(app.screen)
        offered = {title for title, _, _ in provider._available()}
        assert "New rehearsal session" in offered and "Audit log" not in offered

        await start_session(pilot)
        provider = WizardCommands(app.screen)
        offered = {title for title, _, _ in provider._available()}
        assert "Audit log" in offered and "REST journal" in offered and "New rehearsal session" not in offered

        system = [c.title for c in app.get_system_commands(app.screen)]
        assert "Quit" not in system and "Keys" in system  # Quit is ours: it asks while a deployment runs

        await _palette(pilot, "audit log")
        assert isinstance(app.screen, AuditScreen)
        await press(pilot, "escape")
        await _palette(pilot, "rest journal")
        assert isinstance(app.screen, JournalScreen)


async def test_audit_viewer_verifies_the_chain_and_flags_a_tampered_log(home: Path, prepared) -> None:
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        await press(pilot, "u")
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one("#audit-table", DataTable)
        records = app.workspace.session.audit.records()
        assert table.row_count == len(records)
        status = screen.query_one("#audit-verify", Static)
        assert str(status.render()).startswith("✓") and not status.has_class("-bad")
        detail = str(screen.query_one("#audit-detail", Static).render())
        assert records[-1].kind in detail  # the last record is highlighted and shown in full

        path = app.workspace.session.audit.path
        lines = path.read_text().splitlines()
        first = json.loads(lines[1])
        first["data"]["tampered"] = True
        lines[1] = json.dumps(first)
        path.write_text("\n".join(lines) + "\n")
        await press(pilot, "v")
        shown = str(status.render())
        assert shown.startswith("✗") and status.has_class("-bad")
        assert str(first["seq"]) in shown


async def test_journal_viewer_shows_each_call_with_its_bodies(home: Path, prepared) -> None:
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        await press(pilot, "j")
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        table = screen.query_one("#journal-table", DataTable)
        assert table.row_count == len(screen.entries) > 0
        methods = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert "GET" in methods
        table.move_cursor(row=0)
        await settle(pilot)
        detail = str(screen.query_one("#journal-detail", Static).render())
        assert "Request body:" in detail and screen.entries[0]["path"] in detail
        assert "bearer " not in detail.lower()  # the journal never holds the token
        await press(pilot, "escape")
        assert isinstance(app.screen, MainScreen)


async def test_device_code_dialog_shows_the_code_and_closes_when_sign_in_ends(home: Path) -> None:
    """azure-identity calls the prompt on the sign-in worker thread; the dialog must appear
    on the UI thread with the URL and code, and close when opening the session ends."""
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await asyncio.to_thread(app._device_code_prompt, "https://microsoft.com/devicelogin", "K7QX-42PL",
                                "2026-11-22 10:15 UTC")
        await _wait_for(pilot, lambda: isinstance(app.screen, DeviceCodeDialog), "the device-code dialog")
        shown = text_of(app.screen)
        assert "https://microsoft.com/devicelogin" in shown and "K7QX-42PL" in shown and "10:15" in shown
        await app.run_action("app.new_session('rehearsal')")  # opening ends: transient dialogs close
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert not any(isinstance(s, DeviceCodeDialog) for s in app.screen_stack)
