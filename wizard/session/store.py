"""Creating, opening and listing sessions, and the ``Session`` object the engine writes to.

Every mutation goes through ``Session.record`` (audit first, then state) or ``Session.save``
(atomic), so an interrupted wizard leaves a consistent folder that resume can trust."""

from __future__ import annotations

import json
import secrets as _random
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from wizard import __version__
from wizard.audit.log import AuditLog
from wizard.session.atomic import write_json_atomic
from wizard.session.lock import SessionLock
from wizard.session.paths import sessions_home
from wizard.session.secrets import SecretStore
from wizard.session.state import SessionState, StepState


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class SessionNotFound(Exception):
    pass


class SessionCorrupt(Exception):
    pass


@dataclass(frozen=True)
class SessionSummary:
    id: str
    mode: str
    created: str
    status: str
    current_step: str
    path: str
    steps_done: int = 0  # how many steps are done (the status says "completed" once every built step is)

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


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


class SessionStore:
    def __init__(self, home: Path | None = None) -> None:
        self.home = home or sessions_home()

    def create(self, mode: str, scenario: str = "default") -> Session:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        session_id = f"{stamp}-{_random.token_hex(3)}"
        path = self.home / session_id
        path.mkdir(parents=True, mode=0o700)
        lock = SessionLock(path)
        lock.acquire()
        state = SessionState(id=session_id, mode=mode, created=utc_now(), tool_version=__version__,
                             scenario=scenario)
        session = Session(path, state, lock)
        session.save()
        return session

    def resolve(self, target: str) -> Path:
        candidate = Path(target).expanduser()
        if candidate.is_dir() and (candidate / "state.json").exists():
            return candidate
        by_id = self.home / target
        if (by_id / "state.json").exists():
            return by_id
        raise SessionNotFound(f"No session {target!r} under {self.home} (see `aks-wizard sessions`).")

    def open(self, target: str) -> Session:
        path = self.resolve(target)
        lock = SessionLock(path)
        lock.acquire()
        try:
            raw = json.loads((path / "state.json").read_text())
            state = SessionState.from_dict(raw)
        except (OSError, ValueError, TypeError) as exc:
            lock.release()
            raise SessionCorrupt(f"Session state {path / 'state.json'} is unreadable: {exc}") from exc
        return Session(path, state, lock)

    def list(self) -> list[SessionSummary]:
        if not self.home.exists():
            return []
        out: list[SessionSummary] = []
        for state_file in sorted(self.home.glob("*/state.json")):
            try:
                raw = json.loads(state_file.read_text())
            except (OSError, ValueError):
                continue
            out.append(SessionSummary(id=raw.get("id", state_file.parent.name), mode=raw.get("mode", "?"),
                                      created=raw.get("created", ""), status=raw.get("status", "?"),
                                      current_step=raw.get("current_step", ""), path=str(state_file.parent),
                                      steps_done=sum(1 for step in (raw.get("steps") or {}).values()
                                                     if isinstance(step, dict) and step.get("status") == "done")))
        return out
