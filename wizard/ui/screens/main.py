"""The working screen: navigator on the left, the selected step on the right.

Step views are created the first time a step is shown and kept in a ``ContentSwitcher``, so a
deployment keeps running (and its worker keeps its owner) while the operator reads another
step. The step keys live here and are forwarded to the visible step view, which says through
``can`` whether they apply, so the footer shows only what makes sense next."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Header, Tabs

from wizard.session.state import StepStatus
from wizard.ui import stylesheets
from wizard.ui.gate import EngineGate
from wizard.ui.messages import StepEnded, StepStatusChanged
from wizard.ui.screens.dialogs import ConfirmDialog
from wizard.ui.screens.justification import JustificationDialog
from wizard.ui.widgets.dom_ids import dom_id
from wizard.ui.widgets.navigator import Navigator
from wizard.ui.widgets.not_built import NotBuiltView
from wizard.ui.widgets.step_view import TABS, StepView

NARROW_WIDTH = 100


class MainScreen(Screen[None]):
    """Navigator + step views for one open workspace."""

    CSS_PATH = stylesheets.MAIN

    BINDINGS = [
        Binding("ctrl+s", "step('save')", "Save"),
        Binding("c", "step('checks')", "Checks"),
        Binding("f", "step('fix')", "Fix"),
        Binding("o", "override", "Override"),
        Binding("p", "step('preview')", "Preview"),
        Binding("a", "step('approve')", "Approve & run"),
        Binding("x", "step('complete')", "Complete step"),
        Binding("r", "step('retry')", "Retry"),
        Binding("n", "next_step", "Next step"),
        Binding("u", "app.audit_log", "Audit log"),
        Binding("j", "app.journal", "REST journal"),
        Binding("escape", "focus_navigator", "Steps", show=False),
        Binding("q", "app.quit_wizard", "Quit"),
        *[Binding(str(i), f"tab('{tab}')", tab.capitalize(), show=False) for i, tab in enumerate(TABS, start=1)],
    ]

    def __init__(self, workspace: Any, gate: EngineGate) -> None:
        super().__init__()
        self.workspace = workspace
        self.gate = gate
        self.numbers = {step.id: i for i, step in enumerate(workspace.registry, start=1)}
        self.current = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield Navigator(self.workspace.registry)
            yield ContentSwitcher(id="steps")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_navigator()
        first = self.workspace.next_step() or self.workspace.registry[0].id
        self.navigator.select_step(first)
        self.show_step(first, activate=True)
        self.call_after_refresh(self._offer_reattach)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")

    # -- navigation ----------------------------------------------------------------------
    @property
    def navigator(self) -> Navigator:
        return self.query_one(Navigator)

    @property
    def view(self) -> StepView | NotBuiltView | None:
        if not self.current:
            return None
        found = self.query("#" + dom_id("step", self.current))
        view = found.first() if found else None
        return view if isinstance(view, (StepView, NotBuiltView)) else None

    def show_step(self, step_id: str, activate: bool = False) -> None:
        switcher = self.query_one("#steps", ContentSwitcher)
        if not switcher.query("#" + dom_id("step", step_id)):
            step = self.workspace.step(step_id)
            number = self.numbers[step_id]
            view = StepView(self.workspace, step, number, self.gate) if step.built else NotBuiltView(step, number)
            switcher.mount(view)
        else:
            view = switcher.query_one("#" + dom_id("step", step_id))
            view.refresh_from_state()  # type: ignore[attr-defined]
        switcher.current = dom_id("step", step_id)
        self.current = step_id
        if activate:
            self.call_after_refresh(self._focus_view)
        self.refresh_bindings()

    def _focus_view(self) -> None:
        view = self.view
        if isinstance(view, StepView):
            tabs = view.query(Tabs)
            if tabs:
                tabs.first().focus()
        elif view is not None:
            view.query_one("LessonView").focus()

    def on_navigator_step_chosen(self, event: Navigator.StepChosen) -> None:
        event.stop()
        if event.step_id != self.current or event.activate:
            self.show_step(event.step_id, activate=event.activate)

    def refresh_navigator(self) -> None:
        nav = self.navigator
        for step in self.workspace.registry:
            missing = [n for n in step.needs if self.workspace.status_of(n) != StepStatus.DONE]
            nav.show_status(step.id, self.workspace.status_of(step.id), missing)

    def on_step_status_changed(self, event: StepStatusChanged) -> None:
        event.stop()
        self._something_changed()

    def on_step_ended(self, event: StepEnded) -> None:
        event.stop()
        self._something_changed()

    def _something_changed(self) -> None:
        """One step's progress can unblock others: redraw every status."""
        self.refresh_navigator()
        for view in self.query(StepView):
            if view.id != dom_id("step", self.current):
                view.refresh_from_state()
        self.refresh_bindings()

    def _offer_reattach(self) -> None:
        interrupted = self.workspace.interrupted_steps()
        if not interrupted:
            return
        step_id = interrupted[0]
        title = self.workspace.step(step_id).title

        def answer(yes: bool | None) -> None:
            if yes:
                self.navigator.select_step(step_id)
                self.show_step(step_id, activate=True)
                view = self.view
                if isinstance(view, StepView):
                    view.when_ready(view.do_reattach)

        self.app.push_screen(ConfirmDialog(
            "Deployment in progress",
            f"“{title}” was deploying when the wizard stopped. The deployment kept going in Azure.\n"
            "Re-attach and follow it? Nothing is submitted again.", yes="Re-attach", no="Later"), answer)

    # -- actions -------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "step":
            view = self.view
            return view is not None and view.can(str(parameters[0]))
        if action == "override":
            view = self.view
            return view is not None and view.can("override")
        if action == "next_step":
            following = self.workspace.next_step()
            return following is not None and following != self.current and not self.workspace.status_of(
                following) == StepStatus.WAITING
        if action == "tab":
            return isinstance(self.view, StepView)
        return True

    def action_step(self, name: str) -> None:
        view = self.view
        if isinstance(view, StepView) and view.can(name):
            getattr(view, f"do_{name}")()

    def action_override(self) -> None:
        view = self.view
        if not isinstance(view, StepView):
            return
        row = view.target_warning()
        if row is None:
            return

        def done(text: str | None) -> None:
            if text and isinstance(self.view, StepView):
                view.do_override(row.check.id, text)

        self.app.push_screen(JustificationDialog(row.check.title, row.summary), done)

    def action_tab(self, tab: str) -> None:
        view = self.view
        if isinstance(view, StepView):
            view.show_tab(tab)

    def action_next_step(self) -> None:
        """Jump to the first built step that is not done yet."""
        following = self.workspace.next_step()
        if following:
            self.navigator.select_step(following)
            self.show_step(following, activate=True)

    def action_focus_navigator(self) -> None:
        self.navigator.focus()

    def deploy_running(self) -> bool:
        return any(view.busy == "deploy" for view in self.query(StepView))
