"""Pilot tests: the real engine against the real rehearsal backend, driven by keys.

The first two tests walk the prerequisites and the TLS step through the keys from a new
session; tests about a later step resume a session whose prerequisites the engine
completed (the ``prepared`` fixture), which leaves the same stored state."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, ProgressBar

from tests.ui.drive import (complete_prerequisites, make_app, press, resume_app, settle, start_session, text_of,
                            type_text, view, wait_opened)
from wizard.ui.screens.justification import JustificationDialog
from wizard.ui.widgets.checks_panel import ChecksPanel
from wizard.ui.widgets.decisions import DecisionsForm
from wizard.ui.widgets.dom_ids import dom_id
from wizard.ui.widgets.field_row import FieldRow
from wizard.ui.widgets.run_panel import RunPanel


async def test_prerequisites_with_defaults_complete(home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_session(pilot)
        assert view(pilot).step.id == "prerequisites"
        await press(pilot, "ctrl+s")
        rows = view(pilot).query_one(ChecksPanel).rows()
        assert rows and all(row.status == "pass" for row in rows)
        await press(pilot, "x")
        assert app.workspace.status_of("prerequisites") == "done"
        assert "Region" in text_of(view(pilot).query_one(RunPanel)) or view(pilot).query_one("#run-outputs").row_count
        kinds = [r.kind for r in app.workspace.session.audit.records()]
        assert "decision.recorded" in kinds and "step.completed" in kinds


async def test_tls_certificates_preview_approve_done(home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await complete_prerequisites(pilot)
        await press(pilot, "n")
        assert view(pilot).step.id == "tls-certificates"
        await press(pilot, "ctrl+s")
        rows = {row.check.id: row for row in view(pilot).query_one(ChecksPanel).rows()}
        assert rows["tls.listener-key"].status == "n/a"  # generated: checked after writing, not passed now
        assert "after it is written" in rows["tls.listener-key"].summary
        assert rows["tls.hosts"].status == "pass"
        await press(pilot, "p")
        assert view(pilot).preview_ready
        bar = view(pilot).query_one("#run-progress", ProgressBar)
        seen: list[float | None] = []
        bar.watch(bar, "percentage", lambda value: seen.append(value), init=False)  # Textual's public watch: every value the bar shows
        await press(pilot, "a")
        assert app.workspace.status_of("tls-certificates") == "done"
        assert view(pilot).query_one("#run-outputs").row_count > 0
        # the bar only moves forward: the post-write verification notes used to turn it back to "working"
        assert seen and seen[-1] == 1.0 and None not in seen, seen
        assert seen == sorted(seen), seen


async def test_hub_preview_shows_creates_then_deploys(home: Path, prepared) -> None:
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        pilot.app.screen.navigator.select_step("hub")  # type: ignore[attr-defined]
        await settle(pilot)
        pilot.app.screen.show_step("hub", activate=True)  # type: ignore[attr-defined]
        await settle(pilot)
        await press(pilot, "ctrl+s", "p")
        listing = view(pilot).query_one("#preview-list", OptionList)
        prompts = [listing.get_option_at_index(i) for i in range(listing.option_count)]
        groups = [str(o.prompt) for o in prompts if o.disabled]
        assert any(label.startswith("Create (") for label in groups), groups
        changes = [str(o.prompt) for o in prompts if not o.disabled]
        assert any("vnet" in prompt for prompt in changes)
        await press(pilot, "a")
        assert app.workspace.status_of("hub") == "done"
        table = view(pilot).query_one("#run-resources")
        assert table.row_count >= 10
        assert view(pilot).query_one("#run-outputs").row_count > 0


async def test_failing_check_shows_remedy(home: Path) -> None:
    app = make_app(home, scenario="missing-role")
    async with app.run_test(size=(120, 40)) as pilot:
        await start_session(pilot)
        await press(pilot, "ctrl+s")
        failed = [row for row in view(pilot).query_one(ChecksPanel).rows() if row.status == "fail"]
        assert failed, "the RBAC check should fail without Owner"
        assert failed[0].remedy
        assert "Remedy:" in text_of(failed[0])
        assert app.workspace.status_of("prerequisites") == "checks failed"
        assert not view(pilot).can("complete")


async def test_warning_override_lands_in_audit_log(home: Path, prepared) -> None:
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        pilot.app.screen.show_step("hub", activate=True)  # type: ignore[attr-defined]
        await settle(pilot)
        form = view(pilot).query_one(DecisionsForm)
        ips = form.query_one("#" + dom_id("field", "firewall_public_ips"), FieldRow).query_one(Input)
        ips.value = "1"
        await settle(pilot)
        await press(pilot, "ctrl+s")
        warned = [row for row in view(pilot).query_one(ChecksPanel).rows() if row.status == "warn"]
        assert warned, "one firewall public IP should warn about SNAT"
        warned[0].focus()
        await press(pilot, "o")
        assert isinstance(app.screen, JustificationDialog)
        await type_text(pilot, "too short")
        await press(pilot, "enter")
        assert isinstance(app.screen, JustificationDialog), "under 10 characters must be refused"
        reason = " because this rehearsal cluster has little egress"
        await type_text(pilot, reason)
        await press(pilot, "enter")
        records = [r for r in app.workspace.session.audit.records() if r.kind == "check.overridden"]
        assert records and "little egress" in records[-1].data["justification"]
        assert app.workspace.status_of("hub") == "checked"


async def test_bad_input_shows_field_error_and_records_nothing(home: Path, prepared) -> None:
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_opened(pilot)
        assert screen.current == "tls-certificates"
        before = len(app.workspace.session.audit.records())
        row = view(pilot).query_one("#" + dom_id("field", "validity_days"), FieldRow)
        row.query_one(Input).value = "a year"
        await pilot.pause(0.4)
        await settle(pilot)
        assert "whole number" in text_of(row)
        await press(pilot, "ctrl+s")
        assert "whole number" in text_of(row)
        assert len(app.workspace.session.audit.records()) == before
        assert app.workspace.session.step("tls-certificates").answers == {}


async def test_unsaved_edit_blocks_approval_until_saved(home: Path, prepared) -> None:
    """A previewed hub, then a field edited and not saved: ``a`` must not approve the old
    decisions behind the operator's back; the hint says to save, and saving brings the
    checks back (new decisions need new checks and a new preview)."""
    from tests.ui.drive import preview_checked_hub

    app = resume_app(home, prepared("hub-checked"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        await preview_checked_hub(pilot)
        assert view(pilot).can("approve")
        form = view(pilot).query_one(DecisionsForm)
        ips = form.query_one("#" + dom_id("field", "firewall_public_ips"), FieldRow).query_one(Input)
        original = ips.value
        ips.value = "4"
        await settle(pilot)
        assert form.unsaved and not view(pilot).can("approve") and not view(pilot).can("preview")
        assert "Unsaved changes" in str(view(pilot).query_one(".step-status").render())
        await press(pilot, "a")
        assert app.workspace.status_of("hub") == "previewed"
        assert "preview.approved" not in [r.kind for r in app.workspace.session.audit.records()]
        ips.value = original  # typed back: nothing differs from the saved decisions any more
        await settle(pilot)
        assert not form.unsaved and view(pilot).can("approve")
        ips.value = "4"
        await settle(pilot)
        await press(pilot, "ctrl+s")
        assert not form.unsaved
        assert app.workspace.session.step("hub").answers["firewall_public_ips"] == 4
        assert app.workspace.status_of("hub") == "checked"
