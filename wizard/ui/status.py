"""How a step status looks in the navigator: one glyph and a short phrase.

Kept apart from the widgets so the wording is the same everywhere it appears (navigator,
step header, command palette) and can be tested without an app."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.session.state import StepStatus


@dataclass(frozen=True)
class StatusLook:
    glyph: str
    css_class: str


_LOOKS: dict[str, StatusLook] = {
    StepStatus.NOT_BUILT: StatusLook("·", "-not-built"),
    StepStatus.WAITING: StatusLook("◌", "-waiting"),
    StepStatus.READY: StatusLook("○", "-ready"),
    StepStatus.CHECKS_FAILED: StatusLook("✗", "-checks-failed"),
    StepStatus.CHECKED: StatusLook("◐", "-checked"),
    StepStatus.PREVIEWED: StatusLook("◑", "-previewed"),
    StepStatus.RUNNING: StatusLook("▶", "-running"),
    StepStatus.DONE: StatusLook("✓", "-done"),
    StepStatus.FAILED: StatusLook("✗", "-failed"),
}


def look_of(status: str) -> StatusLook:
    """The glyph and CSS class for a status; unknown statuses get a neutral look."""
    return _LOOKS.get(status, StatusLook("?", "-unknown"))


def phrase(status: str, waiting_on: list[str] | None = None) -> str:
    """The words shown beside the glyph. "waiting" names what it waits on, because
    "waiting" alone leaves a learner guessing which step to do first."""
    if status == StepStatus.WAITING and waiting_on:
        return "waiting on " + ", ".join(waiting_on)
    return status
