"""Time to the first interactive frame, in a 120x40 pty, against a minimal Textual app in the
same venv. Each run: spawn, read the pty until the marker text appears on screen (ANSI
escapes stripped), record elapsed, kill.

Two first frames are measured, because they differ in what must be drawn:

- ``aks-wizard``: the welcome menu, where arrows and Enter already work (``startup_ratio``);
- ``aks-wizard --rehearsal`` in a fresh home (what ``make rehearsal`` runs): the step list
  and step 1's header, drawn from the new session before the Azure stand-in starts
  (``startup_rehearsal_ratio``); and, later, step 1's lesson text, which appears once its
  tab is built while the stand-in starts (``startup_lesson_ms``)."""

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
# Nine interleaved runs each: on a shared 2-core VM single runs of the bare Textual app range
# from 0.21 to 0.36 s, and a median of five moved the ratio by +-0.1 between identical builds.
RUNS = 9
TIMEOUT_S = 30.0
# Stable strings of the first screens; override with AKS_WIZARD_*_MARKER when the UI changes.
DEFAULT_WIZARD_MARKER = "Rehearsal touches nothing in Azure"  # wizard/ui/screens/welcome.py
DEFAULT_STEPS_MARKER = "Step 1 · Prerequisites"  # the step header (wizard/ui/widgets/step_view.py)
DEFAULT_LESSON_MARKER = "Confirm that your machine"  # assets/lessons/prerequisites.md, first sentence
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


def _fresh_home(tmp: str, run: int) -> dict[str, str]:
    """A home without sessions, so ``--rehearsal`` starts a new one instead of offering to resume."""
    return _env(str(Path(tmp) / f"home-{run}"))


def measure() -> dict[str, float]:
    menu_marker = os.environ.get("AKS_WIZARD_READY_MARKER") or DEFAULT_WIZARD_MARKER
    steps_marker = os.environ.get("AKS_WIZARD_STEPS_MARKER") or DEFAULT_STEPS_MARKER
    lesson_marker = os.environ.get("AKS_WIZARD_LESSON_MARKER") or DEFAULT_LESSON_MARKER
    with tempfile.TemporaryDirectory(prefix="aks-bench-startup-") as tmp:
        app = Path(tmp) / "minimal_app.py"
        app.write_text(MINIMAL_APP)
        env = _env(str(Path(tmp) / "home"))
        menu_argv = [str(BIN / "aks-wizard")]
        rehearsal_argv = [str(BIN / "aks-wizard"), "--rehearsal"]
        textual_argv = [sys.executable, str(app)]
        # one unmeasured warm-up each: bytecode caches and the page cache, so runs compare like for like
        time_to_marker(menu_argv, menu_marker, env, str(ROOT))
        time_to_marker(rehearsal_argv, lesson_marker, _fresh_home(tmp, -1), str(ROOT))
        time_to_marker(textual_argv, TEXTUAL_MARKER, env, str(ROOT))
        menu, steps, lesson, textual = [], [], [], []
        for run in range(RUNS):  # interleaved so background load hits all alike
            menu.append(time_to_marker(menu_argv, menu_marker, env, str(ROOT)))
            steps.append(time_to_marker(rehearsal_argv, steps_marker, _fresh_home(tmp, run), str(ROOT)))
            lesson.append(time_to_marker(rehearsal_argv, lesson_marker, _fresh_home(tmp, RUNS + run), str(ROOT)))
            textual.append(time_to_marker(textual_argv, TEXTUAL_MARKER, env, str(ROOT)))
    note(f"startup menu runs (s): {[round(v, 3) for v in menu]} marker={menu_marker!r}")
    note(f"startup --rehearsal steps runs (s): {[round(v, 3) for v in steps]} marker={steps_marker!r}")
    note(f"startup --rehearsal lesson runs (s): {[round(v, 3) for v in lesson]} marker={lesson_marker!r}")
    note(f"startup textual runs (s): {[round(v, 3) for v in textual]}")
    note(f"startup menu ratio of the fastest runs (least disturbed): {min(menu) / min(textual):.3f}")
    note(f"startup menu ratio, median of back-to-back pairs: {median([m / t for m, t in zip(menu, textual)]):.3f}")
    m, st, le, t = median(menu), median(steps), median(lesson), median(textual)
    return {"startup_wizard_ms": m * 1000, "startup_textual_ms": t * 1000, "startup_ratio": m / t,
            "startup_rehearsal_ms": st * 1000, "startup_rehearsal_ratio": st / t, "startup_lesson_ms": le * 1000}


if __name__ == "__main__":
    for name, value in measure().items():
        print(name, round(value, 3))
