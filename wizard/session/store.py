"""Creating, opening and listing sessions (the open ``Session`` is ``wizard.session.session``).

Listing reads each ``state.json`` as plain JSON, so the welcome menu's first frame loads
neither the audit log, the secret store nor the state model: ``create`` and ``open`` import
them when a session is actually made or opened."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from wizard import __version__
from wizard.session.lock import SessionLock
from wizard.session.paths import sessions_home

if TYPE_CHECKING:  # pragma: no cover - imported where a session is made or opened
    from wizard.session.session import Session


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _id_suffix() -> str:
    """Six random hex digits that keep two sessions started in the same second apart."""
    import secrets  # here, not at the top: it loads hashlib, which the welcome menu does not need

    return secrets.token_hex(3)


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


class SessionStore:
    def __init__(self, home: Path | None = None) -> None:
        self.home = home or sessions_home()

    def create(self, mode: str, scenario: str = "default") -> Session:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        session_id = f"{stamp}-{_id_suffix()}"
        path = self.home / session_id
        path.mkdir(parents=True, mode=0o700)
        from wizard.session.session import Session
        from wizard.session.state import SessionState

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
        from wizard.session.session import Session
        from wizard.session.state import SessionState

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
