"""Where sessions live: ``$AKS_WIZARD_HOME`` when set, else the platform's user data dir."""

from __future__ import annotations

import os
from pathlib import Path


def sessions_home() -> Path:
    override = os.environ.get("AKS_WIZARD_HOME")
    if override:
        return Path(override).expanduser() / "sessions"
    from platformdirs import user_data_path

    return user_data_path("aks-wizard", appauthor=False) / "sessions"
