"""One wizard per session: an exclusive, non-blocking flock on ``session.lock``.

flock is released by the kernel when the process dies, so a crashed wizard never leaves a
stale lock behind; the PID written inside only serves the error message."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class SessionLocked(Exception):
    def __init__(self, session_dir: Path, holder: str) -> None:
        super().__init__(
            f"Session {session_dir.name} is already open in another aks-wizard (pid {holder or 'unknown'}). "
            "Close that wizard first, or start a new session."
        )
        self.session_dir = session_dir


class SessionLock:
    def __init__(self, session_dir: Path) -> None:
        self._path = session_dir / "session.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise SessionLocked(self._path.parent, holder) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
