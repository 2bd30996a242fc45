"""The request journal: one JSON line per request the rehearsal served.

Lessons and tests read it to show what the wizard actually asked Azure for. It deliberately
has no headers field, so the Authorization header (the token) can never end up in it."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any


REDACTED = "[secure parameter: value not journaled]"
REDACTED_PASSWORD = "[password: not journaled]"


def redact_secure_parameters(body: Any) -> Any:
    """A copy of a deployment request without the values of its secureString/secureObject
    parameters, so PFX files and passwords sent to ARM never reach the journal."""
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return body
    props = body["properties"]
    declared = (props.get("template") or {}).get("parameters") if isinstance(props.get("template"), dict) else None
    given = props.get("parameters")
    if not isinstance(declared, dict) or not isinstance(given, dict):
        return body
    secure = {k.lower() for k, v in declared.items()
              if isinstance(v, dict) and str(v.get("type", "")).lower() in ("securestring", "secureobject")}
    if not secure:
        return body
    redacted = {k: ({"value": REDACTED} if k.lower() in secure else v) for k, v in given.items()}
    return {**body, "properties": {**props, "parameters": redacted}}


def redact_passwords(body: Any) -> Any:
    """A copy of a Graph user request without its ``passwordProfile.password``: the break-glass
    user's temporary password lives in the session's secret store only."""
    if not isinstance(body, dict) or not isinstance(body.get("passwordProfile"), dict):
        return body
    profile = body["passwordProfile"]
    if "password" not in profile:
        return body
    return {**body, "passwordProfile": {**profile, "password": REDACTED_PASSWORD}}


REDACTED_TOKEN = "[token: not journaled]"


def redact_tokens(body: Any) -> Any:
    """A copy of a run command request without its ``clusterToken`` (the operator's
    Kubernetes token), and of an image import without its source registry password."""
    if not isinstance(body, dict):
        return body
    out = dict(body)
    if "clusterToken" in out:
        out["clusterToken"] = REDACTED_TOKEN
    source = out.get("source")
    if isinstance(source, dict) and isinstance(source.get("credentials"), dict) and "password" in source["credentials"]:
        out["source"] = {**source, "credentials": {**source["credentials"], "password": REDACTED_PASSWORD}}
    return out


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, method: str, path: str, query: dict[str, str], request: Any, status: int,
               response: Any) -> None:
        request = redact_tokens(redact_passwords(redact_secure_parameters(request)))
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
