"""An open session together with its Azure access: the one object a face drives.

Both the TUI and the headless runner create a Workspace, ask it for step runners and read
step statuses from it, so they cannot drift apart. No Textual here."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

from steps import REGISTRY
from wizard import __version__
from wizard.azure.context import AzureContext
from wizard.engine.contract import StepDefinition
from wizard.engine.events import EventSink, discard
from wizard.engine.runner import StepRunner
from wizard.session.state import StepStatus
from wizard.session.session import Session
from wizard.session.store import SessionStore

DEFAULT_PACE = 60.0  # Azure seconds per real second: one Azure minute takes one second


class Workspace:
    def __init__(self, session: Session, azure: AzureContext | None, backend: Any = None,
                 registry: tuple[StepDefinition, ...] = REGISTRY) -> None:
        self.session = session
        self.azure = azure
        self.backend = backend
        self.registry = registry
        self._connected = threading.Event()
        self._connect_error: BaseException | None = None
        if azure is not None:
            self._connected.set()

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def start_rehearsal(cls, store: SessionStore, scenario: str = "default", pace: float = DEFAULT_PACE,
                        latency_s: float = 0.0) -> "Workspace":
        session = store.create("rehearsal", scenario)
        try:
            ws = cls._attach_rehearsal(session, pace, latency_s)
            ws._record_start("session.started")
        except BaseException:
            session.close()
            raise
        return ws

    @classmethod
    def new_rehearsal(cls, store: SessionStore, scenario: str = "default") -> "Workspace":
        """A new rehearsal session whose Azure stand-in is not started yet: the TUI draws the
        steps from it at once and calls ``connect_rehearsal`` in a worker. Nothing is audited
        until the connection is made, and every engine call waits for it (``wait_connected``),
        so the audit log still begins with ``session.started``."""
        return cls(store.create("rehearsal", scenario), None)

    def connect_rehearsal(self, pace: float = DEFAULT_PACE, latency_s: float = 0.0) -> None:
        """Start the stand-in for a session from ``new_rehearsal`` and record the start. A
        failure is kept and raised again to every engine call waiting for the connection."""
        try:
            self.azure, self.backend = self._rehearsal_azure(self.session, pace, latency_s)
            self._record_start("session.started")
        except BaseException as exc:
            self._connect_error = exc
            raise
        finally:
            self._connected.set()

    def wait_connected(self) -> None:
        """Block an engine call (on a worker thread) until Azure can be reached."""
        self._connected.wait()
        if self._connect_error is not None:
            raise self._connect_error

    @classmethod
    def start_live(cls, store: SessionStore, device_code_prompt: Callable[..., None] | None = None) -> "Workspace":
        from wizard.azure.signin import live_context

        azure = live_context(device_code_prompt)  # sign in before creating anything on disk
        session = store.create("live")
        ws = cls(session, azure)
        ws._record_start("session.started")
        return ws

    @classmethod
    def resume(cls, store: SessionStore, target: str, pace: float = DEFAULT_PACE,
               device_code_prompt: Callable[..., None] | None = None) -> "Workspace":
        session = store.open(target)
        try:
            if session.mode == "rehearsal":
                ws = cls._attach_rehearsal(session, pace, 0.0)
            else:
                from wizard.azure.signin import live_context

                ws = cls(session, live_context(device_code_prompt, session.state.subscription_id or None))
            ws._record_start("session.resumed")
        except BaseException:
            session.close()
            raise
        return ws

    @classmethod
    def _attach_rehearsal(cls, session: Session, pace: float, latency_s: float) -> "Workspace":
        azure, backend = cls._rehearsal_azure(session, pace, latency_s)
        return cls(session, azure, backend)

    @staticmethod
    def _rehearsal_azure(session: Session, pace: float, latency_s: float) -> tuple[AzureContext, Any]:
        from wizard.azure.signin import rehearsal_context
        from wizard.rehearsal.backend import RehearsalBackend

        backend = RehearsalBackend(session.dir, session.state.scenario, pace=pace)
        backend.latency_s = latency_s
        backend.start()
        try:
            return rehearsal_context(backend, session.state.subscription_id or None), backend
        except BaseException:
            backend.stop()
            raise

    def _record_start(self, kind: str) -> None:
        assert self.azure is not None
        actor = self.azure.actor()
        state = self.session.state
        state.subscription_id = state.subscription_id or self.azure.subscription_id
        state.tenant_id = self.azure.tenant_id
        state.cloud = self.azure.endpoints.cloud
        self.session.record(kind, None, {
            "mode": self.session.mode, "tool_version": __version__, "cloud": self.azure.endpoints.cloud,
            "subscription_id": state.subscription_id, "tenant_id": self.azure.tenant_id,
            "actor": actor.as_record(), "scenario": state.scenario if self.session.mode == "rehearsal" else None,
            "resume_step": state.current_step if kind == "session.resumed" else None})

    def switch_subscription(self, subscription_id: str) -> None:
        """Point every client at the chosen subscription (clients are rebuilt lazily)."""
        if self.azure is None or self.azure.subscription_id == subscription_id:
            return
        self.azure.close()
        self.azure.subscription_id = subscription_id
        self.session.state.subscription_id = subscription_id
        self.session.save()

    # -- steps -----------------------------------------------------------------------------
    def step(self, step_id: str) -> StepDefinition:
        for step in self.registry:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def runner(self, step_id: str, sink: EventSink = discard, poll_interval: float | None = None) -> StepRunner:
        return StepRunner(self.session, self.step(step_id), self.registry, self.azure, sink, poll_interval)

    def status_of(self, step_id: str) -> str:
        step = self.step(step_id)
        if not step.built:
            return StepStatus.NOT_BUILT
        stored = self.session.step(step_id).status
        if stored in (StepStatus.DONE, StepStatus.RUNNING, StepStatus.FAILED):
            return stored
        if any(self.session.step(n).status != StepStatus.DONE for n in step.needs if self.step(n).built):
            return StepStatus.WAITING
        if any(not self.step(n).built for n in step.needs):
            return StepStatus.WAITING
        return stored

    def built_steps(self) -> list[StepDefinition]:
        return [s for s in self.registry if s.built]

    def next_step(self, after: str | None = None) -> str | None:
        """The step to work on next. Without ``after``: the first built step not done (where
        a resumed session opens, a running step included). With it: the next one after
        ``after`` (wrapping round) that the operator can act on now - not done, not running,
        its needs met - so "next" moves on while a build runs; else the first not done."""
        pending = [s.id for s in self.built_steps() if self.status_of(s.id) != StepStatus.DONE]
        if after is None or not pending:
            return pending[0] if pending else None
        ids = [s.id for s in self.built_steps()]
        start = ids.index(after) + 1 if after in ids else 0
        for step_id in ids[start:] + ids[:start]:
            if step_id != after and self.status_of(step_id) not in (StepStatus.DONE, StepStatus.RUNNING,
                                                                    StepStatus.WAITING):
                return step_id
        return pending[0]

    def interrupted_steps(self) -> list[str]:
        """Steps whose deployment was submitting or running when the wizard stopped."""
        return [s.id for s in self.built_steps() if self.runner(s.id).needs_reattach()]

    def refresh_completion(self) -> None:
        if all(self.status_of(s.id) == StepStatus.DONE for s in self.built_steps()):
            self.session.state.status = "completed"
            self.session.save()

    def close(self) -> None:
        try:
            if self.azure is not None:
                self.azure.close()
            if self.backend is not None:
                self.backend.stop()
        finally:
            self.session.close()

    @property
    def journal_path(self) -> Path:
        return self.session.dir / "rehearsal-journal.jsonl"
