"""How a step status looks: one glyph, a CSS class and the words beside it.

Kept apart from the widgets so the wording is the same everywhere it appears (navigator,
step header, command palette) and can be tested without an app.

The engine stores "checks failed" both when a check failed and when only a warning is left
open (a warning blocks until it is overridden). Shown as is, a step whose last failure was
just fixed would still say "checks failed" while the screen asks for an override, so the UI
tells the two apart from the stored check results (``shown_status``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from wizard.session.state import StepStatus

WARNING_OPEN = "warning open"  # a UI-only status: checks failed, but only by unaccepted warnings


@dataclass(frozen=True)
class StatusLook:
    glyph: str
    css_class: str


_LOOKS: dict[str, StatusLook] = {
    StepStatus.NOT_BUILT: StatusLook("·", "-not-built"),
    StepStatus.WAITING: StatusLook("◌", "-waiting"),
    StepStatus.READY: StatusLook("○", "-ready"),
    StepStatus.CHECKS_FAILED: StatusLook("✗", "-checks-failed"),
    WARNING_OPEN: StatusLook("!", "-warning-open"),
    StepStatus.CHECKED: StatusLook("◐", "-checked"),
    StepStatus.PREVIEWED: StatusLook("◑", "-previewed"),
    StepStatus.RUNNING: StatusLook("▶", "-running"),
    StepStatus.DONE: StatusLook("✓", "-done"),
    StepStatus.FAILED: StatusLook("✗", "-failed"),
}

# At 80 columns the navigator has room for about seven characters of status.
_SHORT: dict[str, str] = {
    StepStatus.NOT_BUILT: "",  # the dimmed title and "·" say it; the step header spells it out
    StepStatus.WAITING: "waits",
    StepStatus.CHECKS_FAILED: "failed",
    WARNING_OPEN: "warning",
    StepStatus.PREVIEWED: "preview",
    StepStatus.FAILED: "failed",
}


def look_of(status: str) -> StatusLook:
    """The glyph and CSS class for a status; unknown statuses get a neutral look."""
    return _LOOKS.get(status, StatusLook("?", "-unknown"))


def shown_status(status: str, checks: Mapping[str, Mapping[str, Any]], overrides: Mapping[str, str]) -> str:
    """The status to show: ``WARNING_OPEN`` instead of "checks failed" when no stored check
    failed or errored and what blocks is only warnings still waiting for an override."""
    if status != StepStatus.CHECKS_FAILED or not checks:
        return status
    states = {check_id: str(entry.get("status", "")) for check_id, entry in checks.items()}
    if any(s in ("fail", "error") for s in states.values()):
        return status
    if any(s == "warn" and check_id not in overrides for check_id, s in states.items()):
        return WARNING_OPEN
    return status


def phrase(status: str, waiting_on: list[str] | None = None) -> str:
    """The words in the step header. "waiting" names what it waits on, because "waiting"
    alone leaves a learner guessing which step to do first."""
    if status == StepStatus.WAITING and waiting_on:
        return "waiting on " + ", ".join(waiting_on)
    if status == WARNING_OPEN:
        return "a warning needs a fix or an override"
    return status


def nav_phrase(status: str, waiting_numbers: list[int] | None = None) -> str:
    """The words in the navigator's state column at full width: step numbers instead of
    titles so "waiting on …" fits beside the title (the header names the steps)."""
    if status == StepStatus.WAITING and waiting_numbers:
        label = "step" if len(waiting_numbers) == 1 else "steps"
        return f"waiting on {label} " + ", ".join(str(n) for n in sorted(waiting_numbers))
    if status == WARNING_OPEN:
        return "warning open"
    return status


def short_phrase(status: str) -> str:
    """The navigator's state column at 80 columns: at most seven characters."""
    return _SHORT.get(status, status)
