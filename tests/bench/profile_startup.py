"""Where the wizard's start-up time goes (a diagnostic, not a figure): phase timings and a
cProfile of import + first frame (BENCH_PROFILE=run: first frame only), for the wizard and for a minimal Textual app, each in a
120x40 pty. Usage: python tests/bench/profile_startup.py [wizard|textual] [--profile]"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pexpect

CHILD = r'''
import cProfile, json, os, pstats, sys, time
t0 = time.perf_counter()
mode = os.environ.get("BENCH_PROFILE", "")
prof = cProfile.Profile() if mode else None
if prof and mode != "run": prof.enable()  # "run": profile only app.run(), after the imports
kind, out = sys.argv[1], sys.argv[2]
marks = {}
if kind == "wizard":
    import wizard.cli
    from wizard.session.store import SessionStore
    from wizard.ui.app import WizardApp as Base
    from wizard.ui.screens.welcome import WelcomeScreen
    marks["imports"] = time.perf_counter() - t0
    class App(Base):
        def on_ready(self):
            marks["first_frame"] = time.perf_counter() - t0
            self.exit(0)
    app = App(SessionStore())
else:
    from textual.app import App as Base
    from textual.widgets import Static
    marks["imports"] = time.perf_counter() - t0
    class App(Base):
        def compose(self):
            yield Static("ready")
        def on_ready(self):
            marks["first_frame"] = time.perf_counter() - t0
            self.exit(0)
    app = App()
if prof and mode == "run": prof.enable()
app.run()
if prof:
    prof.disable()
    prof.dump_stats(out + ".prof")
open(out, "w").write(json.dumps(marks))
'''


def run(kind: str, profile: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="aks-bench-prof-") as tmp:
        script = Path(tmp) / "child.py"
        script.write_text(CHILD)
        out = Path(tmp) / "marks.json"
        env = dict(os.environ, TERM="xterm-256color", AKS_WIZARD_HOME=str(Path(tmp) / "home"))
        if profile:
            env["BENCH_PROFILE"] = os.environ.get("BENCH_PROFILE", "all")
        child = pexpect.spawn(sys.executable, [str(script), kind, str(out)], env=env, dimensions=(40, 120))
        child.expect(pexpect.EOF, timeout=60)
        child.close()
        marks = json.loads(out.read_text())
        if profile:
            import pstats

            stats = pstats.Stats(str(out) + ".prof")
            stats.sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(int(os.environ.get("BENCH_LINES", "35")))
        return marks


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else "wizard"
    profile = "--profile" in sys.argv
    runs = [run(kind, profile) for _ in range(1 if profile else int(os.environ.get("BENCH_RUNS", "5")))]
    print(json.dumps({k: sorted(round(r[k] * 1000) for r in runs) for k in runs[0]}))
