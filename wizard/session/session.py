"""The open ``Session`` the engine writes to.

Every mutation goes through ``Session.record`` (audit first, then state) or ``Session.save``
(atomic), so an interrupted wizard leaves a consistent folder that resume can trust."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Mapping

from wizard.audit.log import AuditLog
from wizard.session.atomic import write_json_atomic
from wizard.session.lock import SessionLock
from wizard.session.secrets import SecretStore
from wizard.session.state import SessionState, StepState
from wizard.session.store import utc_now


class Session:
    """An open session: holds the lock until ``close``."""

    def __init__(self, path: Path, state: SessionState, lock: SessionLock) -> None:
        self.dir = path
        self.state = state
        self._lock = lock
        self._mutex = threading.RLock()
        self.audit = AuditLog(path / "audit.jsonl")
        self.secrets = SecretStore(path)

    @property
    def id(self) -> str:
        return self.state.id

    @property
    def short_id(self) -> str:
        return self.state.id.rsplit("-", 1)[-1]

    @property
    def mode(self) -> str:
        return self.state.mode

    def step(self, step_id: str) -> StepState:
        with self._mutex:
            return self.state.steps.setdefault(step_id, StepState())

    def save(self) -> None:
        with self._mutex:
            self.state.updated = utc_now()
            self.state.audit_head = self.audit.head.as_dict()
            write_json_atomic(self.dir / "state.json", self.state.to_dict())

    def record(self, kind: str, step: str | None, data: Mapping[str, Any]) -> None:
        """Append to the audit log, then persist state with the new head. Audit first: a
        crash between the two leaves a log one record ahead of the state, which verify
        reports as intact (the head only guards against truncation)."""
        with self._mutex:
            self.audit.append(kind, step, data)
            self.save()

    def close(self) -> None:
        self._lock.release()
