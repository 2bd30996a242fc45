"""The Textual TUI. ``run_tui`` is what the CLI calls; importing this package stays cheap
(the app, Textual and the engine load on first use)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from wizard.session.store import SessionStore


def run_tui(store: "SessionStore", mode: str = "rehearsal", scenario: str = "default", pace: float = 60.0,
            resume: str | None = None, **start: Any) -> int:
    """Run the wizard TUI; returns the process exit code. ``start=`` ("rehearsal", "live"
    or None) says which mode a command-line flag asked to start (see ``wizard.ui.app``)."""
    from wizard.ui.app import run_tui as _run

    return _run(store, mode=mode, scenario=scenario, pace=pace, resume=resume, **start)


__all__ = ["run_tui"]
