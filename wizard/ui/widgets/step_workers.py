"""The engine calls a step view makes, each in a thread worker.

Every method here runs off the UI thread (``@work(thread=True)``), holds the engine gate for
the duration of the call and returns a plain result; ``StepView.on_worker_state_changed``
turns the result - or the exception - into something on screen. Workers are named after the
operation so the result handler knows what finished. ``exit_on_error=False`` everywhere: an
engine exception is shown to the operator, never a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from wizard.engine.contract import CheckResult, Choice, Preview
from wizard.engine.fields import choices_of, default_of, validate, visible
from wizard.engine.runner import StepRunner
from wizard.ui.bridge import EngineGate, make_sink

if TYPE_CHECKING:  # pragma: no cover
    from wizard.engine.contract import StepDefinition
    from wizard.workspace import Workspace

FormData = tuple[dict[str, Any], dict[str, Any], dict[str, tuple[Choice, ...]], set[str]]


class StepWorkers:
    """Mixin for ``StepView``: needs ``workspace``, ``step`` and ``gate`` attributes and is a
    Textual widget (for ``app`` and ``post_message``)."""

    workspace: "Workspace"
    step: "StepDefinition"
    gate: EngineGate

    def _runner(self) -> StepRunner:
        """A runner for an engine call; waits (on the worker thread) while the session's Azure
        connection is still being made, so the screen can be drawn before it exists."""
        self.workspace.wait_connected()
        return self.workspace.runner(self.step.id, make_sink(self.app, self, self.gate))  # type: ignore[attr-defined]

    @work(thread=True, exit_on_error=False, name="load", group="step-load", description="Loading decisions")
    def load_form(self) -> FormData:
        """Defaults and choices may come from Azure (e.g. the subscription list); which
        fields the current values make relevant comes with them."""
        with self.gate.call():
            runner = self._runner()
            ctx = runner.context()
            values = runner.defaults()
            defaults = {f.id: default_of(f, ctx) for f in self.step.fields if not f.secret}
            choices = {f.id: choices_of(f, ctx) for f in self.step.fields if f.choices}
            shown = {f.id for f in self.step.fields if visible(f, values)}
            return values, defaults, choices, shown

    @work(thread=True, exit_on_error=False, exclusive=True, name="validate", group="step-validate",
          description="Validating decisions")
    def validate_form(self, raw: dict[str, Any]) -> tuple[dict[str, str], set[str]]:
        """Field errors and the fields that are visible given the current answers."""
        with self.gate.call():
            runner = self._runner()
            values, errors = validate(self.step, raw, runner.context({}))
            shown = {f.id for f in self.step.fields if visible(f, values)}
            return errors, shown

    @work(thread=True, exit_on_error=False, name="save", group="step-engine", description="Saving decisions")
    def save_decisions(self, raw: dict[str, Any]) -> dict[str, str]:
        with self.gate.call():
            return self._runner().submit_decisions(raw)

    @work(thread=True, exit_on_error=False, name="checks", group="step-engine", description="Running checks")
    def run_checks(self) -> list[CheckResult]:
        with self.gate.call():
            return self._runner().run_checks()

    @work(thread=True, exit_on_error=False, name="fix", group="step-engine", description="Applying a fix")
    def apply_fix(self, check_id: str) -> CheckResult:
        with self.gate.call():
            return self._runner().apply_fix(check_id)

    @work(thread=True, exit_on_error=False, name="override", group="step-engine",
          description="Recording an override")
    def override_check(self, check_id: str, justification: str) -> str:
        with self.gate.call():
            self._runner().override(check_id, justification)
            return check_id

    @work(thread=True, exit_on_error=False, name="preview", group="step-engine", description="Previewing")
    def run_preview(self) -> Preview:
        with self.gate.call():
            return self._runner().preview()

    @work(thread=True, exit_on_error=False, name="deploy", group="step-engine", description="Deploying")
    def approve_and_deploy(self) -> dict[str, Any]:
        """Approval and the run are one keypress: approving *is* saying "go"."""
        with self.gate.call():
            runner = self._runner()
            runner.approve()
            outputs = runner.deploy()
            self.workspace.refresh_completion()
            return outputs

    @work(thread=True, exit_on_error=False, name="deploy", group="step-engine",
          description="Re-attaching to a deployment")
    def reattach(self) -> dict[str, Any]:
        """Follow a deployment submitted before the wizard stopped; never submits again."""
        with self.gate.call():
            outputs = self._runner().deploy()
            self.workspace.refresh_completion()
            return outputs

    @work(thread=True, exit_on_error=False, name="reveal", group="step-engine", description="Showing a secret")
    def reveal_secret(self, name: str, owner: str) -> tuple[str, str]:
        """The stored secret, audited as shown (``secret.shown``: name and fingerprint)."""
        from wizard.session.reveal import reveal

        with self.gate.call():
            return owner, reveal(self.workspace.session, name, via="tui")

    @work(thread=True, exit_on_error=False, name="complete", group="step-engine", description="Completing step")
    def complete_step(self) -> dict[str, Any]:
        with self.gate.call():
            outputs = self._runner().complete_without_action()
            self.workspace.refresh_completion()
            return outputs
