"""A rehearsal whose Azure stand-in starts after its steps are on screen
(``Workspace.new_rehearsal`` + ``connect_rehearsal``, what ``aks-wizard --rehearsal`` does):
nothing is audited before the connection, an engine call made early waits for it, so the
audit log still begins with ``session.started``, and a failed start reaches every waiting
call instead of leaving it hanging."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from wizard.session.store import SessionStore
from wizard.workspace import Workspace

PACE = 6000.0


def _kinds(workspace: Workspace) -> list[str]:
    return [record.kind for record in workspace.session.audit.records()]


def test_an_early_engine_call_waits_for_the_connection_and_is_audited_after_the_start(tmp_path: Path) -> None:
    workspace = Workspace.new_rehearsal(SessionStore(tmp_path), "default")
    try:
        assert workspace.azure is None and workspace.backend is None
        assert _kinds(workspace) == []  # a session folder exists, but nothing happened yet
        errors: list[dict[str, str]] = []

        def save_defaults() -> None:  # as the TUI's save worker would, before the stand-in is up
            workspace.wait_connected()
            runner = workspace.runner("prerequisites")
            errors.append(runner.submit_decisions(runner.defaults()))

        early = threading.Thread(target=save_defaults)
        early.start()
        early.join(timeout=0.3)
        assert early.is_alive(), "the call must wait while there is no connection"
        workspace.connect_rehearsal(pace=PACE)
        early.join(timeout=30)
        assert not early.is_alive() and errors == [{}]
        kinds = _kinds(workspace)
        assert kinds[0] == "session.started"
        assert "decision.recorded" in kinds[1:]
        assert workspace.session.state.subscription_id  # filled in by the start record
    finally:
        workspace.close()


def test_a_failed_start_reaches_the_calls_waiting_for_it(tmp_path: Path) -> None:
    workspace = Workspace.new_rehearsal(SessionStore(tmp_path), str(tmp_path / "no-such-scenario.yaml"))
    try:
        with pytest.raises(Exception) as started:
            workspace.connect_rehearsal(pace=PACE)
        with pytest.raises(type(started.value)):
            workspace.wait_connected()
        assert workspace.backend is None
        assert _kinds(workspace) == []
    finally:
        workspace.close()
