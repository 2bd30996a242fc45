"""The left-hand list of all twelve steps, each with a status glyph and words.

A ``ListView`` so arrow keys and Enter work as a learner expects; each item carries its step
id. Each row holds the status twice, in full and in at most seven characters: the stylesheet
shows the short form on narrow terminals, so the state column never disappears. One row per
step keeps all twelve visible at 80x24."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Label, ListItem, ListView

from wizard.engine.contract import StepDefinition
from wizard.ui.status import look_of, nav_phrase, short_phrase
from wizard.ui.widgets.dom_ids import dom_id
from wizard.ui.widgets.plain import PlainLabel


class StepItem(ListItem):
    """One step in the navigator."""

    def __init__(self, number: int, step: StepDefinition) -> None:
        super().__init__(id=dom_id("nav", step.id))
        self.step_id = step.id
        self.number = number
        self.title = step.title

    def compose(self) -> ComposeResult:
        with Horizontal(classes="nav-row"):
            yield PlainLabel("·", classes="nav-glyph")
            yield PlainLabel(f"{self.number:>2} {self.title}", classes="nav-title")
            yield PlainLabel("", classes="nav-status")
            yield PlainLabel("", classes="nav-status-short")

    def show_status(self, status: str, waiting_numbers: list[int]) -> None:
        """Redraw glyph, colour class and status words."""
        look = look_of(status)
        for css in list(self.classes):
            if css.startswith("-"):
                self.remove_class(css)
        self.add_class(look.css_class)
        self.query_one(".nav-glyph", Label).update(look.glyph)
        self.query_one(".nav-status", Label).update(nav_phrase(status, waiting_numbers))
        self.query_one(".nav-status-short", Label).update(short_phrase(status))


class Navigator(ListView):
    """The step list. Posts ``StepChosen`` when the highlight moves to a step."""

    class StepChosen(Message):
        """The operator moved to (or selected) a step; the main screen shows it."""

        def __init__(self, step_id: str, activate: bool) -> None:
            super().__init__()
            self.step_id = step_id
            self.activate = activate

    def __init__(self, steps: tuple[StepDefinition, ...]) -> None:
        super().__init__(*(StepItem(i, s) for i, s in enumerate(steps, start=1)), id="navigator")
        self.border_title = "Steps"

    def show_status(self, step_id: str, status: str, waiting_numbers: list[int]) -> None:
        self.query_one("#" + dom_id("nav", step_id), StepItem).show_status(status, waiting_numbers)

    def select_step(self, step_id: str) -> None:
        for index, item in enumerate(self.query(StepItem)):
            if item.step_id == step_id:
                self.index = index
                return

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        event.stop()
        if isinstance(event.item, StepItem):
            self.post_message(self.StepChosen(event.item.step_id, activate=False))

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        if isinstance(event.item, StepItem):
            self.post_message(self.StepChosen(event.item.step_id, activate=True))
