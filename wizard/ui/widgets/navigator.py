"""The left-hand list of all twelve steps, each with a status glyph and words.

A ``ListView`` so arrow keys and Enter work as a learner expects; each item carries its step
id. The state column says the status in full, or in at most seven characters on narrow
terminals (``set_narrow``), so it never disappears. One row per step keeps all twelve
visible at 80x24. A row is three labels and nothing else: every focus change restyles the
screen, and the navigator is most of its widgets."""

from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Label, ListItem, ListView

from wizard.engine.contract import StepDefinition
from wizard.session.state import StepStatus
from wizard.ui.status import look_of, nav_phrase, short_phrase
from wizard.ui.widgets.dom_ids import dom_id
from wizard.ui.widgets.plain import PlainLabel


StatusOf = Callable[[str], tuple[str, list[int]]]  # step id -> (shown status, numbers of steps it waits on)


class StepItem(ListItem):
    """One step in the navigator, composed with its status: a first frame drawn from the
    stored state needs no restyle of twelve rows straight after."""

    def __init__(self, number: int, step: StepDefinition, status: str, waiting_numbers: list[int]) -> None:
        super().__init__(id=dom_id("nav", step.id), classes=look_of(status).css_class)
        self.step_id = step.id
        self.number = number
        self.title = step.title
        self.status = (status, waiting_numbers)
        self.narrow = False
        self.progress: int | None = None  # percent done while running

    def compose(self) -> ComposeResult:
        yield PlainLabel(look_of(self.status[0]).glyph, classes="nav-glyph")
        yield PlainLabel(f"{self.number:>2} {self.title}", classes="nav-title")
        yield PlainLabel(self._phrase(), classes="nav-status")

    def _phrase(self) -> str:
        status, waiting = self.status
        if status == StepStatus.RUNNING and self.progress is not None:
            return f"{self.progress}%" if self.narrow else f"running {self.progress}%"
        return short_phrase(status) if self.narrow else nav_phrase(status, waiting)

    def show_progress(self, percent: int | None) -> None:
        if percent != self.progress:
            self.progress = percent
            if self.is_mounted:
                self.query_one(".nav-status", Label).update(self._phrase())

    def show_status(self, status: str, waiting_numbers: list[int]) -> None:
        """Redraw glyph, colour class and status words (when they changed)."""
        if self.status == (status, waiting_numbers):
            return
        if status != StepStatus.RUNNING:
            self.progress = None
        self.status = (status, waiting_numbers)
        look = look_of(status)
        self.update_classes({**{css: False for css in self.classes if css.startswith("-")}, look.css_class: True})
        self.query_one(".nav-glyph", Label).update(look.glyph)
        self.query_one(".nav-status", Label).update(self._phrase())

    def set_narrow(self, narrow: bool) -> None:
        if narrow != self.narrow:
            self.narrow = narrow
            if self.is_mounted:
                self.query_one(".nav-status", Label).update(self._phrase())


class Navigator(ListView):
    """The step list. Posts ``StepChosen`` when the highlight moves to a step."""

    class StepChosen(Message):
        """The operator moved to (or selected) a step; the main screen shows it."""

        def __init__(self, step_id: str, activate: bool) -> None:
            super().__init__()
            self.step_id = step_id
            self.activate = activate

    def __init__(self, steps: tuple[StepDefinition, ...], status_of: StatusOf, narrow: bool = False,
                 opening: str | None = None) -> None:
        """``opening``: the step shown first; the list starts highlighted on it, so mounting
        does not highlight row 1 (which would build and load step 1's view for nothing)."""
        items = [StepItem(i, s, *status_of(s.id)) for i, s in enumerate(steps, start=1)]
        for item in items:
            item.set_narrow(narrow)
        start = next((i for i, s in enumerate(steps) if s.id == opening), 0)
        super().__init__(*items, id="navigator", initial_index=start)
        self.border_title = "Steps"

    def set_narrow(self, narrow: bool) -> None:
        """Short state words at 80 columns, full ones when there is room."""
        for item in self.query(StepItem):
            item.set_narrow(narrow)

    def show_status(self, step_id: str, status: str, waiting_numbers: list[int]) -> None:
        self.query_one("#" + dom_id("nav", step_id), StepItem).show_status(status, waiting_numbers)

    def show_progress(self, step_id: str, percent: int | None) -> None:
        for item in self.query(StepItem):
            if item.step_id == step_id:
                item.show_progress(percent)

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
