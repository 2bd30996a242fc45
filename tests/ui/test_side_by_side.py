"""Starting a second step while the first one's deployment runs: the hub deploys (slowly, at a
low pace) while the operator opens the TLS step, decides, previews and approves it; both
finish, the TLS step inside the hub's deployment window, in one intact audit chain, and the
step list shows the running hub's progress meanwhile."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.ui.drive import press, resume_app, settle, view, wait_opened
from wizard.ui.widgets.dom_ids import dom_id


async def _until(condition, timeout: float = 20.0) -> None:  # noqa: ANN001 - a callable
    """Poll without Pilot's barrier, which would wait for the running deployment too."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)


async def test_a_step_runs_while_another_deploys(home: Path, prepared) -> None:  # noqa: ANN001
    app = resume_app(home, prepared("hub-checked"), pace=60.0)  # the hub takes some twelve seconds: room for the TLS step even on a busy machine
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        pilot.app.screen.show_step("hub", activate=True)  # type: ignore[attr-defined]
        await settle(pilot)
        await press(pilot, "p")
        await pilot.press("a")  # approve and deploy; do not wait for it
        await _until(lambda: app.workspace.status_of("hub") == "running")
        assert app.workspace.status_of("hub") == "running"
        # n moves on from the running step: past the two that wait for the hub, round to step 2
        await pilot.press("n")
        await _until(lambda: view(pilot).step.id == "tls-certificates" and view(pilot).form is not None)
        assert view(pilot).step.id == "tls-certificates"
        for key, reached in (("ctrl+s", "checked"), ("p", "previewed"), ("a", "done")):
            await pilot.press(key)
            await _until(lambda: app.workspace.status_of("tls-certificates") == reached and not view(pilot).busy)
        assert app.workspace.status_of("tls-certificates") == "done"
        assert app.workspace.status_of("hub") == "running", "the TLS step finished inside the hub's deployment"
        hub_row = pilot.app.screen.query_one("#" + dom_id("nav", "hub"))  # type: ignore[attr-defined]
        assert re.fullmatch(r"running \d+%", str(hub_row.query_one(".nav-status").render()))  # its own progress
        await settle(pilot, timeout=60)
        assert app.workspace.status_of("hub") == "done"
        records = app.workspace.session.audit.records()
        assert [r.seq for r in records] == list(range(1, len(records) + 1))


async def test_quitting_names_the_running_deployment_and_staying_keeps_it(home: Path, prepared) -> None:  # noqa: ANN001
    from wizard.ui.screens.dialogs import ConfirmDialog
    from tests.ui.drive import text_of

    app = resume_app(home, prepared("hub-checked"), pace=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_opened(pilot)
        pilot.app.screen.show_step("hub", activate=True)  # type: ignore[attr-defined]
        await settle(pilot)
        await press(pilot, "p")
        await pilot.press("a")
        await _until(lambda: app.workspace.status_of("hub") == "running")
        await pilot.press("q")
        await _until(lambda: isinstance(app.screen, ConfirmDialog))
        assert isinstance(app.screen, ConfirmDialog) and "Hub network: quit anyway?" in text_of(app.screen)
        await pilot.press("n")
        await settle(pilot, timeout=60)
        kinds = [r.kind for r in app.workspace.session.audit.records()]
        assert app.workspace.status_of("hub") == "done", kinds[-8:]
