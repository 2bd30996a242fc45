"""Where each screen's ``.tcss`` file lives.

Each screen loads only its own stylesheet (Textual reads a screen's ``CSS_PATH`` the first
time the screen is shown), so the first frame parses the welcome screen's rules and nothing
else. Paths are absolute because Textual resolves relative ones against the file of the
*instance's* class, which changes when a test or benchmark subclasses a screen."""

from __future__ import annotations

from pathlib import Path

_STYLES = Path(__file__).resolve().parent / "styles"

WELCOME = _STYLES / "welcome.tcss"
MAIN = [_STYLES / "main.tcss", _STYLES / "step.tcss"]
VIEWERS = _STYLES / "viewers.tcss"
DIALOGS = _STYLES / "dialogs.tcss"
