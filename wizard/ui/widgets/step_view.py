"""One built step: lesson, decisions, checks, preview and run, as tabs.

The view owns the step's workers (see ``StepWorkers``) and turns their results and the
engine's events into what the panels show. The main screen's key bindings call the public
``do_*`` methods and ask ``can`` whether a key applies right now, so the footer only lists
the next sensible keys.

The header (title, state, what to do next) is composed from the stored state, so switching
to a step shows where it stands in the very first frame; the tabs and their panels, which
take a while to build, are mounted right after and fill in."""

from __future__ import annotations

from typing import Any, Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Static, TabbedContent, TabPane, Tabs

from wizard.engine.check_catalog import after_deployment
from wizard.engine.contract import StepDefinition
from wizard.session.state import StepStatus
from wizard.ui.gate import EngineGate
from wizard.ui.messages import (ActionTick, CheckBegan, CheckDone, DeployTick, EngineNotice, PreviewShown, StepEnded,
                                StepProgress, StepStatusChanged)
from wizard.ui.status import phrase, shown_status
from wizard.ui.widgets import step_hints
from wizard.ui.widgets.checks_panel import CheckRow, ChecksPanel
from wizard.ui.widgets.decisions import DecisionsForm
from wizard.ui.widgets.dom_ids import dom_id
from wizard.ui.widgets.error_panel import ErrorPanel, failure_from_record
from wizard.ui.widgets.lesson import LessonView
from wizard.ui.widgets.plain import Plain
from wizard.ui.widgets.preview_panel import PreviewPanel
from wizard.ui.widgets.run_panel import RunPanel, deployment_share, progress_of
from wizard.ui.widgets.step_keys import ViewFacts, allowed
from wizard.ui.widgets.step_results import StepResults
from wizard.ui.widgets.step_workers import StepWorkers

TABS = ("lesson", "decisions", "checks", "preview", "run")


class StepBody(Vertical):
    """The tabs of a step view, mounted after its header has been drawn."""

    def __init__(self, step: StepDefinition, initial: str) -> None:
        super().__init__(classes="step-body")
        self.step = step
        self.initial = initial

    def compose(self) -> ComposeResult:
        with TabbedContent(initial=self.initial):
            with TabPane("1 Lesson", id="lesson"):
                yield LessonView(self.step.lesson, self.step.title, self.step.summary)
            with TabPane("2 Decisions", id="decisions"):
                yield Plain("Loading decisions…", classes="panel-note form-loading")
            with TabPane("3 Checks", id="checks"):
                yield ChecksPanel(self.step.checks, after_deployment(self.step))
            with TabPane("4 Preview", id="preview"):
                yield PreviewPanel()
            with TabPane("5 Run", id="run"):
                yield RunPanel(self.step)


class StepView(StepWorkers, StepResults, Vertical):
    """The right-hand pane for one built step."""

    # From the tab strip, PageUp/PageDown scroll the open tab (a field or row with the focus
    # scrolls its own container first).
    BINDINGS = [Binding("pagedown", "page(1)", "Page down", show=False),
                Binding("pageup", "page(-1)", "Page up", show=False)]

    def __init__(self, workspace: Any, step: StepDefinition, number: int, gate: EngineGate) -> None:
        super().__init__(id=dom_id("step", step.id), classes="step-view")
        self.workspace = workspace
        self.step = step
        self.number = number
        self.gate = gate
        self.busy = ""
        self.preview_ready = False
        self.form: DecisionsForm | None = None
        state = workspace.session.step(step.id)
        self.decided = bool(state.answers) or bool(state.checks) or not step.fields
        self._ready = False  # the tabs are mounted: the panels exist
        self._shown_running = False
        self._on_ready: list[Callable[[], None]] = []
        self._submitted: dict[str, Any] = {}  # the form's inputs as last sent to be saved

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        title, banner = self._header()
        yield Plain(title, classes="step-title")
        banner_widget = Plain(banner, classes="step-banner")
        banner_widget.display = bool(banner)
        yield banner_widget
        yield Plain(self._idle_hint(), classes="step-status")

    def _initial_tab(self) -> str:
        state = self.workspace.session.step(self.step.id)
        status = self.workspace.status_of(self.step.id)
        if status in (StepStatus.RUNNING, StepStatus.DONE, StepStatus.FAILED):
            return "run"
        if status in (StepStatus.CHECKS_FAILED, StepStatus.CHECKED, StepStatus.PREVIEWED):
            return "checks"
        return "decisions" if state.answers else "lesson"

    def on_mount(self) -> None:
        self.call_after_refresh(self._mount_body)

    async def _mount_body(self) -> None:
        """Build the tabs once the header is on screen, then run what waited for them."""
        await self.mount(StepBody(self.step, self._initial_tab()), before=self.query_one(".step-status"))
        if not self.query(ChecksPanel):  # the app closed while the tabs were being built
            return
        self._ready = True
        if self.step.action is None:
            self.query_one(TabbedContent).hide_tab("preview")
        self.refresh_from_state()
        self.load_form()
        pending, self._on_ready = self._on_ready, []
        for action in pending:
            action()

    def when_ready(self, action: Callable[[], None]) -> None:
        """Run ``action`` now, or once the tabs are mounted (a view mounted a moment ago has
        no panels yet; the re-attach offer can be answered that fast)."""
        if self._ready:
            action()
        else:
            self._on_ready.append(action)

    def focus_default(self) -> None:
        """Give the keys to the tab strip: 1-5 and ←/→ switch tabs, Tab goes into the pane."""
        if not self._ready:
            self.when_ready(self.focus_default)
            return
        if self.display:  # the operator may have moved on while the tabs were being built
            self.query_one(TabbedContent).query_one(Tabs).focus()

    # -- state -> screen -----------------------------------------------------------------
    @property
    def status(self) -> str:
        return self.workspace.status_of(self.step.id)

    def shown_status(self) -> str:
        """The status as the operator should read it (a lone open warning is not a failure)."""
        state = self.workspace.session.step(self.step.id)
        return shown_status(self.status, state.checks, state.overrides)

    def _missing(self) -> list[str]:
        return [n for n in self.step.needs if self.workspace.status_of(n) != StepStatus.DONE]

    def _header(self) -> tuple[str, str]:
        status, missing = self.shown_status(), self._missing()
        numbers = {step.id: i for i, step in enumerate(self.workspace.registry, start=1)}
        short = [f"step {numbers.get(n, '?')}" for n in missing]  # the banner below names them in full
        title = f"Step {self.number} · {self.step.title}  —  {phrase(status, short)}\n{self.step.summary}"
        banner = ""
        if status == StepStatus.WAITING:
            named = [f"step {numbers.get(n, '?')} ({self.workspace.step(n).title})" for n in missing]
            banner = f"Waiting on {', '.join(named)}: finish {'it' if len(missing) == 1 else 'them'} first."
        return title, banner

    def _idle_hint(self) -> str:
        runner = self._runner_view()
        return step_hints.idle_hint(self.shown_status(), self.decided, bool(self.step.checks),
                                    self.step.action is not None, runner.needs_reattach(), runner.running_work(),
                                    nothing_next=self.workspace.next_step(after=self.step.id) is None)

    def refresh_from_state(self) -> None:
        """Redraw everything that depends on the stored session state. Before the tabs are
        mounted only the header exists; the panels catch up in ``_mount_body``."""
        if not self.is_attached or not self.children:
            return
        title, banner_text = self._header()
        self.query_one(".step-title", Static).update(title)
        banner = self.query_one(".step-banner", Static)
        banner.update(banner_text)
        banner.display = bool(banner_text)
        if not self._ready:
            return
        state = self.workspace.session.step(self.step.id)
        status = self.status
        if not self.busy:
            checks = self.query_one(ChecksPanel)
            checks.restore(state.checks, state.overrides)
            if state.answers:
                checks.mark_not_applicable(self._runner_view().not_applicable_checks())
            checks.summary_line(step_hints.checks_line(self.check_counts()))
            if state.preview and not self.preview_ready:
                self.query_one(PreviewPanel).show_stale(state.preview.get("counts", {}))
            elif not state.preview:
                self.query_one(PreviewPanel).show_waiting(
                    "Press p to ask what this step would change (nothing is changed yet)." if self.can("preview") else
                    "The preview comes after the checks: save your decisions (ctrl+s), then resolve every failed "
                    "check (or override a warning) - p works from then on.")
        if self.form is not None:
            self.form.show_final(status if status in (StepStatus.DONE, StepStatus.RUNNING) else None)
        run = self.query_one(RunPanel)
        if status == StepStatus.DONE:
            run.show_outputs(state.outputs)
        elif status == StepStatus.RUNNING and not self.busy and self._runner_view().needs_reattach():
            run.show_running(f"The {self._runner_view().running_work()} started before the wizard stopped is still "
                             "running in Azure. Press t to follow it; nothing is submitted again.")
        if status == StepStatus.FAILED and state.error and not self.busy:
            self.query_one(ErrorPanel).show(failure_from_record(state.error), self.workspace.session.id)
        self.screen.refresh_bindings()

    def check_counts(self) -> step_hints.CheckCounts:
        return step_hints.count_checks((row.status, bool(row.overridden)) for row in self._rows())

    def _runner_view(self) -> Any:
        """A runner for reading this step's state on the UI thread (no engine calls)."""
        return self.workspace.runner(self.step.id)

    def say(self, text: str) -> None:
        """The one-line status under the tabs: what just happened or what to do next."""
        self.query_one(".step-status", Static).update(text)

    def action_page(self, direction: int) -> None:
        tabbed = self.query_one(TabbedContent)
        if not tabbed.active:
            return
        pane = tabbed.get_pane(tabbed.active)
        scrollers = [w for w in pane.query("*") if w.max_scroll_y > 0]  # the outermost that can scroll
        if scrollers:
            scroller = scrollers[0]
            scroller.scroll_page_down() if direction > 0 else scroller.scroll_page_up()

    def show_tab(self, tab: str) -> None:
        """Switch tabs. Focus inside the pane being hidden moves to the tab strip first:
        otherwise Textual hands it to a sibling in that hidden pane, and the tabs switch
        straight back to the pane that holds the focus."""
        if not self._ready:
            self.when_ready(lambda: self.show_tab(tab))
            return
        tabbed = self.query_one(TabbedContent)
        if tabbed.active == tab:
            return
        focused = self.screen.focused
        if focused is not None and tabbed.active:
            leaving = tabbed.get_pane(tabbed.active)
            if leaving in focused.ancestors_with_self:
                self.screen.set_focus(tabbed.query_one(Tabs))
        tabbed.active = tab

    # -- what keys apply now -------------------------------------------------------------
    def _rows(self) -> list[CheckRow]:
        if not self._ready:  # the footer asks which keys apply before the panels exist
            return []
        return self.query_one(ChecksPanel).rows()

    def _target_row(self, wanted: tuple[str, ...], fixable: bool = False) -> CheckRow | None:
        """The focused check row if it qualifies, else the first one that does."""
        def ok(row: CheckRow) -> bool:
            return row.status in wanted and not row.overridden and (row.fixable or not fixable)
        focused = self.screen.focused
        if isinstance(focused, CheckRow) and ok(focused):
            return focused
        return next((row for row in self._rows() if ok(row)), None)

    def facts(self) -> ViewFacts:
        return ViewFacts(status=self.status, busy=bool(self.busy) or not self._ready,
                         has_action=self.step.action is not None,
                         has_checks=bool(self.step.checks), decided=self.decided, form_loaded=self.form is not None,
                         preview_ready=self.preview_ready,
                         fixable_failure=self._target_row(("fail", "error"), fixable=True) is not None,
                         open_warning=self._target_row(("warn",)) is not None,
                         secret_to_show=self.shown_secret() is not None,
                         unsaved_edits=self.form is not None and self.form.unsaved,
                         interrupted=self._runner_view().needs_reattach())

    def can(self, action: str) -> bool:
        return allowed(action, self.facts())

    def _start(self, operation: str, text: str) -> None:
        self.busy = operation
        self._shown_running = False
        self.say(text)
        self.screen.refresh_bindings()

    # -- actions (called by the main screen's bindings) ----------------------------------
    def do_save(self) -> None:
        if self.form is None:
            self.say("The form is still loading.")
            return
        self._start("save", "Saving decisions…")
        self._submitted = self.form.raw()
        self.save_decisions(self._submitted)

    def do_checks(self) -> None:
        self.show_tab("checks")
        self._start("checks", "Running preflight checks…")
        panel = self.query_one(ChecksPanel)
        for row in self._rows():
            row.finish("not run", "", "")
        panel.mark_not_applicable(self._runner_view().not_applicable_checks())
        panel.summary_line("Running the checks…")
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
        work = self._runner_view().running_work()
        self.query_one(RunPanel).show_running(f"Re-attaching to the {work} started earlier (not submitted again)…")
        self._start("deploy", f"Following the {work} started before the wizard stopped…")
        self.reattach()

    def do_complete(self) -> None:
        self.show_tab("run")
        self._start("complete", "Completing the step…")
        self.complete_step()

    def shown_secret(self) -> tuple[str, str] | None:
        """(secret name, what it belongs to) of a secret this step made and stored - the
        break-glass user's temporary password - or None. Read from state: no engine call."""
        for record in self.workspace.session.step(self.step.id).directory.values():
            name = record.get("stored_as")
            if record.get("status") == "done" and name and name in self.workspace.session.secrets.names():
                return str(name), str(record.get("userPrincipalName", ""))
        return None

    def do_reveal(self) -> None:
        shown = self.shown_secret()
        if shown is not None:
            self._start("reveal", "Reading the temporary password from the secret store…")
            self.reveal_secret(*shown)

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
        if self.busy == "deploy" and result.check_id in {c.id for c in self.step.verify}:
            # a note, not progress: the bar stays where the run left it (it used to fall back to "working")
            self.query_one(RunPanel).show_verified(result.title, result.status.value)

    def on_preview_shown(self, message: PreviewShown) -> None:
        message.stop()
        self.query_one(PreviewPanel).show(message.preview)
        self.preview_ready = True

    def on_deploy_tick(self, message: DeployTick) -> None:
        message.stop()
        state = self.workspace.session.step(self.step.id)
        labels = (state.preview or {}).get("labels") or {}
        self.query_one(RunPanel).show_snapshot(message.snapshot, state.deployment.started_at if state.deployment else "",
                                               labels)
        done, total = progress_of(message.snapshot)
        share = deployment_share(self.step)
        self.post_message(StepProgress(self.step.id, round(100 * share * done / total) if total else None))
        if self.status == StepStatus.RUNNING and not self._shown_running:
            self._shown_running = True  # the engine stored "running": header and navigator say so now
            self.refresh_from_state()
            self.post_message(StepStatusChanged(self.step.id))

    def on_action_tick(self, message: ActionTick) -> None:
        message.stop()
        self.query_one(RunPanel).show_action(message.text, message.fraction, message.detail)
        if message.fraction is not None:
            self.post_message(StepProgress(self.step.id, round(100 * message.fraction)))

    def on_engine_notice(self, message: EngineNotice) -> None:
        message.stop()
        self.say(message.text)
        if self.busy == "deploy":
            self.query_one(RunPanel).show_note(message.text)

    def on_step_ended(self, message: StepEnded) -> None:
        if message.failure is not None:
            self.query_one(ErrorPanel).show(message.failure, self.workspace.session.id)

    # -- form ----------------------------------------------------------------------------
    @on(DecisionsForm.Edited)
    def _on_edited(self, event: DecisionsForm.Edited) -> None:
        event.stop()
        self.validate_form(event.raw)

    @on(DecisionsForm.UnsavedChanged)
    def _on_unsaved(self, event: DecisionsForm.UnsavedChanged) -> None:
        event.stop()
        if event.unsaved and not self.busy:
            self.say(step_hints.UNSAVED)
        elif not event.unsaved and not self.busy:
            self.say(self._idle_hint())
        self.screen.refresh_bindings()

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
