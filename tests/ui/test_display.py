"""Pilot tests of what the screens show: nothing cut off at 120x40 or 80x24, real file
names and units, statuses that follow the stored state. Real engine, real rehearsal backend.

Tests about the later steps resume a session the engine took through the prerequisites (and
for the hub screens, through the hub's decisions and checks: the ``prepared`` fixture);
tests/ui/test_flow.py drives those steps through the keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, ProgressBar, Static

from tests.ui.drive import (assert_fits, cell_texts, press, preview_checked_hub, resume_app, settle, squeeze,
                            start_session, view, wait_opened)
from wizard.engine.events import DeploySnapshot, OperationState
from wizard.ui.screens.audit_view import AuditScreen
from wizard.ui.screens.journal_view import JournalScreen, short_path
from wizard.ui.screens.main import MainScreen
from wizard.ui.widgets.checks_panel import ChecksPanel
from wizard.ui.widgets.dom_ids import dom_id
from wizard.ui.widgets.field_row import FieldRow
from wizard.ui.widgets.navigator import StepItem
from wizard.ui.widgets.run_panel import RunPanel

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def _title(pilot: Pilot) -> str:
    return str(view(pilot).query_one(".step-title", Static).render())


@pytest.mark.parametrize("size", SIZES)
async def test_field_errors_wrap_instead_of_being_cut(home: Path, prepared, size: tuple[int, int]) -> None:
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=size) as pilot:
        screen = await wait_opened(pilot)
        assert screen.current == "tls-certificates"
        await press(pilot, "2")
        row = view(pilot).query_one("#" + dom_id("field", "validity_days"), FieldRow)
        row.query_one(Input).value = "about one year, like the reference implementation suggests for learning"
        error = row.query_one(".field-error", Static)
        for _ in range(200):  # validation runs after a debounce
            await pilot.pause(0.05)
            if error.display:
                break
        await settle(pilot)
        assert "whole number" in str(error.render())
        assert error.size.width <= row.size.width
        expected = len(str(error.render())) > error.size.width
        assert error.size.height >= (2 if expected else 1)  # all of the message, on as many lines as it takes


@pytest.mark.parametrize("size", SIZES)
async def test_preview_and_deploy_table_show_every_name_and_type(home: Path, prepared, size: tuple[int, int]) -> None:
    """One hub, read on both screens: the preview's names are read in full; once approved,
    the deploy table shows every name and type, and the outputs the whole hub VNet id."""
    app = resume_app(home, prepared("hub-checked"))
    async with app.run_test(size=size) as pilot:
        await wait_opened(pilot)
        await preview_checked_hub(pilot)

        # the preview names are read in full
        listing = view(pilot).query_one("#preview-list", OptionList)
        assert_fits(listing)
        prompts = [squeeze(str(listing.get_option_at_index(i).prompt)) for i in range(listing.option_count)]
        assert any(p.startswith("Create(") for p in prompts), prompts
        rule_group = next(p for p in prompts if "DefaultApplicationRuleCollectionGroup" in p)
        assert "Microsoft.Network/firewallPolicies/ruleCollectionGroups" in rule_group, f"preview: {rule_group}"

        # the deploy table shows every name and type
        await press(pilot, "a")
        assert app.workspace.status_of("hub") == "done"
        table = view(pilot).query_one("#run-resources", DataTable)
        assert_fits(table)
        cells = " ".join(cell_texts(table))
        for op_name in ("fw-policies-eastus2/DefaultApplicationRuleCollectionGroup", "vnet-eastus2-hub"):
            assert op_name in cells, f"deploy table: {op_name}"
        assert "Network/firewallPolicies/ruleCollectionGroups" in cells  # the type is shown, not pushed off screen
        outputs = view(pilot).query_one("#run-outputs", DataTable)
        assert_fits(outputs)
        hub_vnet = app.workspace.session.step("hub").outputs["hub_vnet_id"]
        assert squeeze(hub_vnet) in cell_texts(outputs)  # the whole id, readable without scrolling


@pytest.mark.parametrize("size", SIZES)
async def test_certificate_outputs_show_paths_file_names_and_units(home: Path, prepared, size: tuple[int, int]) -> None:
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=size) as pilot:
        screen = await wait_opened(pilot)
        assert screen.current == "tls-certificates"
        await press(pilot, "ctrl+s", "p", "a")
        assert app.workspace.status_of("tls-certificates") == "done"
        outputs = view(pilot).query_one("#run-outputs", DataTable)
        assert_fits(outputs)
        cells = cell_texts(outputs)
        stored = app.workspace.session.step("tls-certificates").outputs
        assert squeeze(str(stored["listener_certificate_path"])) in cells
        joined = " ".join(cells)
        assert "tls-certificates.listener.pfx" in joined and "tlscertificates.listener" not in joined
        size = next(value for key, value in stored.items() if key.startswith("listener_pfx_size"))
        label = next(i for i, cell in enumerate(cells) if cell.startswith("ListenerPFXsize"))
        assert cells[label + 1].startswith(f"{size}bytes")  # a number of bytes says so


@pytest.mark.parametrize("size", SIZES)
async def test_audit_detail_scrolls_and_shows_characters(home: Path, prepared, size: tuple[int, int]) -> None:
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=size) as pilot:
        await wait_opened(pilot)
        # what an operator types is theirs, in any script: a justification as a reviewer reads it
        app.workspace.session.record("check.overridden", "prerequisites", {
            "check": "prereq.quota", "justification": "≥ 40 vCPUs free is enough for this rehearsal — “fine”"})
        await press(pilot, "u")
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one("#audit-table", DataTable)
        assert_fits(table)
        index, char = next((i, c) for i, r in enumerate(screen.records)
                           for c in json.dumps(r.data, ensure_ascii=False) if ord(c) > 127)
        table.move_cursor(row=index)
        await settle(pilot)
        detail = str(screen.query_one("#audit-detail", Static).render())
        assert char in detail and "\\u" not in detail  # characters as themselves, never escapes
        box = screen.query_one("#audit-detail-box")
        box.focus()
        await settle(pilot)
        if box.max_scroll_y:
            await press(pilot, "pagedown")
            assert box.scroll_y > 0, "the detail of a long record scrolls with the keys"


@pytest.mark.parametrize("size", SIZES)
async def test_journal_paths_are_readable(home: Path, prepared, size: tuple[int, int]) -> None:
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=size) as pilot:
        await wait_opened(pilot)
        await press(pilot, "j")
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        await settle(pilot)
        table = screen.query_one("#journal-table", DataTable)
        assert_fits(table)
        longest = max((short_path(str(e.get("path", ""))) for e in screen.entries), key=len)
        assert squeeze(longest) in cell_texts(table)


async def test_navigator_and_footer_keep_state_and_keys_at_80_columns(home: Path, prepared) -> None:
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_opened(pilot)
        assert screen.current == "tls-certificates"
        await press(pilot, "ctrl+s", "p")
        screen = app.screen
        assert isinstance(screen, MainScreen)
        for item in screen.query(StepItem):
            short = item.query_one(".nav-status", Static)
            assert len(str(short.render())) <= 7, "at 80 columns the state column holds the short words"
            if app.workspace.step(item.step_id).built:
                assert str(short.render()).strip(), item.step_id  # every built step says where it stands
                assert short.region.right <= screen.navigator.region.right
        assert str(screen.query_one("#nav-tls-certificates .nav-status", Static).render()) == "preview"
        assert "previewed" in _title(pilot)
        from textual.widgets._footer import FooterKey

        keys = {key.key: key for key in screen.query(FooterKey)}
        assert "a" in keys and keys["a"].region.right <= 80, "the key that moves the step on is on screen"


async def test_header_stops_saying_failed_once_a_fix_leaves_a_warning(home: Path) -> None:
    """Registering providers takes about an Azure minute; at pace 1 that is a real minute, so
    right after the fix the check warns "still registering" - a warning, not a failure."""
    from wizard.session.store import SessionStore
    from wizard.ui.app import WizardApp

    app = WizardApp(SessionStore(home), mode="rehearsal", scenario="unregistered-provider", pace=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_session(pilot)
        await press(pilot, "ctrl+s")
        assert "checks failed" in _title(pilot)
        await press(pilot, "f")
        state = app.workspace.session.step("prerequisites")
        assert state.checks["prereq.providers"]["status"] == "warn"
        assert app.workspace.status_of("prerequisites") == "checks failed"  # the engine's word for "blocked"
        assert "checks failed" not in _title(pilot) and "override" in _title(pilot)
        item = app.screen.query_one("#nav-prerequisites", StepItem)
        assert "warning" in str(item.query_one(".nav-status", Static).render())
        assert str(view(pilot).query_one("#checks-hint", Static).render()).endswith("1 warning, 0 failed.")
        assert "with o" in str(view(pilot).query_one(".step-status", Static).render())


async def test_new_decisions_clear_old_check_results_from_the_screen(home: Path, prepared) -> None:
    app = resume_app(home, prepared("prerequisites"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        screen = app.screen
        screen.show_step("hub", activate=True)  # type: ignore[attr-defined]
        await settle(pilot)
        await press(pilot, "ctrl+s")
        panel = view(pilot).query_one(ChecksPanel)
        assert all(row.status != "not run" for row in panel.rows())
        app.workspace.runner("hub").submit_decisions(view(pilot).form.raw())  # type: ignore[union-attr]
        view(pilot).refresh_from_state()
        await settle(pilot)
        assert all(row.status == "not run" for row in panel.rows())
        assert str(view(pilot).query_one("#checks-hint", Static).render()).startswith("Press c")


async def test_progress_shows_a_real_percentage_and_time_since_the_start(home: Path, prepared) -> None:
    app = resume_app(home, prepared("hub-checked"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        await preview_checked_hub(pilot)
        run = view(pilot).query_one(RunPanel)
        run.show_action("Validating…", None)
        await settle(pilot)
        bar = run.query_one("#run-progress", ProgressBar)
        assert bar.has_class("-indeterminate") and not bar.query_one("#percentage").display
        ops = tuple(OperationState("Microsoft.Network/publicIPAddresses", f"pip-{i}", "Succeeded") for i in range(3))
        run.show_snapshot(DeploySnapshot("hub-default-x", "Running", 0.0, ops, expected_resources=12),
                          started_at="2020-01-01T00:00:00Z")
        run.show_note("Asking ARM for the deployment operations…")
        await settle(pilot)
        assert not bar.has_class("-indeterminate") and bar.percentage == 0.25
        assert str(bar.query_one("#percentage").render()) == "25%"
        elapsed = str(run.query_one("#run-elapsed", Static).render())
        assert "3 of 12 resources" in elapsed and "0:00" not in elapsed


async def test_a_modify_opens_to_its_property_changes_with_enter() -> None:
    from textual.app import App, ComposeResult

    from wizard.engine.contract import PlannedChange, Preview, PropertyDelta
    from wizard.ui.widgets.preview_panel import PreviewPanel

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield PreviewPanel()

    change = PlannedChange("Modify", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/azureFirewalls/fw",
                           "Microsoft.Network/azureFirewalls", "fw",
                           (PropertyDelta("properties.sku.tier", "Modify", "Standard", "Premium"),))
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(PreviewPanel)
        panel.show(Preview((change, PlannedChange("Create", "/x/pip", "Microsoft.Network/publicIPAddresses", "pip")),
                           notes=("What-if can report noise.",)))
        listing = panel.query_one("#preview-list", OptionList)
        listing.focus()
        await pilot.pause()
        assert "pip" in str(listing.highlighted_option.prompt)  # type: ignore[union-attr]  # Create comes first
        await pilot.press("down")  # past the "Modify (1)" heading, which is not selectable
        await pilot.pause()
        assert "fw" in str(listing.highlighted_option.prompt)  # type: ignore[union-attr]
        assert "properties.sku.tier" not in str(listing.highlighted_option.prompt)  # type: ignore[union-attr]
        await pilot.press("enter")
        await pilot.pause()
        assert "properties.sku.tier: Standard → Premium" in str(listing.highlighted_option.prompt)  # type: ignore[union-attr]
        await pilot.press("enter")
        await pilot.pause()
        assert "properties.sku.tier" not in str(listing.highlighted_option.prompt)  # type: ignore[union-attr]


async def test_a_change_ARM_cannot_predict_says_why() -> None:
    from textual.app import App, ComposeResult

    from wizard.engine.contract import PlannedChange, Preview
    from wizard.ui.widgets.preview_panel import PreviewPanel

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield PreviewPanel()

    nested = PlannedChange("Unsupported", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Resources/deployments/"
                           "hub-spoke-link", "Microsoft.Resources/deployments", "hub-spoke-link",
                           reason="The template of this nested deployment takes another group's outputs.")
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(PreviewPanel)
        panel.show(Preview((nested,)))
        await pilot.pause()
        listing = panel.query_one("#preview-list", OptionList)
        prompt = str(listing.get_option(next(iter(panel.changes))).prompt)
        assert "hub-spoke-link" in prompt and "takes another group's outputs" in prompt
