"""Parse and validate the operator's raw answers (strings from a form or an answers file)
into typed values, with one clear message per field. Nothing is saved until all pass."""

from __future__ import annotations

from typing import Any, Mapping

from wizard.engine.contract import Choice, Field, FieldKind, StepContext, StepDefinition

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def choices_of(field: Field, ctx: StepContext) -> tuple[Choice, ...]:
    return field.choices(ctx) if callable(field.choices) else field.choices


def default_of(field: Field, ctx: StepContext) -> Any:
    return field.default(ctx) if callable(field.default) else field.default


def display(value: Any) -> str:
    """How a value appears in a text box."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def parse(field: Field, raw: Any, ctx: StepContext) -> tuple[Any, str | None]:
    """Return (value, error). ``raw`` may already be typed (answers files, defaults)."""
    text = raw.strip() if isinstance(raw, str) else raw
    if text in ("", None):
        if field.required:
            return None, f"{field.label} is required."
        return None, None
    if field.kind is FieldKind.INT:
        try:
            return int(text), None
        except (TypeError, ValueError):
            return None, f"{field.label} must be a whole number (got {text!r})."
    if field.kind is FieldKind.BOOL:
        if isinstance(text, bool):
            return text, None
        low = str(text).lower()
        if low in _TRUE:
            return True, None
        if low in _FALSE:
            return False, None
        return None, f"{field.label} must be yes or no (got {text!r})."
    if field.kind is FieldKind.CHOICE:
        options = choices_of(field, ctx)
        values = [c.value for c in options]
        for value in values:
            if str(value).lower() == str(text).lower():
                return value, None
        return None, f"{field.label} must be one of: {', '.join(values)} (got {text!r})."
    return str(text), None


def visible(field: Field, answers: Mapping[str, Any]) -> bool:
    return field.visible_when is None or bool(field.visible_when(answers))


def validate(step: StepDefinition, raw: Mapping[str, Any], ctx: StepContext) -> tuple[dict[str, Any], dict[str, str]]:
    """Parse every visible field, then run its validators against the parsed answers.

    Returns (values, errors); errors map field id to one sentence."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in step.fields:
        value, error = parse(field, raw.get(field.id, default_of(field, ctx)), ctx)
        if error:
            errors[field.id] = error
        else:
            values[field.id] = value
    full_ctx = StepContext(ctx.step_id, values, ctx.outputs, ctx.mode, ctx.session_dir, ctx.azure, ctx.secrets)
    for field in step.fields:
        if field.id in errors or not visible(field, values):
            continue
        if values.get(field.id) is None:
            continue
        for validator in field.validators:
            try:
                message = validator(values[field.id], full_ctx)
            except Exception as exc:  # noqa: BLE001 - a validator bug must not crash the form
                message = f"Could not validate {field.label}: {exc}"
            if message:
                errors[field.id] = message
                break
    hidden = [f.id for f in step.fields if not visible(f, values)]
    for field_id in hidden:
        values.pop(field_id, None)
        errors.pop(field_id, None)
    return values, errors
