"""Pilot test of step 8 in the TUI: with steps 1-7 done, the cluster's defaults check clean,
the preview lists the cluster, the gateway and the secrets (never a secret's value), and after
approval the Checks tab keeps the posture check's results below the preflight checks."""

from __future__ import annotations

from pathlib import Path

from tests.engine.test_cluster_step import EARLIER
from tests.engine.flow import deploy_step
from tests.ui.drive import PACE, press, resume_app, settle, view, wait_opened
from tests.ui.test_identity_policy import _preview_lines
from wizard.session.store import SessionStore
from wizard.ui.widgets.checks_panel import ChecksPanel


def _session_before_the_cluster(home: Path) -> str:
    from tests.ui.drive import prepare_session
    from wizard.workspace import Workspace

    session_id = prepare_session(home)
    workspace = Workspace.resume(SessionStore(home), session_id, pace=PACE)
    try:
        for step in EARLIER:
            deploy_step(workspace, step)
        return session_id
    finally:
        workspace.close()


async def test_the_cluster_checks_previews_deploys_and_keeps_its_posture_on_screen(home: Path) -> None:
    app = resume_app(home, _session_before_the_cluster(home))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        app.screen.show_step("cluster", activate=True)  # type: ignore[attr-defined]
        await settle(pilot)
        await press(pilot, "ctrl+s")
        panel = view(pilot).query_one(ChecksPanel)
        rows = {row.check.id: row.status for row in panel.rows()}
        assert set(rows.values()) == {"pass"}, rows
        assert {r.status for r in panel.verify_rows()} == {"not run"}
        await press(pilot, "p")
        shown = _preview_lines(pilot)
        assert "aks-" in shown and "apw-aks-" in shown and "gateway-listener-pfx" in shown
        assert "MII" not in shown  # no certificate bytes on screen
        await press(pilot, "a")
        assert app.workspace.status_of("cluster") == "done"
        posture = {r.check.id: r.status for r in panel.verify_rows()}
        assert len(posture) == 20 and set(posture.values()) == {"pass"}, posture
