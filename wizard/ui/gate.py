"""Counts engine calls running in worker threads, so quitting can wait for them to stop
before the workspace (session lock, rehearsal backend) is closed, and tells them to stop:
once the gate is closing, the next engine event raises ``Detached`` inside the worker thread,
which unwinds the runner without recording a failure - a deployment left running in Azure is
re-attached on resume, exactly as if the terminal had been closed.

Kept apart from ``wizard.ui.bridge`` (which maps engine events to messages and so imports the
engine) because the app needs the gate before the first frame and the engine only later."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator


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
