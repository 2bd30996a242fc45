"""Peak RSS and wall time of the headless rehearsal of every built step:
``aks-wizard run --rehearsal --accept-defaults --yes --pace 6000``.

Peak RSS is ru_maxrss (KiB on Linux) of that child and its waited-for descendants, read with
os.wait4 on the child's pid - the same figure getrusage(RUSAGE_CHILDREN) gives, but not mixed
up with the other children this bench process has already reaped (the pty start-up runs)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import BIN, ROOT, note


def measure() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="aks-bench-rss-") as tmp:
        env = dict(os.environ, AKS_WIZARD_HOME=str(Path(tmp) / "home"))
        argv = [str(BIN / "aks-wizard"), "run", "--rehearsal", "--accept-defaults", "--yes", "--pace", "6000"]
        log = Path(tmp) / "out.log"
        with log.open("wb") as out:
            started = time.perf_counter()
            proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
        text = log.read_text(errors="replace")
    if proc.returncode != 0:
        note(f"headless run exited {proc.returncode}; last output:\n{text[-1500:]}")
        raise SystemExit(f"headless run failed with exit code {proc.returncode}")
    peak_kib = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
    return {"peak_rss_mb": peak_kib / 1024, "headless_wall_s": wall}


if __name__ == "__main__":
    for name, value in measure().items():
        print(name, round(value, 3))
