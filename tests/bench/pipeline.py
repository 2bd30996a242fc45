"""How well the headless run overlaps independent steps: ``pipeline_ratio`` and ``serial_ratio``.

One headless rehearsal of every built step at a fixed pace (``PACE``: Azure seconds per real
second, so a ten-minute firewall takes ten seconds). Each step's duration is read from its own
audit records (its first record to ``step.completed``), which is the rehearsal's duration table
played at that pace plus the wizard's own work. From those durations:

- the critical path is the longest chain through the step graph (``needs`` and ``after``);
- ``pipeline_ratio`` = the run's wall time (first step record to last) / that critical path:
  1.0 means nothing waited that did not have to (goal <= 1.1);
- ``serial_ratio`` = the sum of every step's duration / the run's wall time: how much
  quicker than doing the steps one after another, as the reference walkthrough does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from _common import BIN, ROOT, note

PACE = "120"


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _spans(audit: Path) -> dict[str, tuple[float, float]]:
    first: dict[str, float] = {}
    done: dict[str, float] = {}
    for line in audit.read_text().splitlines():
        record = json.loads(line)
        step = record.get("step")
        if not step or step == "prerequisites":  # step 1 completes before any other can start
            continue
        first.setdefault(step, _ts(record["ts"]))
        if record["kind"] == "step.completed":
            done[step] = _ts(record["ts"])
    return {s: (first[s], done[s]) for s in done}


def critical_path(durations: dict[str, float], edges: dict[str, tuple[str, ...]]) -> tuple[float, list[str]]:
    """The longest chain of ``durations`` through ``edges`` (step -> steps it waits for)."""
    @lru_cache(maxsize=None)
    def longest(step: str) -> tuple[float, tuple[str, ...]]:
        before = [longest(p) for p in edges.get(step, ()) if p in durations]
        best = max(before, default=(0.0, ()))
        return best[0] + durations[step], best[1] + (step,)

    total, chain = max((longest(s) for s in durations), default=(0.0, ()))
    return total, list(chain)


def measure() -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from steps import REGISTRY

    with tempfile.TemporaryDirectory(prefix="aks-bench-pipeline-") as tmp:
        home = Path(tmp) / "home"
        env = dict(os.environ, AKS_WIZARD_HOME=str(home))
        argv = [str(BIN / "aks-wizard"), "run", "--rehearsal", "--accept-defaults", "--yes", "--pace", PACE]
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise SystemExit(f"headless run failed ({proc.returncode}): {proc.stderr[-1500:]}")
        audit = next(home.glob("sessions/*/audit.jsonl"))
        spans = _spans(audit)
    durations = {s: end - start for s, (start, end) in spans.items()}
    edges = {s.id: tuple(s.needs) + tuple(s.after) for s in REGISTRY}
    path, chain = critical_path(durations, edges)
    wall = max(end for _, end in spans.values()) - min(start for start, _ in spans.values())
    note(f"pipeline step durations (s) at pace {PACE}: " + ", ".join(f"{k} {v:.1f}" for k, v in durations.items()))
    note(f"pipeline critical path: {' -> '.join(chain)} = {path:.1f} s; wall {wall:.1f} s")
    return {"pipeline_ratio": wall / path if path else 0.0, "serial_ratio": sum(durations.values()) / wall if wall else 0.0}


if __name__ == "__main__":
    for name, value in measure().items():
        print(name, round(value, 3))
