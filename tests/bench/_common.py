"""Shared helpers for the benchmarks (paths, median, figure printing)."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent.parent
BIN = Path(sys.executable).parent


def median(values: list[float]) -> float:
    return statistics.median(values)


def figure(name: str, value: float, unit: str, digits: int = 3) -> None:
    print(f"{name} {value:.{digits}f} {unit}", flush=True)


def note(text: str) -> None:
    """Diagnostics go to stderr so stdout stays one figure per line."""
    print(f"# {text}", file=sys.stderr, flush=True)
