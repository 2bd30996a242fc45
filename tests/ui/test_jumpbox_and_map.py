"""Pilot tests of step 6 in the TUI and of the network map (m): the build's preview shows the
Run and the image; approving deploys and builds; the map draws the hub, the builder spoke and
the cluster spoke with their ranges and how far each has got, also at 80x24."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from tests.ui.drive import deploy_hub_then_open, press, resume_app, settle, view, wait_opened
from tests.ui.test_identity_policy import _preview_lines
from wizard.ui.screens.topology_view import TopologyScreen
from wizard.ui.widgets.checks_panel import ChecksPanel
from wizard.ui.widgets.run_panel import RunPanel


def _map_text(pilot) -> str:  # noqa: ANN001
    return str(pilot.app.screen.query_one("#topology").render())


async def test_the_jump_box_image_previews_its_build_and_the_map_follows(home: Path, prepared) -> None:  # noqa: ANN001
    app = resume_app(home, prepared("hub-checked"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        await press(pilot, "m")
        assert isinstance(app.screen, TopologyScreen)
        before = _map_text(pilot)
        assert "Hub" in before and "10.200.0.0" in before and "Cluster spoke" in before and "not decided" in before
        await press(pilot, "escape")
        await deploy_hub_then_open(pilot, "jumpbox-image")
        await press(pilot, "ctrl+s")
        rows = {row.check.id: row.status for row in view(pilot).query_one(ChecksPanel).rows()}
        assert set(rows.values()) == {"pass", "n/a"}, rows  # the other access modes' checks do not apply
        assert rows["jumpbox.base-image"] == "pass" and rows["jumpbox.bastion"] == "n/a"
        await press(pilot, "p")
        shown = _preview_lines(pilot)
        assert "imgt-aksopsjb-" in shown and "img-aksopsjb-" in shown and "AksImageBuilderRuleCollectionGroup" in shown
        await press(pilot, "a")
        for _ in range(200):
            if app.workspace.status_of("jumpbox-image") == "done":
                break
            await pilot.pause(0.05)
        assert app.workspace.status_of("jumpbox-image") == "done"
        run = view(pilot).query_one(RunPanel)
        log = [line for line in str(run.query_one("#run-log").render()).splitlines() if line.strip()]
        builds = [line for line in log if "Image build" in line]
        # one line per sub-state, not one per poll: the clock is beside the bar, not in the log
        assert len(builds) == len(set(builds)) >= 2 and not any("since the build started" in b for b in builds), log
        label = str(run.query_one("#run-elapsed").render())  # beside the bar: what ran and how long, in words
        assert label.startswith("Image build succeeded") and "built in" in label and "about 35 min in Azure" in label
        resources = run.query_one("#run-resources", DataTable)
        assert resources.display and resources.row_count >= 5  # the deployment's resources are listed too
        await press(pilot, "m")
        after = _map_text(pilot)
        assert "Image builder spoke" in after and "10.241.0.0/27" in after and "snet-imagebuilder-aci" in after
        assert "firewall 10.200.0.4" in after and "connected" in after


async def test_the_map_scrolls_at_80x24(home: Path, prepared) -> None:  # noqa: ANN001
    app = resume_app(home, prepared("hub-checked"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_opened(pilot)
        await press(pilot, "m")
        box = app.screen.query_one("#topology-box")
        assert box.size.width <= 80 and box.virtual_size.height >= box.size.height - 2
        await press(pilot, "escape")
        assert not isinstance(app.screen, TopologyScreen)


async def test_a_field_a_choice_reveals_is_not_called_wrong_before_it_is_filled(home: Path, prepared) -> None:  # noqa: ANN001
    """Choosing "Use an image I have" reveals the image id field: it is empty, and saying
    "required" before the operator has typed is noise. Saving names it; the Bastion choice
    previews nothing and says so at the top, not only in a note below."""
    from textual.widgets import Select

    from wizard.ui.widgets.field_row import FieldRow

    app = resume_app(home, prepared("hub-checked"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        await deploy_hub_then_open(pilot, "jumpbox-image")
        await press(pilot, "2")
        form = view(pilot).form
        assert form is not None
        rows = {row.field.id: row for row in form.query(FieldRow)}
        rows["access_mode"].query_one(Select).value = "existing-image"
        await pilot.pause(0.6)  # past the form's debounce
        await settle(pilot)
        assert rows["existing_image_id"].display and not rows["existing_image_id"].has_class("-invalid")
        await press(pilot, "ctrl+s")
        assert rows["existing_image_id"].has_class("-invalid")  # saving shows it
        rows["access_mode"].query_one(Select).value = "bastion-tunnel"
        await pilot.pause(0.6)
        await press(pilot, "ctrl+s", "p")
        summary = str(view(pilot).query_one("#preview-summary").render())
        assert summary.startswith("Nothing to deploy.") and "cluster step" in summary
        statuses = [row.status for row in view(pilot).query_one(ChecksPanel).rows()]
        assert statuses[0] != "n/a" and statuses == sorted(statuses, key=lambda s: s == "n/a"), statuses


async def test_page_down_from_the_tab_strip_scrolls_the_open_tab(home: Path, prepared) -> None:  # noqa: ANN001
    app = resume_app(home, prepared("hub-checked"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_opened(pilot)
        pilot.app.screen.show_step("hub", activate=True)  # type: ignore[attr-defined]
        await settle(pilot)
        await press(pilot, "2")
        form = view(pilot).form
        assert form is not None and form.max_scroll_y > 0 and form.scroll_y == 0
        await press(pilot, "pagedown")
        assert form.scroll_y > 0
        await press(pilot, "pageup")
        assert form.scroll_y == 0
