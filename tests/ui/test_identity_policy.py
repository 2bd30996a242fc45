"""Pilot tests of steps 3 and 4 in the TUI: each runs from its decisions to done, the preview
reads like one (directory objects to create; Defender plans modified with before and after),
and the break-glass password is shown only when asked for (w), its showing audited."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from tests.ui.drive import press, resume_app, settle, text_of, view, wait_opened
from wizard.ui.screens.dialogs import MessageDialog
from wizard.ui.widgets.preview_panel import PreviewPanel


def _preview_lines(pilot) -> str:  # noqa: ANN001 - a Pilot
    """The preview's summary and every line of its change list, as on screen."""
    panel = view(pilot).query_one(PreviewPanel)
    listing = panel.query_one("#preview-list", OptionList)
    lines = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
    return text_of(panel) + "\n" + "\n".join(lines)


async def _through(pilot, step: str) -> None:  # noqa: ANN001 - a Pilot
    pilot.app.screen.show_step(step, activate=True)
    await settle(pilot)
    await press(pilot, "ctrl+s")  # save the defaults; the checks run by themselves
    assert pilot.app.workspace.status_of(step) == "checked", pilot.app.workspace.session.step(step).checks
    await press(pilot, "p")
    assert view(pilot).preview_ready


async def test_identity_runs_and_shows_the_password_only_when_asked(home: Path, prepared) -> None:  # noqa: ANN001
    session_id = prepared("prerequisites")
    app = resume_app(home, session_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        await _through(pilot, "identity")
        shown = _preview_lines(pilot)
        assert "cluster-admins-bu0001a000800" in shown and "Microsoft.Graph/groups" in shown
        await press(pilot, "a")
        assert app.workspace.status_of("identity") == "done"
        password = app.workspace.session.secrets.get("identity.break-glass.password")
        assert password and password not in text_of(app.screen)  # not on screen unasked
        assert view(pilot).can("reveal")
        await press(pilot, "w")
        assert isinstance(app.screen, MessageDialog) and password in text_of(app.screen)
        kinds = [r.kind for r in app.workspace.session.audit.records()]
        assert kinds[-1] == "secret.shown"
        await press(pilot, "enter")
        assert not isinstance(app.screen, MessageDialog)


async def test_policy_runs_and_previews_the_defender_plans_as_changes(home: Path, prepared) -> None:  # noqa: ANN001
    session_id = prepared("prerequisites")
    app = resume_app(home, session_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        await _through(pilot, "policy")
        shown = _preview_lines(pilot)
        assert "Modify (3)" in shown and "Microsoft.Security/pricings" in shown
        assert "rg-enterprise-networking-hubs-eastus2" in shown
        await press(pilot, "a")
        assert app.workspace.status_of("policy") == "done"
        assert not view(pilot).can("reveal")  # nothing secret in this step


async def test_without_directory_rights_the_adopt_path_completes_identity(home: Path, prepared) -> None:  # noqa: ANN001
    """An ordinary member: creating fails its rights check with the ids to ask for; switching
    both groups to 'adopt' with the identity team's object ids and skipping the break-glass
    user completes the step with nothing created."""
    from textual.widgets import Input, Select

    from wizard.ui.widgets.checks_panel import ChecksPanel
    from wizard.ui.widgets.dom_ids import dom_id
    from wizard.ui.widgets.field_row import FieldRow

    app = resume_app(home, prepared("prerequisites", scenario="no-directory-rights"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        pilot.app.screen.show_step("identity", activate=True)
        await settle(pilot)
        await press(pilot, "ctrl+s")
        rows = {row.check.id: row for row in view(pilot).query_one(ChecksPanel).rows()}
        assert rows["identity.rights"].status == "fail" and "object id" in rows["identity.rights"].remedy.lower()

        def field(name: str) -> FieldRow:
            return view(pilot).query_one("#" + dom_id("field", name), FieldRow)

        field("admin_group_mode").query_one(Select).value = "adopt"
        field("reader_group_mode").query_one(Select).value = "adopt"
        field("break_glass").query_one(Select).value = "skip"
        await settle(pilot)
        field("admin_group_id").query_one(Input).value = "6a1f3c2e-8b4d-4e7a-9c05-2d8e1f4b7a31"
        field("reader_group_id").query_one(Input).value = "0b7e2d4c-5a91-4f3b-8e62-9c1d3a5f7e24"
        await settle(pilot)
        await press(pilot, "ctrl+s")
        assert app.workspace.status_of("identity") == "checked", app.workspace.session.step("identity").checks
        await press(pilot, "p")
        assert "adopt" in _preview_lines(pilot).lower()
        await press(pilot, "a")
        assert app.workspace.status_of("identity") == "done"
        kinds = [r.kind for r in app.workspace.session.audit.records()]
        assert kinds.count("directory.adopted") == 2 and "directory.created" not in kinds
        outputs = app.workspace.session.step("identity").outputs
        assert outputs["admin_group_id"] == "6a1f3c2e-8b4d-4e7a-9c05-2d8e1f4b7a31"
