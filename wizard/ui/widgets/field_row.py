"""One decision on the form: label, control, the default, the "why", and an inline error.

The control matches the field kind (text box, password box, Select for choices, Switch for
yes/no). ``raw_value`` hands back what the operator entered, unparsed: the engine parses and
validates, so the form never disagrees with the headless runner about what is valid."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Select, Static, Switch

from wizard.engine.contract import Choice, Field, FieldKind
from wizard.engine.fields import display
from wizard.ui.widgets.dom_ids import dom_id
from wizard.ui.widgets.plain import Plain, PlainLabel


class FieldRow(Vertical):
    """A single decision. The engine's ``why`` text stays visible: it is what the audit log
    records the operator was told."""

    def __init__(self, field: Field, value: Any, default: Any, choices: tuple[Choice, ...]) -> None:
        super().__init__(id=dom_id("field", field.id), classes="field-row")
        self.field = field
        self.initial = value
        self.default = default
        self.choices = choices
        # A Select reports BLANK until it has mounted; remember the choice ourselves so a
        # quick ctrl+s right after the form appears saves what the operator sees.
        known = {c.value for c in choices}
        self.choice: Any = value if value in known else ""

    def compose(self) -> ComposeResult:
        field = self.field
        required = "" if field.required else "  (optional)"
        yield PlainLabel(f"{field.label}{required}", classes="field-label")
        yield self._control()
        if field.kind is FieldKind.CHOICE:
            yield Plain(self._choice_detail(self.initial), classes="field-detail")
        if not field.secret:
            shown = display(self.default) if self.default not in (None, "") else "none"
            yield Plain(f"Default: {shown}", classes="field-default")
        yield Plain(field.why, classes="field-why")
        yield Plain("", classes="field-error")  # a Static: long messages wrap instead of being cut

    def _control(self) -> Widget:
        field = self.field
        if field.kind is FieldKind.BOOL:
            return Switch(value=bool(self.initial), classes="field-control")
        if field.kind is FieldKind.CHOICE:
            options = [(c.label, c.value) for c in self.choices]
            known = {c.value for c in self.choices}
            value = self.initial if self.initial in known else Select.BLANK
            return Select(options, value=value, allow_blank=not field.required or value is Select.BLANK,
                          classes="field-control", prompt="Choose…")
        placeholder = field.placeholder or ("leave empty to keep the stored secret" if field.secret else "")
        return Input(value="" if field.secret else display(self.initial), password=field.secret,
                     placeholder=placeholder, classes="field-control", select_on_focus=False)

    def _choice_detail(self, value: Any) -> str:
        for choice in self.choices:
            if choice.value == value and choice.detail:
                return f"→ {choice.detail}"
        return ""

    def raw_value(self) -> Any:
        """What the operator entered, as the engine's parser expects it."""
        control = self.query_one(".field-control")
        if isinstance(control, Switch):
            return control.value
        if isinstance(control, Select):
            return self.choice
        assert isinstance(control, Input)
        return control.value

    def on_select_changed(self, event: Select.Changed) -> None:
        """Track the operator's choice (the event still bubbles to the form)."""
        self.choice = "" if event.value is Select.BLANK else event.value

    def refresh_detail(self) -> None:
        if self.field.kind is FieldKind.CHOICE:
            self.query_one(".field-detail", Static).update(self._choice_detail(self.raw_value()))

    def show_error(self, message: str | None) -> None:
        label = self.query_one(".field-error", Static)
        label.update(f"✗ {message}" if message else "")
        label.display = bool(message)
        self.set_class(bool(message), "-invalid")
