"""The working screen: navigator on the left, the selected step on the right.

Step views are created the first time a step is shown and kept in a ``ContentSwitcher``, so a
deployment keeps running (and its worker keeps its owner) while the operator reads another
step. The step keys live here and are forwarded to the visible step view, which says through
``can`` whether they apply, so the footer shows only what makes sense next.

The footer asks ``check_action`` about every binding on every refresh, so the visible view is
looked up in a dict, never by a DOM query (a query per binding made moving between steps
take a second)."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Header

from wizard.session.state import StepStatus
from wizard.ui import stylesheets
from wizard.ui.gate import EngineGate
from wizard.ui.messages import StepEnded, StepProgress, StepStatusChanged
from wizard.ui.screens.dialogs import ConfirmDialog
from wizard.ui.screens.justification import JustificationDialog
from wizard.ui.status import shown_status
from wizard.ui.widgets.dom_ids import dom_id
from wizard.ui.widgets.navigator import Navigator
from wizard.ui.widgets.not_built import NotBuiltView
from wizard.ui.widgets.step_view import TABS, StepView

NARROW_WIDTH = 100


class MainScreen(Screen[None]):
    """Navigator + step views for one open workspace."""

    CSS_PATH = stylesheets.MAIN
    # No focus before the first frame: a focus change restyles every widget on the screen,
    # which would delay that frame; ``show_step`` focuses the step view right after it.
    AUTO_FOCUS = ""

    # Step keys first: when the footer runs out of room at 80 columns, what is cut is the
    # viewers and Quit (also in the palette), never the key that moves the step on.
    BINDINGS = [
        Binding("ctrl+s", "step('save')", "Save"),
        Binding("c", "step('checks')", "Checks"),
        Binding("f", "step('fix')", "Fix"),
        Binding("o", "override", "Override"),
        Binding("p", "step('preview')", "Preview"),
        Binding("a", "step('approve')", "Approve & run"),
        Binding("x", "step('complete')", "Complete"),
        Binding("r", "step('retry')", "Retry"),
        Binding("t", "step('reattach')", "Re-attach"),
        Binding("w", "step('reveal')", "Show password"),
        Binding("n", "next_step", "Next step"),
        Binding("escape", "focus_navigator", "Steps", tooltip="Move to the step list (↑/↓, Enter)"),
        Binding("u", "app.audit_log", "Audit"),
        Binding("j", "app.journal", "Journal"),
        Binding("m", "app.topology", "Map"),
        Binding("q", "app.quit_wizard", "Quit"),
        *[Binding(str(i), f"tab('{tab}')", tab.capitalize(), show=False) for i, tab in enumerate(TABS, start=1)],
    ]

    def __init__(self, workspace: Any, gate: EngineGate) -> None:
        super().__init__()
        self.workspace = workspace
        self.gate = gate
        self.numbers = {step.id: i for i, step in enumerate(workspace.registry, start=1)}
        self.current = ""
        self._views: dict[str, StepView | NotBuiltView] = {}
        self.set_class(self.app.size.width < NARROW_WIDTH, "-narrow")  # before the first frame, not a restyle after
        self._opening = self.opening_step()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield Navigator(self.workspace.registry, self._nav_status, narrow=self.has_class("-narrow"),
                            opening=self._opening)
            yield ContentSwitcher(id="steps")
        yield Footer()

    def on_mount(self) -> None:
        first = self._opening
        self.navigator.select_step(first)
        self.show_step(first)
        # The step list takes the keys first: ↑/↓ and Enter work at once, as the status line
        # says; the step's own keys (1-5, ctrl+s, ...) are the screen's and work from anywhere.
        self.call_after_refresh(self.navigator.focus)
        self.call_after_refresh(self._offer_reattach)

    def opening_step(self) -> str:
        """Where a (resumed) session opens: the step whose deployment was interrupted - the
        re-attach question is about it, so it must be the step behind the dialog - else the
        step the operator was working on when they left (the welcome menu says "at <step>"),
        if it is not done, else the first step not done yet."""
        interrupted = self.workspace.interrupted_steps()
        if interrupted:
            return interrupted[0]
        left_at = self.workspace.session.state.current_step
        built = {s.id for s in self.workspace.built_steps()}
        if left_at in built and self.workspace.status_of(left_at) != StepStatus.DONE:
            return left_at
        return self.workspace.next_step() or self.workspace.registry[0].id

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW_WIDTH
        self.set_class(narrow, "-narrow")  # see main.tcss for what changes
        self.navigator.set_narrow(narrow)

    # -- navigation ----------------------------------------------------------------------
    @property
    def navigator(self) -> Navigator:
        return self.query_one(Navigator)

    @property
    def view(self) -> StepView | NotBuiltView | None:
        return self._views.get(self.current)

    def show_step(self, step_id: str, activate: bool = False) -> None:
        switcher = self.query_one("#steps", ContentSwitcher)
        self._keep_focus_visible(self.view)
        view = self._views.get(step_id)
        if view is None:
            step = self.workspace.step(step_id)
            number = self.numbers[step_id]
            view = StepView(self.workspace, step, number, self.gate) if step.built else NotBuiltView(step, number)
            self._views[step_id] = view
            switcher.mount(view)
        else:
            view.refresh_from_state()
        switcher.current = dom_id("step", step_id)
        self.current = step_id
        if activate:
            self.call_after_refresh(self._focus_view)
        self.refresh_bindings()

    def _keep_focus_visible(self, leaving: Widget | None) -> None:
        """Hiding a view that holds the focus makes Textual hand the focus to a sibling in
        the same, now hidden, view, where keys go unseen: park it on the navigator first."""
        focused = self.focused
        if leaving is not None and focused is not None and leaving in focused.ancestors_with_self:
            self.set_focus(self.navigator)

    def _focus_view(self) -> None:
        view = self.view
        if view is not None:
            view.focus_default()

    def on_navigator_step_chosen(self, event: Navigator.StepChosen) -> None:
        event.stop()
        if event.step_id != self.current or event.activate:
            self.show_step(event.step_id, activate=event.activate)

    def _nav_status(self, step_id: str) -> tuple[str, list[int]]:
        """What the navigator shows for a step: its status, and the numbers of the steps it waits on."""
        step = self.workspace.step(step_id)
        missing = [self.numbers[n] for n in step.needs if self.workspace.status_of(n) != StepStatus.DONE]
        state = self.workspace.session.step(step_id)
        return shown_status(self.workspace.status_of(step_id), state.checks, state.overrides), missing

    def refresh_navigator(self) -> None:
        nav = self.navigator
        for step in self.workspace.registry:
            nav.show_status(step.id, *self._nav_status(step.id))

    def on_step_progress(self, event: StepProgress) -> None:
        event.stop()
        self.navigator.show_progress(event.step, event.percent)

    def on_step_status_changed(self, event: StepStatusChanged) -> None:
        event.stop()
        self._something_changed()

    def on_step_ended(self, event: StepEnded) -> None:
        event.stop()
        self._something_changed()
        if event.step == self.current and event.status == StepStatus.DONE:
            # "↑/↓, Enter" in the status line must work at once: the step list takes the keys
            self.call_after_refresh(self.navigator.focus)

    def _something_changed(self) -> None:
        """One step's progress can unblock others: redraw every status."""
        self.refresh_navigator()
        for step_id, view in self._views.items():
            if step_id != self.current:
                view.refresh_from_state()
        self.refresh_bindings()

    def _offer_reattach(self) -> None:
        """One question for every deployment that was running when the wizard stopped (several
        may have been, side by side); yes follows each of them, none is submitted again."""
        interrupted = self.workspace.interrupted_steps()
        if not interrupted:
            return
        titles = [f"“{self._with_work(s, self.workspace.step(s).title)}”" for s in interrupted]

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            for step_id in interrupted[1:] + interrupted[:1]:  # the first one ends up on screen
                self.navigator.select_step(step_id)
                self.show_step(step_id, activate=step_id == interrupted[0])
                view = self.view
                if isinstance(view, StepView):
                    view.when_ready(view.do_reattach)

        one = len(interrupted) == 1
        self.app.push_screen(ConfirmDialog(
            "Work in progress in Azure" if one else f"{len(interrupted)} steps in progress in Azure",
            f"{', '.join(titles)} {'was' if one else 'were'} running when the wizard stopped. "
            f"{'It kept' if one else 'They kept'} going in Azure.\n"
            f"Re-attach and follow {'it' if one else 'them'}? Nothing is submitted again.",
            yes="Re-attach", no="Later"), answer)

    # -- actions -------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "step":
            view = self.view
            return view is not None and view.can(str(parameters[0]))
        if action == "override":
            view = self.view
            return view is not None and view.can("override")
        if action == "next_step":
            following = self.workspace.next_step(after=self.current)
            return following is not None and following != self.current and not self.workspace.status_of(
                following) == StepStatus.WAITING
        if action == "tab":
            return isinstance(self.view, StepView)
        if action == "focus_navigator":
            return self.focused is not self.navigator  # shown only when it would move the focus
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
        """Show a tab of the current step; from the step list, the step takes the keys too."""
        view = self.view
        if isinstance(view, StepView):
            view.show_tab(tab)
            if isinstance(self.focused, Navigator):
                view.focus_default()

    def action_next_step(self) -> None:
        """Jump to the next step the operator can act on (``Workspace.next_step``)."""
        following = self.workspace.next_step(after=self.current)
        if following:
            self.action_go_to_step(following)

    def action_go_to_step(self, step_id: str) -> None:
        """Show a step and give it the keys (the palette's "Go to step" entries)."""
        if step_id in self.numbers:
            self.navigator.select_step(step_id)
            self.show_step(step_id, activate=True)

    def action_focus_navigator(self) -> None:
        self.navigator.focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.refresh_bindings()  # "esc Steps" appears in the footer only when it moves the focus

    def deploy_running(self) -> bool:
        return bool(self.running_titles())

    def running_titles(self) -> list[str]:
        """The steps whose run is in progress (several may be, side by side); a step whose
        image build runs says so ("Jump box image (image build)"), a deployment is the default."""
        return [self._with_work(view.step.id, view.step.title) for view in self._views.values()
                if isinstance(view, StepView) and view.busy == "deploy"]

    def _with_work(self, step_id: str, title: str) -> str:
        work = self.workspace.runner(step_id).running_work()
        return title if work == "deployment" else f"{title} ({work})"
