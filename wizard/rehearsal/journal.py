"""The request journal: one JSON line per request the rehearsal served.

Lessons and tests read it to show what the wizard actually asked Azure for. It deliberately
has no headers field, so the Authorization header (the token) can never end up in it."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, method: str, path: str, query: dict[str, str], request: Any, status: int,
               response: Any) -> None:
        entry = {
            "ts": dt.datetime.now(dt.timezone.utc).isoformat(),
            "method": method,
            "path": path,
            "query": query,
            "request": request,
            "status": status,
            "response": response,
        }
        line = json.dumps(entry, default=str, separators=(",", ":"))
        with self._lock:
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self._lock:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
