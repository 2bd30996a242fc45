"""A step's whole preflight wall time against its slowest single check, with latency injected
into every rehearsal answer. Checks run concurrently (wizard.engine.checks_runner), so the
ideal ratio is 1.0; the goal is <= 1.25."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from _common import note

LATENCY_S = 0.3
PACE = 6000.0
PREPARE = ("prerequisites",)
MEASURED = os.environ.get("AKS_BENCH_CHECKS_STEP", "hub")


def measure() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="aks-bench-checks-") as tmp:
        os.environ["AKS_WIZARD_HOME"] = str(Path(tmp) / "home")
        from wizard.session.store import SessionStore
        from wizard.workspace import Workspace

        ws = Workspace.start_rehearsal(SessionStore(Path(tmp) / "home"), pace=PACE, latency_s=LATENCY_S)
        try:
            if MEASURED != "prerequisites":
                for step_id in PREPARE:
                    runner = ws.runner(step_id)
                    errors = runner.submit_decisions(runner.defaults())
                    assert not errors, errors
                    runner.run_checks()
                    assert not runner.blocking(), runner.blocking()
                    runner.complete_without_action()
            runner = ws.runner(MEASURED)
            errors = runner.submit_decisions(runner.defaults())
            assert not errors, errors
            started = time.perf_counter()
            results = runner.run_checks()
            wall = time.perf_counter() - started
        finally:
            ws.close()
    slowest = max(results, key=lambda r: r.duration_s)
    note(f"checks of {MEASURED} at latency {LATENCY_S}s: "
         + ", ".join(f"{r.check_id}={r.duration_s:.3f}s/{r.finding.status.value}" for r in results))
    return {"checks_wall_s": wall, "checks_slowest_s": slowest.duration_s,
            "checks_ratio": wall / slowest.duration_s if slowest.duration_s else float("inf")}


if __name__ == "__main__":
    for name, value in measure().items():
        print(name, round(value, 3))
