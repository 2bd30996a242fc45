"""The secret store: PFX passwords, private keys and generated PFX files.

Everything lives under ``<session>/secrets/`` (0700) in files created 0600. The audit log,
the state file and the screen only ever see ``fingerprint()`` of a secret."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from wizard.session.atomic import write_atomic

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,80}$")


def fingerprint(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return "sha256:" + hashlib.sha256(raw).hexdigest()


class SecretStore:
    def __init__(self, session_dir: Path) -> None:
        self.root = session_dir / "secrets"

    def _path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ValueError(f"invalid secret name {name!r}")
        return self.root / name

    def put(self, name: str, data: bytes | str) -> str:
        """Store a secret and return its fingerprint (what the audit log may hold)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        raw = data.encode() if isinstance(data, str) else data
        write_atomic(self._path(name), raw, mode=0o600)
        return fingerprint(raw)

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def get_bytes(self, name: str) -> bytes | None:
        path = self._path(name)
        return path.read_bytes() if path.exists() else None

    def get(self, name: str) -> str | None:
        raw = self.get_bytes(name)
        return raw.decode() if raw is not None else None

    def path(self, name: str) -> Path:
        return self._path(name)

    def names(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir()) if self.root.exists() else []
