"""DOM ids from engine ids. Engine ids may hold dots ("prereq.tools"), which Textual ids
may not; every widget id derived from an engine id goes through ``dom_id``."""

from __future__ import annotations

import re


def dom_id(prefix: str, engine_id: str) -> str:
    return f"{prefix}-" + re.sub(r"[^A-Za-z0-9_-]", "_", engine_id)
