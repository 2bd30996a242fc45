"""The rules behind the step keys: for every action, a state where it applies and states
where it must not (the footer would otherwise offer a key that fails or does harm)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from wizard.session.state import StepStatus as S
from wizard.ui.widgets.step_keys import RULES, ViewFacts, allowed

ARM = ViewFacts(status=S.READY, decided=True)  # a deploying step with checks, decisions saved
LOCAL = replace(ARM, has_action=False)  # a step completed with x


@pytest.mark.parametrize(("action", "yes", "no"), [
    ("save", ARM, replace(ARM, form_loaded=False)),
    ("save", ARM, replace(ARM, status=S.RUNNING)),
    ("save", replace(ARM, status=S.FAILED), replace(ARM, status=S.DONE)),
    ("checks", ARM, replace(ARM, decided=False)),
    ("checks", ARM, replace(ARM, status=S.DONE)),
    ("checks", ARM, replace(ARM, has_checks=False)),
    ("fix", replace(ARM, status=S.CHECKS_FAILED, fixable_failure=True), replace(ARM, status=S.CHECKS_FAILED)),
    ("fix", replace(ARM, fixable_failure=True), replace(ARM, status=S.DONE, fixable_failure=True)),
    ("override", replace(ARM, status=S.CHECKS_FAILED, open_warning=True), replace(ARM, status=S.CHECKS_FAILED)),
    ("preview", replace(ARM, status=S.CHECKED), ARM),  # checks not passed yet
    ("preview", replace(ARM, status=S.PREVIEWED), replace(LOCAL, status=S.CHECKED)),
    ("preview", replace(ARM, has_checks=False), replace(ARM, has_checks=False, decided=False)),
    ("approve", replace(ARM, status=S.PREVIEWED, preview_ready=True), replace(ARM, status=S.PREVIEWED)),
    ("approve", replace(ARM, status=S.PREVIEWED, preview_ready=True), replace(ARM, status=S.CHECKED,
                                                                            preview_ready=True)),
    ("complete", replace(LOCAL, status=S.CHECKED), replace(ARM, status=S.CHECKED)),
    ("complete", replace(LOCAL, has_checks=False), replace(LOCAL, has_checks=False, decided=False)),
    ("complete", replace(LOCAL, status=S.CHECKED), replace(LOCAL, status=S.CHECKS_FAILED)),
    ("retry", replace(ARM, status=S.FAILED), replace(ARM, status=S.DONE)),
    # unsaved edits: checks, preview, approval and completion would use the saved decisions, not those on screen
    ("checks", ARM, replace(ARM, unsaved_edits=True)),
    ("preview", replace(ARM, status=S.CHECKED), replace(ARM, status=S.CHECKED, unsaved_edits=True)),
    ("approve", replace(ARM, status=S.PREVIEWED, preview_ready=True),
     replace(ARM, status=S.PREVIEWED, preview_ready=True, unsaved_edits=True)),
    ("complete", replace(LOCAL, status=S.CHECKED), replace(LOCAL, status=S.CHECKED, unsaved_edits=True)),
    ("save", replace(ARM, unsaved_edits=True), replace(ARM, unsaved_edits=True, status=S.DONE)),
])
def test_rule(action: str, yes: ViewFacts, no: ViewFacts) -> None:
    assert allowed(action, yes)
    assert not allowed(action, no)


@pytest.mark.parametrize("action", sorted(RULES))
def test_nothing_applies_while_busy_waiting_or_not_built(action: str) -> None:
    everything = ViewFacts(status=S.PREVIEWED, decided=True, preview_ready=True, fixable_failure=True,
                           open_warning=True)
    for blocked in (replace(everything, busy=True), replace(everything, status=S.WAITING),
                    replace(everything, status=S.NOT_BUILT)):
        assert not allowed(action, blocked)


def test_unknown_actions_never_apply() -> None:
    assert not allowed("deploy-everything", replace(ARM, status=S.PREVIEWED, preview_ready=True))
