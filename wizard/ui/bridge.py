"""The seam between engine threads and the Textual message loop: engine events become UI
messages posted from worker threads (see ``wizard.ui.gate`` for how quitting stops them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from wizard.engine.events import (ActionProgress, CheckFinished, CheckStarted, DeployProgress, Event,
                                  EventSink, Notice, PreviewReady, StepFinished)
from wizard.ui.gate import Detached, EngineGate
from wizard.ui.messages import ActionTick, CheckBegan, CheckDone, DeployTick, EngineNotice, PreviewShown, StepEnded

if TYPE_CHECKING:  # pragma: no cover
    from textual.app import App
    from textual.widget import Widget

__all__ = ["Detached", "EngineGate", "make_sink", "to_message"]


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
        return ActionTick(event.step, event.message, event.fraction, event.detail)
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
