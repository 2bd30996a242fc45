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
from wizard.engine.contract import Preview
from wizard.engine.runner import StepBlocked
from wizard.ui.gate import Detached
from wizard.ui.messages import StepStatusChanged
from wizard.session.state import StepStatus
from wizard.ui.widgets import step_hints
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
    _submitted: dict[str, Any]

    if TYPE_CHECKING:  # pragma: no cover - provided by StepView and Textual
        def say(self, text: str) -> None: ...
        def show_tab(self, tab: str) -> None: ...
        def refresh_from_state(self) -> None: ...
        def do_checks(self) -> None: ...
        def _rows(self) -> list[CheckRow]: ...

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Engine calls redraw from the stored state first, then say what happened: every
        count and status on screen is then the one the session holds."""
        worker = event.worker
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        engine_call = worker.name not in ("validate", "load")
        if engine_call:
            self.busy = ""
            self.refresh_from_state()
        if event.state == WorkerState.SUCCESS:
            self._succeeded(worker.name, worker.result)
        elif event.state == WorkerState.ERROR:
            self._failed(worker.name, worker.error)
        if engine_call:
            self.post_message(StepStatusChanged(self.step.id))

    def _succeeded(self, name: str, result: Any) -> None:
        if name == "load":
            self._mount_form(*result)
        elif name == "validate" and self.form is not None:
            errors, shown = result
            self.form.show_errors(errors, shown, live=True)
        elif name == "save":
            self._saved(result)
        elif name in ("checks", "fix"):
            self._checked(fixed=name == "fix")
        elif name == "override":
            self._checked(fixed=False)
            self.say("Override recorded in the audit log with your justification. " + self._next_words())
        elif name == "preview":
            self._previewed(result)
        elif name in ("deploy", "complete"):
            self.preview_ready = False
            self.say(step_hints.idle_hint(StepStatus.DONE, True, True, True,
                                          nothing_next=self.workspace.next_step(after=self.step.id) is None))
        elif name == "reveal":
            self._revealed(*result)

    def _revealed(self, owner: str, secret: str) -> None:
        from wizard.ui.screens.dialogs import MessageDialog

        self.say("Password shown; the audit log records that it was (its fingerprint, not the password).")
        self.app.push_screen(MessageDialog("Temporary password", (
            f"{owner}\n\n    {secret}\n\nIt must be changed at the first sign-in. Keep it where your team keeps "
            "emergency credentials; close this with Enter."), error=False))

    def _next_words(self) -> str:
        if self.workspace.runner(self.step.id).blocking():
            return ""
        return "Press p to preview." if self.step.action else "Press x to complete the step."

    def _mount_form(self, values: dict[str, Any], defaults: dict[str, Any], choices: dict[str, Any],
                    shown: set[str]) -> None:
        pane = self.query_one("#decisions", TabPane)
        pane.query(".form-loading").remove()
        self.form = DecisionsForm(self.step, values, defaults, choices, shown)
        pane.mount(self.form)
        self.refresh_from_state()

    def _saved(self, errors: dict[str, str]) -> None:
        assert self.form is not None
        self.form.show_errors(errors)
        if errors:
            self.say("Nothing was saved: fix the fields marked ✗.")
            self.show_tab("decisions")
            return
        self.decided = True
        self.preview_ready = False
        self.form.mark_saved(self._submitted)
        self.form.set_status("Decisions recorded in the audit log.")
        if self.step.checks:
            self.call_after_refresh(self.do_checks)
        else:
            self.say("Decisions recorded. " + ("Press p to preview." if self.step.action else "Press x to complete."))

    def _checked(self, fixed: bool) -> None:
        """Counts and the next key, from the rows as the engine left them (not from the
        results of this run alone: a fix re-runs one check, an override runs none)."""
        rows = self._rows()
        counts = step_hints.count_checks((r.status, bool(r.overridden)) for r in rows)
        blocking = bool(self.workspace.runner(self.step.id).blocking())
        fixable = any(r.fixable for r in rows if r.status in ("fail", "error"))
        state = self.workspace.session.state
        built_to_fail = state.scenario if state.mode == "rehearsal" and state.scenario != "default" else ""
        text = step_hints.after_checks(counts, blocking, fixable, self.step.action is not None, built_to_fail)
        self.say(("Fix applied and the check re-run. " if fixed else "") + text)
        panel = self.query_one(ChecksPanel)
        panel.summary_line(step_hints.checks_line(counts))
        attention = panel.first_attention()
        if attention is not None:
            attention.focus()

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
                self.query_one(ErrorPanel).show(failure, self.workspace.session.id)
                self.show_tab("run")
            self.say(f"Azure said {failure.code}: {failure.message}")
            self.app.notify(f"{failure.code}: {failure.message}\n{failure.remedy}", title="Azure call failed",
                            severity="error", timeout=10)
            return
        text = f"{type(error).__name__}: {error}" if error else "unknown error"
        self.say(f"Something went wrong: {text}")
        self.app.notify(f"{text}\nThe session is saved; you can retry or resume later.",
                        title="Unexpected problem", severity="error", timeout=10)
