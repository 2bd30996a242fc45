"""``WizardApp``: the Textual face of the wizard.

Dependencies are injected (the session store, mode, scenario, pace, an optional session to
resume) so tests drive the real engine against the rehearsal backend with a temporary home.
Opening a workspace - starting the rehearsal backend or signing in to Azure - happens in a
thread worker; so does every engine call. The UI thread never blocks on Azure."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from wizard.session.store import SessionStore
from wizard.ui import stylesheets
from wizard.ui.gate import EngineGate
from wizard.ui.commands import WizardCommands
from wizard.ui.screens.device_code import DeviceCodeDialog
from wizard.ui.screens.dialogs import ConfirmDialog, MessageDialog
from wizard.ui.screens.opening import OpeningDialog
from wizard.ui.screens.welcome import WelcomeScreen

QUIT_WAIT_S = 5.0
MODES = ("rehearsal", "live")


class WizardApp(App[int]):
    """The wizard. ``run()`` returns an exit code for the CLI."""

    TITLE = "AKS baseline wizard"
    # CSS: the first screen's comes with the app (see __init__); other screens load theirs on first use
    COMMANDS = App.COMMANDS | {WizardCommands}
    BINDINGS = [Binding("ctrl+q", "quit_wizard", "Quit", show=False, priority=True)]

    def __init__(self, store: SessionStore, mode: str = "rehearsal", scenario: str = "default",
                 pace: float = 60.0, resume: str | None = None, start: str | None = None) -> None:
        """``start`` is the mode a command-line flag asked for ("rehearsal" or "live"): the
        session starts straight away, or - when unfinished sessions of that mode exist - the
        first screen offers those and a new one. None keeps the welcome menu."""
        self.store = store
        self.mode = mode
        self.scenario = scenario
        self.pace = pace
        self.resume_target = resume
        self.start = start if start in MODES else None
        self._offered: list[Any] = []
        if self.start and not resume:
            from wizard.ui.screens.welcome import unfinished

            self._offered = unfinished(store.list(), self.start)
        # A new rehearsal opens straight on the steps (see ``get_default_screen``). Textual
        # loads the CSS of pushed screens only, so the first screen's comes from the app.
        self._steps_first = self.start == "rehearsal" and not resume and not self._offered
        super().__init__(css_path=stylesheets.MAIN if self._steps_first else stylesheets.WELCOME)
        self.workspace: Any = None
        self.session_seen: tuple[str, str] | None = None  # (id, status) of the session last open, for the exit line
        self.gate = EngineGate()
        self._device_dialog: DeviceCodeDialog | None = None

    # -- start ---------------------------------------------------------------------------
    def get_default_screen(self) -> Screen[Any]:
        """The first screen, composed before the first frame. A new rehearsal opens straight
        on the steps: its session is created here (a folder and a state file) and the Azure
        stand-in starts in a worker once the steps are on screen, so a learner reads step 1
        while it starts. Otherwise the welcome screen is the base screen (not pushed over an
        empty default one): beneath a session opened from a flag it is the plain menu, where a
        failed opening lands; with unfinished sessions of the flag's mode it offers those."""
        if self._steps_first:
            return self._new_rehearsal_screen()
        if self._offered:
            return WelcomeScreen(self.start, self._offered)
        return WelcomeScreen()

    def _new_rehearsal_screen(self) -> Screen[Any]:
        from wizard.ui.screens.main import MainScreen
        from wizard.workspace import Workspace

        self.workspace = Workspace.new_rehearsal(self.store, self.scenario)
        self.sub_title = f"rehearsal session {self.workspace.session.id}"
        return MainScreen(self.workspace, self.gate)

    def on_mount(self) -> None:
        if self.resume_target:
            self._open("resume", self.resume_target)
        elif self.workspace is not None:
            self.call_after_refresh(self.connect_rehearsal)  # after the first frame: it competes for the GIL
        elif self.start and not self._offered:
            self._open(self.start, None)

    @work(thread=True, exit_on_error=False, name="connect", group="open", description="Starting the Azure stand-in")
    def connect_rehearsal(self) -> None:
        with self.gate.call():
            self.workspace.connect_rehearsal(pace=self.pace)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        opened = self.workspace is not None
        if action in ("new_session", "resume_picker", "resume_session"):
            return not opened
        if action == "audit_log":
            return opened
        if action == "journal":
            return opened and self.workspace.session.mode == "rehearsal"
        return True

    def action_new_session(self, mode: str) -> None:
        if self.workspace is None:
            self._open(mode, None)

    def action_resume_session(self, session_id: str) -> None:
        if self.workspace is None:
            self._open("resume", session_id)

    def action_resume_picker(self) -> None:
        if self.workspace is not None:
            return

        def chosen(session_id: str | None) -> None:
            if session_id:
                self._open("resume", session_id)

        from wizard.ui.screens.sessions import SessionPicker  # screens load on first use: faster start

        self.push_screen(SessionPicker(self.store.list()), chosen)

    def _open(self, how: str, target: str | None) -> None:
        text = {"rehearsal": f"Starting the local Azure stand-in (scenario “{self.scenario}”)…",
                "live": "Signing in to Azure… a browser sign-in code may appear.",
                "resume": f"Re-opening session {target}…"}[how]
        self.push_screen(OpeningDialog(text))
        self.open_workspace(how, target)

    @work(thread=True, exit_on_error=False, name="open", group="open", description="Opening the session")
    def open_workspace(self, how: str, target: str | None) -> Any:
        from wizard.workspace import Workspace  # imports the steps and Azure SDK: keep startup fast

        with self.gate.call():
            if how == "rehearsal":
                return Workspace.start_rehearsal(self.store, self.scenario, pace=self.pace)
            if how == "live":
                return Workspace.start_live(self.store, device_code_prompt=self._device_code_prompt)
            assert target is not None
            return Workspace.resume(self.store, target, pace=self.pace, device_code_prompt=self._device_code_prompt)

    def _device_code_prompt(self, verification_uri: str, user_code: str, expires_on: Any) -> None:
        """Called by azure-identity on the worker thread: show the code on the UI thread."""
        self.call_from_thread(self._show_device_code, verification_uri, user_code, expires_on)

    def _show_device_code(self, verification_uri: str, user_code: str, expires_on: Any) -> None:
        self._device_dialog = DeviceCodeDialog(verification_uri, user_code, expires_on)
        self.push_screen(self._device_dialog)

    def _close_transient_dialogs(self) -> None:
        while isinstance(self.screen, (OpeningDialog, DeviceCodeDialog)):
            self.pop_screen()
        self._device_dialog = None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name == "connect" and event.state == WorkerState.ERROR:
            error = event.worker.error
            self.push_screen(MessageDialog("Could not start the Azure stand-in", f"{error or type(error).__name__}\n\n"
                                           "Nothing was created in Azure. Quit (ctrl+q) and start again."))
            return
        if event.worker.name != "open" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self._close_transient_dialogs()
        if event.state == WorkerState.SUCCESS:
            self.workspace = event.worker.result
            session = self.workspace.session
            self.sub_title = f"{session.mode} session {session.id}"
            from wizard.ui.screens.main import MainScreen

            # pushed, not switched: the welcome screen is the base screen and stays beneath
            self.push_screen(MainScreen(self.workspace, self.gate))
            return
        error = event.worker.error
        name = type(error).__name__
        title = {"SignInRequired": "Sign-in required", "SessionNotFound": "No such session",
                 "SessionCorrupt": "Session unreadable", "SessionLocked": "Session in use"}.get(name, "Could not open")
        self.push_screen(MessageDialog(title, str(error) or name))

    def get_system_commands(self, screen: Any) -> Any:
        """Textual's own palette entries, minus its Quit: ours asks first while a deployment
        runs and closes the session cleanly."""
        for command in super().get_system_commands(screen):
            if command.title != "Quit":
                yield command

    # -- viewers -------------------------------------------------------------------------
    def action_audit_log(self) -> None:
        from wizard.ui.screens.audit_view import AuditScreen

        if self.workspace is not None and not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen(self.workspace))

    def action_topology(self) -> None:
        from wizard.ui.screens.topology_view import TopologyScreen

        if self.workspace is not None and not isinstance(self.screen, TopologyScreen):
            self.push_screen(TopologyScreen(self.workspace.session.state.to_dict()["steps"]))

    def action_journal(self) -> None:
        from wizard.ui.screens.journal_view import JournalScreen

        if self.workspace is not None and self.workspace.session.mode == "rehearsal" \
                and not isinstance(self.screen, JournalScreen):
            self.push_screen(JournalScreen(self.workspace.journal_path))

    # -- quitting ------------------------------------------------------------------------
    def action_quit_wizard(self) -> None:
        from wizard.ui.screens.main import MainScreen

        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        running = main.running_titles() if main is not None else []
        if running:
            def answer(yes: bool | None) -> None:
                if yes:
                    self.run_worker(self._shutdown_workspace(), name="quit", group="quit")

            one = len(running) == 1
            self.push_screen(ConfirmDialog(
                "A step is running in Azure" if one else f"{len(running)} steps are running in Azure",
                f"{', '.join(running)}: quit anyway? "
                + ("It continues" if one else "They continue")
                + " in Azure; resuming this session re-attaches to "
                + ("it." if one else "each of them."), yes="Quit", no="Stay"), answer)
            return
        self.run_worker(self._shutdown_workspace(), name="quit", group="quit")

    async def _shutdown_workspace(self) -> None:
        """Stop engine threads at their next event, wait briefly, close, exit."""
        self.gate.close()
        deadline = time.monotonic() + QUIT_WAIT_S
        while self.gate.active and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await self._close_workspace()
        self.exit(0)

    async def _close_workspace(self) -> None:
        workspace, self.workspace = self.workspace, None
        if workspace is not None:
            self.session_seen = (workspace.session.id, workspace.session.state.status)
            await asyncio.to_thread(workspace.close)

    async def on_unmount(self) -> None:
        """Ctrl+C or a crash still releases the session lock and stops the backend."""
        self.gate.close()
        await self._close_workspace()


def run_tui(store: SessionStore, mode: str = "rehearsal", scenario: str = "default", pace: float = 60.0,
            resume: str | None = None, start: str | None = None) -> int:
    """Entry point for ``wizard.cli``: run the TUI and return its exit code. ``start`` is
    the mode flag given ("rehearsal", "live"), or None for the welcome menu."""
    app = WizardApp(store, mode=mode, scenario=scenario, pace=pace, resume=resume, start=start)
    result = app.run()
    if app.session_seen and app.session_seen[1] != "completed":
        # the terminal is back: say where the work is, so nobody hunts for a session id
        print(f"aks-wizard: session {app.session_seen[0]} is saved; continue with: "
              f"aks-wizard --resume {app.session_seen[0]}")
    return int(result or 0)

