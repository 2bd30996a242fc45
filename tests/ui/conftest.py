"""Fixtures for the UI tests: a temporary wizard home, and fixed clocks/ids for snapshots."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sessions live under tmp_path; nothing touches the real home or the network."""
    monkeypatch.setenv("AKS_WIZARD_HOME", str(tmp_path))
    return tmp_path


class _FixedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: ANN001, ANN206 - mirrors datetime.now
        return cls(2026, 1, 15, 9, 30, 0, tzinfo=tz or timezone.utc)


@pytest.fixture
def frozen(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Deterministic screens: fixed session id and creation time, fixed elapsed times."""
    import wizard.session.store as store
    import wizard.ui.timefmt as timefmt

    monkeypatch.setattr(store, "datetime", _FixedDatetime)
    monkeypatch.setattr(store._random, "token_hex", lambda n=3: "c0ffee")
    monkeypatch.setattr(timefmt, "format_duration", lambda seconds: "0:42")
    return home
