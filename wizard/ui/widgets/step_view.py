"""One built step: lesson, decisions, checks, preview and run, as tabs.

The view owns the step's workers (see ``StepWorkers``) and turns their results and the
engine's events into what the panels show. The main screen's key bindings call the public
``do_*`` methods and ask ``can`` whether a key applies right now, so the footer only lists
the next sensible keys."""

from __future__ import annotations

from typing import Any, Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from wizard.azure.errors import AzureFailure
from wizard.engine.arm import AzureCallFailed
from wizard.engine.contract import CheckResult, Preview, StepDefinition
from wizard.engine.runner import StepBlocked
from wizard.session.state import StepStatus
from wizard.ui.gate import Detached, EngineGate
from wizard.ui.widgets.dom_ids import dom_id
from wizard.ui.widgets.plain import Plain
from wizard.ui.messages import (ActionTick, CheckBegan, CheckDone, DeployTick, EngineNotice, PreviewShown, StepEnded,
                                StepStatusChanged)
from wizard.ui.status import phrase
from wizard.ui.widgets.checks_panel import CheckRow, ChecksPanel
from wizard.ui.widgets.decisions import DecisionsForm
from wizard.ui.widgets.error_panel import ErrorPanel, failure_from_record
from wizard.ui.widgets.lesson import LessonView
from wizard.ui.widgets.preview_panel import PreviewPanel
from wizard.ui.widgets.run_panel import RunPanel
from wizard.ui.widgets.step_workers import StepWorkers

TABS = ("lesson", "decisions", "checks", "preview", "run")


class StepView(StepWorkers, Vertical):
    """The right-hand pane for one built step."""

    def __init__(self, workspace: Any, step: StepDefinition, number: int, gate: EngineGate) -> None:
        super().__init__(id=dom_id("step", step.id), classes="step-view")
        self.workspace = workspace
        self.step = step
        self.number = number
        self.gate = gate
        self.busy = ""
        self.preview_ready = False
        self.form: DecisionsForm | None = None
        self.decided = False
        self._on_ready: list[Callable[[], None]] = []

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Plain("", classes="step-title")
        yield Plain("", classes="step-banner")
        with TabbedContent(initial=self._initial_tab()):
            with TabPane("1 Lesson", id="lesson"):
                yield LessonView(self.step.lesson, self.step.title, self.step.summary)
            with TabPane("2 Decisions", id="decisions"):
                yield Plain("Loading decisions…", classes="panel-note form-loading")
            with TabPane("3 Checks", id="checks"):
                yield ChecksPanel(self.step.checks)
            with TabPane("4 Preview", id="preview"):
                yield PreviewPanel()
            with TabPane("5 Run", id="run"):
                yield RunPanel(self.step)
        yield Plain("", classes="step-status")

    def _initial_tab(self) -> str:
        state = self.workspace.session.step(self.step.id)
        status = self.workspace.status_of(self.step.id)
        if status in (StepStatus.RUNNING, StepStatus.DONE, StepStatus.FAILED):
            return "run"
        if status in (StepStatus.CHECKS_FAILED, StepStatus.CHECKED, StepStatus.PREVIEWED):
            return "checks"
        return "decisions" if state.answers else "lesson"

    def on_mount(self) -> None:
        if self.step.action is None:
            self.query_one(TabbedContent).hide_tab("preview")
        state = self.workspace.session.step(self.step.id)
        self.decided = bool(state.answers) or bool(state.checks) or not self.step.fields
        self.refresh_from_state()
        self.load_form()
        pending, self._on_ready = self._on_ready, []
        for action in pending:
            action()

    def when_ready(self, action: Callable[[], None]) -> None:
        """Run ``action`` now, or once the view is composed and mounted (a view mounted a
        moment ago has no panels yet; the re-attach offer can be answered that fast)."""
        if self.is_mounted:
            action()
        else:
            self._on_ready.append(action)

    # -- state -> screen -----------------------------------------------------------------
    @property
    def status(self) -> str:
        return self.workspace.status_of(self.step.id)

    def refresh_from_state(self) -> None:
        """Redraw everything that depends on the stored session state. A view still being
        composed (mounted a moment ago, navigator moving fast) redraws itself in on_mount."""
        if not self.is_mounted:
            return
        state = self.workspace.session.step(self.step.id)
        status = self.status
        missing = [n for n in self.step.needs if self.workspace.status_of(n) != StepStatus.DONE]
        self.query_one(".step-title", Static).update(
            f"Step {self.number} · {self.step.title}  —  {phrase(status, missing)}\n{self.step.summary}")
        banner = self.query_one(".step-banner", Static)
        banner.update(f"Waiting on {', '.join(missing)}: finish {'it' if len(missing) == 1 else 'them'} first."
                      if status == StepStatus.WAITING else "")
        banner.display = status == StepStatus.WAITING
        if not self.busy:
            self.query_one(ChecksPanel).restore(state.checks, state.overrides)
            if state.preview and not self.preview_ready:
                self.query_one(PreviewPanel).show_stale(state.preview.get("counts", {}))
        run = self.query_one(RunPanel)
        if status == StepStatus.DONE:
            run.show_outputs(state.outputs)
        if status == StepStatus.FAILED and state.error and not self.busy:
            self.query_one(ErrorPanel).show(failure_from_record(state.error))
        self.screen.refresh_bindings()

    def say(self, text: str) -> None:
        """The one-line status under the tabs: what just happened or what to do next."""
        self.query_one(".step-status", Static).update(text)

    def show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    # -- what keys apply now -------------------------------------------------------------
    def _rows(self) -> list[CheckRow]:
        return self.query_one(ChecksPanel).rows()

    def _target_row(self, wanted: tuple[str, ...], fixable: bool = False) -> CheckRow | None:
        """The focused check row if it qualifies, else the first one that does."""
        def ok(row: CheckRow) -> bool:
            return row.status in wanted and not row.overridden and (row.fixable or not fixable)
        focused = self.screen.focused
        if isinstance(focused, CheckRow) and ok(focused):
            return focused
        return next((row for row in self._rows() if ok(row)), None)

    def can(self, action: str) -> bool:
        status = self.status
        if self.busy or status in (StepStatus.WAITING, StepStatus.NOT_BUILT):
            return False
        has_action = self.step.action is not None
        if action == "save":
            return self.form is not None and status != StepStatus.RUNNING
        if action == "checks":
            return self.decided and bool(self.step.checks) and status not in (StepStatus.RUNNING, StepStatus.DONE)
        if action == "fix":
            return self._target_row(("fail", "error"), fixable=True) is not None and status != StepStatus.DONE
        if action == "override":
            return self._target_row(("warn",)) is not None and status != StepStatus.DONE
        if action == "preview":
            ready = status in (StepStatus.CHECKED, StepStatus.PREVIEWED) or (
                self.decided and not self.step.checks and status == StepStatus.READY)
            return has_action and ready
        if action == "approve":
            return has_action and self.preview_ready and status == StepStatus.PREVIEWED
        if action == "complete":
            return not has_action and self.decided and (status == StepStatus.CHECKED or (
                not self.step.checks and status == StepStatus.READY))
        if action == "retry":
            return status == StepStatus.FAILED
        return False

    def _start(self, operation: str, text: str) -> None:
        self.busy = operation
        self.say(text)
        self.screen.refresh_bindings()

    # -- actions (called by the main screen's bindings) ----------------------------------
    def do_save(self) -> None:
        if self.form is None:
            self.say("The form is still loading.")
            return
        self._start("save", "Saving decisions…")
        self.save_decisions(self.form.raw())

    def do_checks(self) -> None:
        self.show_tab("checks")
        self._start("checks", "Running preflight checks…")
        for row in self._rows():
            row.finish("not run", "", "")
        self.run_checks()

    def do_fix(self) -> None:
        row = self._target_row(("fail", "error"), fixable=True)
        if row is not None:
            self._start("fix", f"Applying the fix for {row.check.title}…")
            row.start()
            self.apply_fix(row.check.id)

    def target_warning(self) -> CheckRow | None:
        return self._target_row(("warn",))

    def do_override(self, check_id: str, justification: str) -> None:
        self._start("override", "Recording the override…")
        self.override_check(check_id, justification)

    def do_preview(self) -> None:
        self.show_tab("preview")
        self._start("preview", "Asking what this step would change…")
        self.run_preview()

    def do_approve(self) -> None:
        self.show_tab("run")
        self.query_one(RunPanel).reset_log()
        self.query_one(RunPanel).show_running("Approved. Running…")
        self._start("deploy", "Approved — running the step…")
        self.approve_and_deploy()

    def do_reattach(self) -> None:
        self.show_tab("run")
        self.query_one(RunPanel).show_running("Re-attaching to the deployment started earlier (not submitted again)…")
        self._start("deploy", "Following the deployment started before the wizard stopped…")
        self.reattach()

    def do_complete(self) -> None:
        self.show_tab("run")
        self._start("complete", "Completing the step…")
        self.complete_step()

    def do_retry(self) -> None:
        """Retry keeps every decision; it previews again so the approval matches what runs."""
        self.query_one(ErrorPanel).clear()
        if self.step.action is None:
            self.do_checks()
        else:
            self.do_preview()

    # -- engine events -------------------------------------------------------------------
    def on_check_began(self, message: CheckBegan) -> None:
        message.stop()
        row = self.query_one(ChecksPanel).row(message.check_id)
        if row is not None:
            row.start()

    def on_check_done(self, message: CheckDone) -> None:
        message.stop()
        result = message.result
        row = self.query_one(ChecksPanel).row(result.check_id)
        if row is not None:
            row.fixable = result.fixable or row.fixable
            row.finish(result.status.value, result.finding.summary, result.finding.remedy)
        elif self.busy == "deploy":
            self.query_one(RunPanel).show_action(f"Verify: {result.title}: {result.finding.summary}", None)

    def on_preview_shown(self, message: PreviewShown) -> None:
        message.stop()
        self.query_one(PreviewPanel).show(message.preview)
        self.preview_ready = True

    def on_deploy_tick(self, message: DeployTick) -> None:
        message.stop()
        self.query_one(RunPanel).show_snapshot(message.snapshot)

    def on_action_tick(self, message: ActionTick) -> None:
        message.stop()
        self.query_one(RunPanel).show_action(message.text, message.fraction)

    def on_engine_notice(self, message: EngineNotice) -> None:
        message.stop()
        self.say(message.text)
        if self.busy == "deploy":
            self.query_one(RunPanel).show_action(message.text, None)

    def on_step_ended(self, message: StepEnded) -> None:
        if message.failure is not None:
            self.query_one(ErrorPanel).show(message.failure)

    # -- form ----------------------------------------------------------------------------
    @on(DecisionsForm.Edited)
    def _on_edited(self, event: DecisionsForm.Edited) -> None:
        event.stop()
        self.validate_form(event.raw)

    @on(DecisionsForm.SaveRequested)
    def _on_save_requested(self, event: DecisionsForm.SaveRequested) -> None:
        event.stop()
        if self.can("save"):
            self.do_save()

    @on(Button.Pressed, "#retry")
    def _on_retry(self, event: Button.Pressed) -> None:
        event.stop()
        if self.can("retry"):
            self.do_retry()

    @on(Button.Pressed, "#complete-step")
    def _on_complete(self, event: Button.Pressed) -> None:
        event.stop()
        if self.can("complete"):
            self.do_complete()
        else:
            self.say("Save your decisions and pass the checks first.")

    @on(TabbedContent.TabActivated)
    def _on_tab(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        self.screen.refresh_bindings()

    # -- worker results ------------------------------------------------------------------
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
        summary = (f"{counts['pass']} passed, {counts['warn']} warning(s), "
                   f"{counts['fail'] + counts['error']} failed")
        runner_blocking = self.workspace.runner(self.step.id).blocking()
        if not runner_blocking:
            next_key = "p to preview" if self.step.action else "x to complete the step"
            self.say(f"Checks: {summary}. Press {next_key}.")
        else:
            hints = []
            if counts["fail"] or counts["error"]:
                hints.append("fix failures (f where offered, or follow the remedy) and press c to re-run")
            if counts["warn"]:
                hints.append("override a warning with o")
            self.say(f"Checks: {summary}. " + "; ".join(hints).capitalize() + ".")
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
