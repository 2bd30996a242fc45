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
