"""Pilot test of step 7 in the TUI: from a deployed hub, the spoke's defaults check clean, the
preview names the peering both ways and the egress rules in the hub's policy, and approving
deploys it with both peerings connected."""

from __future__ import annotations

from pathlib import Path

from tests.ui.drive import deploy_hub_then_open, press, resume_app, view, wait_opened
from tests.ui.test_identity_policy import _preview_lines
from wizard.ui.widgets.checks_panel import ChecksPanel


async def test_spoke_runs_after_the_hub_and_previews_both_groups(home: Path, prepared) -> None:  # noqa: ANN001
    app = resume_app(home, prepared("hub-checked"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        await deploy_hub_then_open(pilot, "spoke")
        await press(pilot, "ctrl+s")
        rows = {row.check.id: row.status for row in view(pilot).query_one(ChecksPanel).rows()}
        assert set(rows.values()) == {"pass", "n/a"}, rows
        assert rows["spoke.network-watcher"] == "n/a"  # flow logs are opt-in: nothing to look up by default
        await press(pilot, "p")
        shown = _preview_lines(pilot)
        assert "to_vnet-eastus2-hub" in shown and "AksEgressRuleCollectionGroup" in shown
        assert "route-to-eastus2-hub-fw" in shown
        await press(pilot, "a")
        assert app.workspace.status_of("spoke") == "done"
        checks = app.workspace.session.step("spoke").checks
        assert checks["spoke.verify-peerings"]["status"] == "pass"
