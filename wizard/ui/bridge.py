"""The seam between engine threads and the Textual message loop.

Engine calls run in thread workers. ``EngineGate`` counts them so that quitting can wait for
them to stop before the workspace (session lock, rehearsal backend) is closed, and tells them
to stop: once the gate is closing, the next engine event raises ``Detached`` inside the worker
thread, which unwinds the runner without recording a failure - a deployment left running in
Azure is re-attached on resume, exactly as if the terminal had been closed.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from textual.message import Message

from wizard.engine.events import (ActionProgress, CheckFinished, CheckStarted, DeployProgress, Event,
                                  EventSink, Notice, PreviewReady, StepFinished)
from wizard.ui.messages import ActionTick, CheckBegan, CheckDone, DeployTick, EngineNotice, PreviewShown, StepEnded

if TYPE_CHECKING:  # pragma: no cover
    from textual.app import App
    from textual.widget import Widget


class Detached(Exception):
    """Raised in a worker thread when the wizard is quitting; not an Azure failure."""


class EngineGate:
    """Tracks engine calls in flight so the app can let them finish (or detach) on quit."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._closing = False

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def active(self) -> int:
        with self._cond:
            return self._active

    @contextmanager
    def call(self) -> Iterator[None]:
        """Wrap one engine call made from a worker thread."""
        with self._cond:
            if self._closing:
                raise Detached("The wizard is closing.")
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def close(self) -> None:
        """Refuse new calls and make running ones stop at their next event."""
        with self._cond:
            self._closing = True


def to_message(event: Event) -> Message | None:
    """Map one engine event to its UI message (None for events the UI does not show)."""
    if isinstance(event, CheckStarted):
        return CheckBegan(event.step, event.check_id, event.title)
    if isinstance(event, CheckFinished):
        return CheckDone(event.step, event.result)
    if isinstance(event, PreviewReady):
        return PreviewShown(event.step, event.preview)
    if isinstance(event, DeployProgress):
        return DeployTick(event.step, event.snapshot)
    if isinstance(event, ActionProgress):
        return ActionTick(event.step, event.message, event.fraction)
    if isinstance(event, Notice):
        return EngineNotice(event.step, event.message)
    if isinstance(event, StepFinished):
        return StepEnded(event.step, event.status, event.outputs, event.failure)
    return None


def make_sink(app: "App", target: "Widget", gate: EngineGate) -> EventSink:
    """An ``EventSink`` for a runner used by ``target``'s worker threads.

    Each event becomes a message posted to ``target`` on the UI thread via
    ``call_from_thread``; the gate check first means a closing app never waits on a loop
    that is shutting down."""

    def sink(event: Event) -> None:
        if gate.closing:
            raise Detached("The wizard is closing; the deployment continues in Azure.")
        message = to_message(event)
        if message is None:
            return
        try:
            app.call_from_thread(target.post_message, message)
        except RuntimeError:
            # Called on the UI thread (tests calling the runner directly) or the app is gone.
            target.post_message(message)

    return sink
