"""Time to the first interactive frame, in a 120x40 pty: ``aks-wizard --rehearsal`` against a
minimal Textual app in the same venv. Each run: spawn, read the pty until the marker text
appears on screen (ANSI escapes stripped), record elapsed, kill."""

from __future__ import annotations

import os
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

import pexpect

from _common import BIN, ROOT, median, note

ROWS, COLS = 40, 120
RUNS = 5
TIMEOUT_S = 30.0
# A stable string of the welcome screen (wizard/ui/screens/welcome.py); override when the UI changes.
DEFAULT_WIZARD_MARKER = "Rehearsal touches nothing in Azure"
TEXTUAL_MARKER = "BENCH-MINIMAL-READY"

MINIMAL_APP = f'''
from textual.app import App
from textual.widgets import Static


class Minimal(App):
    def compose(self):
        yield Static("{TEXTUAL_MARKER}")


Minimal().run()
'''

_ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\|\x1b[@-Z\\-_]")


def _visible(raw: bytes) -> str:
    return _ANSI.sub(b"", raw).decode("utf-8", "replace")


def time_to_marker(argv: list[str], marker: str, env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=cwd, dimensions=(ROWS, COLS))
    raw = b""
    try:
        deadline = started + TIMEOUT_S
        while True:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{argv!r}: marker {marker!r} not seen in {TIMEOUT_S}s; "
                                   f"screen text: {_visible(raw)[-400:]!r}")
            try:
                raw += child.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                raise RuntimeError(f"{argv!r} exited before showing {marker!r}: {_visible(raw)[-800:]!r}")
            if marker in _visible(raw):
                return time.perf_counter() - started
    finally:
        if child.isalive():
            try:
                os.killpg(child.pid, signal.SIGKILL)  # pexpect makes the child a session leader
            except ProcessLookupError:
                pass
        child.close(force=True)


def _env(home: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS), AKS_WIZARD_HOME=home)
    for name in ("TEXTUAL", "PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME"):  # no dev/debug modes, use .pyc
        env.pop(name, None)
    return env


def measure() -> dict[str, float]:
    marker = os.environ.get("AKS_WIZARD_READY_MARKER") or DEFAULT_WIZARD_MARKER
    with tempfile.TemporaryDirectory(prefix="aks-bench-startup-") as tmp:
        app = Path(tmp) / "minimal_app.py"
        app.write_text(MINIMAL_APP)
        env = _env(str(Path(tmp) / "home"))
        wizard_argv = [str(BIN / "aks-wizard"), "--rehearsal"]
        textual_argv = [sys.executable, str(app)]
        # one unmeasured warm-up each: bytecode caches and the page cache, so runs compare like for like
        time_to_marker(wizard_argv, marker, env, str(ROOT))
        time_to_marker(textual_argv, TEXTUAL_MARKER, env, str(ROOT))
        wizard, textual = [], []
        for _ in range(RUNS):  # interleaved so background load hits both alike
            wizard.append(time_to_marker(wizard_argv, marker, env, str(ROOT)))
            textual.append(time_to_marker(textual_argv, TEXTUAL_MARKER, env, str(ROOT)))
    note(f"startup wizard runs (s): {[round(v, 3) for v in wizard]} marker={marker!r}")
    note(f"startup textual runs (s): {[round(v, 3) for v in textual]}")
    w, t = median(wizard), median(textual)
    return {"startup_wizard_ms": w * 1000, "startup_textual_ms": t * 1000, "startup_ratio": w / t}


if __name__ == "__main__":
    for name, value in measure().items():
        print(name, round(value, 3))
