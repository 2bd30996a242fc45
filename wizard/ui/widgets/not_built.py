"""A step listed in the walkthrough but not built in this version.

It still teaches - title, summary and lesson - and says plainly that nothing will run, with
no run controls at all, so nobody wonders whether a key press deployed something."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from wizard.engine.contract import StepDefinition
from wizard.ui.widgets.dom_ids import dom_id
from wizard.ui.widgets.lesson import LessonView
from wizard.ui.widgets.plain import Plain

NOTICE = "Not built yet in this version — nothing will run."


class NotBuiltView(Vertical):
    """Title, plain notice, and the lesson; no bindings, no workers."""

    def __init__(self, step: StepDefinition, number: int) -> None:
        super().__init__(id=dom_id("step", step.id), classes="step-view -not-built")
        self.step = step
        self.number = number

    def compose(self) -> ComposeResult:
        yield Plain(f"Step {self.number} · {self.step.title}  —  not built\n{self.step.summary}", classes="step-title")
        yield Plain(NOTICE, classes="not-built-notice")
        yield LessonView(self.step.lesson, self.step.title, self.step.summary)

    def refresh_from_state(self) -> None:
        """Nothing stored can change a step that does not run."""

    def can(self, action: str) -> bool:
        return False

    def focus_default(self) -> None:
        """The lesson is all there is: it takes the keys so arrows scroll it."""
        self.query_one(LessonView).focus()
