"""Formatting of durations shown in the deploy view.

One function, in its own module, so snapshot tests can pin it: the real elapsed times vary
run to run and would otherwise make every SVG differ."""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    """``75.4`` -> ``"1:15"``; hours appear only when needed."""
    total = max(0, int(round(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
