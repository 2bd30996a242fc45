"""Every check a step reports, wherever it runs: its preflight checks, its verification, and
the checks its action judges while it runs (an in-cluster probe of a ``ClusterCommands``
action is a check with evidence too). The screens list them all, and the controls mapping
of the audit package needs every check id, so both read this one catalogue."""

from __future__ import annotations

from wizard.engine.contract import ActionSequence, Check, ClusterCommands, Finding, StepContext, StepDefinition


def _judged_elsewhere(ctx: StepContext) -> Finding:
    """A judged command is run and judged by its action, never on its own."""
    return Finding.fail("This check is judged while the step's action runs.", "Deploy the step (d).")


def judged_checks(step: StepDefinition) -> tuple[Check, ...]:
    """The checks the step's action judges, in the order it runs them."""
    action = step.action
    parts = [p.action for p in action.parts] if isinstance(action, ActionSequence) else [action]
    return tuple(Check(f"{step.id}.{command.key}", command.title, _judged_elsewhere, needs_azure=True)
                 for part in parts if isinstance(part, ClusterCommands)
                 for command in part.commands if command.judge is not None)


def after_deployment(step: StepDefinition) -> tuple[Check, ...]:
    """What is checked once the deployment has started: judged in it, then read back."""
    return judged_checks(step) + step.verify
