"""What a step view does when one of its workers ends: show the result, or the error.

A mixin for ``StepView`` so the view itself keeps layout, keys and engine events. Every
outcome ends as text on screen; an exception never reaches the terminal as a traceback
(``Detached`` - the wizard is quitting - is silent, a deployment left running is re-attached
on resume)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import TabPane
from textual.worker import Worker, WorkerState

from wizard.azure.errors import AzureFailure
from wizard.engine.arm import AzureCallFailed
from wizard.engine.contract import CheckResult, Preview
from wizard.engine.runner import StepBlocked
from wizard.ui.gate import Detached
from wizard.ui.messages import StepStatusChanged
from wizard.ui.widgets.checks_panel import ChecksPanel
from wizard.ui.widgets.decisions import DecisionsForm
from wizard.ui.widgets.error_panel import ErrorPanel
from wizard.ui.widgets.preview_panel import PreviewPanel

if TYPE_CHECKING:  # pragma: no cover
    from wizard.engine.contract import StepDefinition
    from wizard.ui.widgets.checks_panel import CheckRow
    from wizard.workspace import Workspace


class StepResults:
    """Needs the ``StepView`` attributes declared below, and is a Textual widget."""

    workspace: "Workspace"
    step: "StepDefinition"
    busy: str
    decided: bool
    preview_ready: bool
    form: DecisionsForm | None

    if TYPE_CHECKING:  # pragma: no cover - provided by StepView and Textual
        def say(self, text: str) -> None: ...
        def show_tab(self, tab: str) -> None: ...
        def refresh_from_state(self) -> None: ...
        def do_checks(self) -> None: ...
        def _rows(self) -> list[CheckRow]: ...

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.SUCCESS:
            self._succeeded(worker.name, worker.result)
        elif event.state == WorkerState.ERROR:
            self._failed(worker.name, worker.error)
        elif event.state == WorkerState.CANCELLED and worker.name != "validate":
            self.busy = ""
        else:
            return
        if worker.name not in ("validate", "load"):
            self.busy = ""
            self.refresh_from_state()
            self.post_message(StepStatusChanged(self.step.id))

    def _succeeded(self, name: str, result: Any) -> None:
        if name == "load":
            self._mount_form(*result)
        elif name == "validate" and self.form is not None:
            errors, shown = result
            self.form.show_errors(errors, shown)
        elif name == "save":
            self._saved(result)
        elif name in ("checks", "fix"):
            self._checked(result if isinstance(result, list) else None)
        elif name == "override":
            self.say("Override recorded in the audit log with your justification.")
        elif name == "preview":
            self._previewed(result)
        elif name in ("deploy", "complete"):
            self.preview_ready = False
            self.say("Step done. Pick the next step in the navigator (↑/↓, Enter).")

    def _mount_form(self, values: dict[str, Any], defaults: dict[str, Any], choices: dict[str, Any]) -> None:
        pane = self.query_one("#decisions", TabPane)
        pane.query(".form-loading").remove()
        self.form = DecisionsForm(self.step, values, defaults, choices)
        pane.mount(self.form)
        self.screen.refresh_bindings()

    def _saved(self, errors: dict[str, str]) -> None:
        assert self.form is not None
        self.form.show_errors(errors)
        if errors:
            self.say("Nothing was saved: fix the fields marked ✗.")
            self.show_tab("decisions")
            return
        self.decided = True
        self.preview_ready = False
        self.form.set_status("Decisions recorded in the audit log.")
        if self.step.checks:
            self.call_after_refresh(self.do_checks)
        else:
            self.say("Decisions recorded. " + ("Press p to preview." if self.step.action else "Press x to complete."))

    def _checked(self, results: list[CheckResult] | None) -> None:
        rows = self._rows()
        counts = {s: sum(1 for r in rows if r.status == s) for s in ("pass", "warn", "fail", "error")}
        warnings = counts["warn"]
        summary = (f"{counts['pass']} passed, {warnings} warning{'s' if warnings != 1 else ''}, "
                   f"{counts['fail'] + counts['error']} failed")
        left_out = sum(1 for r in rows if r.status == "n/a")
        if left_out:
            summary += f", {left_out} not applicable"
        runner_blocking = self.workspace.runner(self.step.id).blocking()
        if not runner_blocking:
            next_key = "p to preview" if self.step.action else "x to complete the step"
            self.say(f"Checks: {summary}. Press {next_key}.")
        else:
            hints = []
            if counts["fail"] or counts["error"]:
                fixable = any(r.fixable for r in rows if r.status in ("fail", "error"))
                hints.append(("press f to fix what the wizard can fix; " if fixable else "")
                             + "follow the remedy under each failed check, then press c to re-run")
            if counts["warn"]:
                hints.append("accept a warning with o and a written justification")
            text = f"Checks: {summary}. " + "; ".join(hints).capitalize() + "."
            state = self.workspace.session.state
            if state.mode == "rehearsal" and state.scenario != "default" and (counts["fail"] or counts["error"]):
                text += (f" The “{state.scenario}” rehearsal is built to fail here; "
                         "start a default rehearsal to go further.")
            self.say(text)
        panel = self.query_one(ChecksPanel)
        panel.summary_line(f"Checks: {summary}.")
        attention = panel.first_attention()
        if attention is not None:
            attention.focus()
        if results is None:
            self.say(f"Fix applied and the check re-run. {summary}.")

    def _previewed(self, preview: Preview) -> None:
        self.preview_ready = True
        self.query_one(PreviewPanel).show(preview)
        self.show_tab("preview")
        self.say("Review the preview, then press a to approve and run (or change decisions and save).")

    def _failed(self, name: str, error: BaseException | None) -> None:
        if isinstance(error, Detached):
            return
        if name == "validate":
            return
        if isinstance(error, StepBlocked):
            self.say(str(error))
            self.app.notify(str(error), title="Not yet", severity="warning")
            return
        if isinstance(error, AzureCallFailed):
            failure: AzureFailure = error.failure
            if name in ("deploy", "complete"):
                self.query_one(ErrorPanel).show(failure)
                self.show_tab("run")
            self.say(f"Azure said {failure.code}: {failure.message}")
            self.app.notify(f"{failure.code}: {failure.message}\n{failure.remedy}", title="Azure call failed",
                            severity="error", timeout=10)
            return
        text = f"{type(error).__name__}: {error}" if error else "unknown error"
        self.say(f"Something went wrong: {text}")
        self.app.notify(f"{text}\nThe session is saved; you can retry or resume later.",
                        title="Unexpected problem", severity="error", timeout=10)
