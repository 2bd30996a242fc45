"""Typed Textual messages the UI posts to itself.

Engine events arrive on worker threads; ``wizard.ui.bridge`` turns each into one of these
and posts it onto the UI thread. Messages are treated as immutable: handlers read them and
never change them, so the same message can be replaced (``can_replace``) or replayed safely.
"""

from __future__ import annotations

from typing import Any, Mapping

from textual.message import Message

from wizard.azure.errors import AzureFailure
from wizard.engine.contract import CheckResult, Preview
from wizard.engine.events import DeploySnapshot


class CheckBegan(Message):
    """A preflight check started running: its row shows a spinner."""

    def __init__(self, step: str, check_id: str, title: str) -> None:
        super().__init__()
        self.step = step
        self.check_id = check_id
        self.title = title


class CheckDone(Message):
    """A check (preflight or post-deploy verification) produced a result."""

    def __init__(self, step: str, result: CheckResult) -> None:
        super().__init__()
        self.step = step
        self.result = result


class PreviewShown(Message):
    """The engine produced a what-if (or local) preview for the operator to approve."""

    def __init__(self, step: str, preview: Preview) -> None:
        super().__init__()
        self.step = step
        self.preview = preview


class DeployTick(Message):
    """A snapshot of a running ARM deployment. Only the newest matters, so queued ticks for
    the same step collapse into one instead of flooding the message queue."""

    def __init__(self, step: str, snapshot: DeploySnapshot) -> None:
        super().__init__()
        self.step = step
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DeployTick) and message.step == self.step


class ActionTick(Message):
    """Progress of a local action (e.g. writing certificates)."""

    def __init__(self, step: str, message: str, fraction: float | None, detail: str = "") -> None:
        super().__init__()
        self.step = step
        self.text = message
        self.fraction = fraction
        self.detail = detail


class EngineNotice(Message):
    """A one-line note from the engine ("Asking ARM what would change…")."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__()
        self.step = step
        self.text = message


class StepEnded(Message):
    """A step reached done or failed; the navigator and dependent steps refresh."""

    def __init__(self, step: str, status: str, outputs: Mapping[str, Any],
                 failure: AzureFailure | None) -> None:
        super().__init__()
        self.step = step
        self.status = status
        self.outputs = dict(outputs)
        self.failure = failure


class StepStatusChanged(Message):
    """Something changed a step's stored status (decisions, checks, preview): the
    navigator redraws its glyph. Bubbles from the step view to the main screen."""

    def __init__(self, step: str) -> None:
        super().__init__()
        self.step = step


class StepProgress(Message):
    """How far a step's run is (percent of its resources or actions), for the step list: with
    several steps running side by side, each shows its own progress there."""

    def __init__(self, step: str, percent: int | None) -> None:
        super().__init__()
        self.step = step
        self.percent = percent
