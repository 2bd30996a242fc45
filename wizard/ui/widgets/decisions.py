"""The decisions form: one ``FieldRow`` per visible field and a Save button.

Edits are debounced and reported as ``DecisionsForm.Edited``; the step view validates them
in a worker (validators may call Azure) and hands the errors back via ``show_errors``.

The form also knows whether what is on screen differs from what was last saved
(``unsaved``, announced as ``DecisionsForm.UnsavedChanged``): checks, preview and approval
work on the saved decisions, so an operator who edited a field and pressed ``a`` would have
approved values other than the ones in front of them."""

from __future__ import annotations

from typing import Any, Mapping

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, Select, Static, Switch

from wizard.engine.contract import Choice, StepDefinition
from wizard.ui.widgets.field_row import FieldRow
from wizard.ui.widgets.plain import Plain

DEBOUNCE_S = 0.3


class DecisionsForm(VerticalScroll, can_focus=False):
    """All decisions of one step. Not a Tab stop itself: its controls are, and each scrolls
    into view when it takes the focus."""

    class Edited(Message):
        """The operator changed something; ``raw`` holds every field's current input."""

        def __init__(self, raw: Mapping[str, Any]) -> None:
            super().__init__()
            self.raw = dict(raw)

    class SaveRequested(Message):
        """The Save button was pressed."""

    class UnsavedChanged(Message):
        """The form started or stopped differing from the saved decisions."""

        def __init__(self, unsaved: bool) -> None:
            super().__init__()
            self.unsaved = unsaved

    def __init__(self, step: StepDefinition, values: Mapping[str, Any], defaults: Mapping[str, Any],
                 choices: Mapping[str, tuple[Choice, ...]], shown: set[str] | None = None) -> None:
        super().__init__(classes="decisions-form")
        self.step = step
        self.values = dict(values)
        self.defaults = dict(defaults)
        self.choices = dict(choices)
        # Fields the current answers make irrelevant start hidden, so Tab never lands in one
        # while the first validation is still on its way.
        self.shown = set(shown) if shown is not None else {f.id for f in step.fields}
        self._debounce: Timer | None = None
        self._saved_raw: dict[str, Any] | None = None  # the inputs as loaded or last saved
        self.unsaved = False
        self._touched: set[str] = set()  # fields the operator has typed in or changed
        self._final: str | None = None  # the step's status while its decisions are final

    def compose(self) -> ComposeResult:
        final = Plain("", id="form-final", classes="panel-note")
        final.display = False
        yield final
        if not self.step.fields:
            yield Plain("This step has no decisions to make. Save to record that you read the lesson.",
                         classes="form-empty")
        for field in self.step.fields:
            row = FieldRow(field, self.values.get(field.id), self.defaults.get(field.id),
                           self.choices.get(field.id, ()))
            row.display = field.id in self.shown
            yield row
        yield Button("Save decisions  (ctrl+s)", id="save-decisions", variant="primary")
        yield Plain("", id="form-status")

    def on_mount(self) -> None:
        self._saved_raw = self.raw()
        self.show_final(self._final)

    def raw(self) -> dict[str, Any]:
        return {row.field.id: row.raw_value() for row in self.query(FieldRow)}

    def mark_saved(self, raw: Mapping[str, Any]) -> None:
        """``raw`` is now the saved decisions (what a successful save submitted)."""
        self._saved_raw = dict(raw)
        self._compare()

    def _compare(self) -> None:
        unsaved = self._saved_raw is not None and self.raw() != self._saved_raw
        if unsaved != self.unsaved:
            self.unsaved = unsaved
            self.post_message(self.UnsavedChanged(unsaved))

    def show_errors(self, errors: Mapping[str, str], visible_ids: set[str] | None = None,
                    live: bool = False) -> None:
        """Show each field's error under it; hide fields the engine says are not relevant.

        ``live`` (checking as the operator types): an empty field nobody has typed in yet,
        such as one a choice has just revealed, is not called wrong before it is filled in;
        saving shows every error."""
        errors = dict(errors)
        if live:
            for row in self.query(FieldRow):
                if row.field.id not in self._touched and row.raw_value() in ("", None):
                    errors.pop(row.field.id, None)
        for row in self.query(FieldRow):
            row.show_error(errors.get(row.field.id))
            if visible_ids is not None:
                row.display = row.field.id in visible_ids
        status = self.query_one("#form-status", Static)
        count = len(errors)
        status.update(f"{count} field{'s need' if count != 1 else ' needs'} attention." if count else "")
        self.set_class(bool(count), "-has-errors")

    def show_final(self, status: str | None) -> None:
        """A running or done step's decisions are final: the form is shown for reference and
        takes no keys, and says so at the top - otherwise letters typed into it would reach the
        screen's keys (n, m, …) with nothing on screen to say why."""
        self.disabled = status is not None
        self._final = status
        for note in self.query("#form-final").results(Static):  # none before compose: on_mount applies it
            note.display = status is not None
            if status is not None:
                why = "it is running" if status == "running" else "it is done"
                note.update(f"These decisions are final ({why}) and shown for reference; they cannot be edited here.")

    def set_status(self, text: str) -> None:
        self.query_one("#form-status", Static).update(text)

    def _edited(self) -> None:
        self._compare()  # at once, not debounced: a key pressed right after an edit must see it
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_S, lambda: self.post_message(self.Edited(self.raw())))

    @on(Input.Changed)
    @on(Switch.Changed)
    def _on_text_or_switch(self, event: Input.Changed | Switch.Changed) -> None:
        event.stop()
        self._touch(event.control)
        self._edited()

    def _touch(self, control: Any) -> None:
        row = next((a for a in control.ancestors if isinstance(a, FieldRow)), None)
        if row is not None and self._saved_raw is not None:  # not the values filled in on mount
            self._touched.add(row.field.id)

    @on(Select.Changed)
    def _on_select(self, event: Select.Changed) -> None:
        event.stop()
        self._touch(event.control)
        for row in self.query(FieldRow):
            row.refresh_detail()
        self._edited()

    @on(Input.Submitted)
    def _on_submit(self, event: Input.Submitted) -> None:
        """Enter in a text box moves to the next control, like a paper form."""
        event.stop()
        self.screen.focus_next()

    @on(Button.Pressed, "#save-decisions")
    def _on_save(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.SaveRequested())
