"""Fixtures for the UI tests: a temporary wizard home, fixed clocks/ids for snapshots,
sessions prepared through the real engine (see ``prepared``), and a garbage collector tuned
for Textual (see ``_fewer_gc_passes``)."""

from __future__ import annotations

import gc
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest


@pytest.fixture(autouse=True)
def _fewer_gc_passes() -> Iterator[None]:
    """A Textual app allocates and drops objects at a high rate (styles, strips, segments):
    with the default thresholds (700, 10, 10) the collector ran ~750 times per UI test and
    took a fifth of its time. Collecting every 10 000 allocations instead keeps a full pass
    about once per test (memory stays flat); only the UI tests run this way."""
    before = gc.get_threshold()
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sessions live under tmp_path; nothing touches the real home or the network."""
    monkeypatch.setenv("AKS_WIZARD_HOME", str(tmp_path))
    return tmp_path


class _FixedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: ANN001, ANN206 - mirrors datetime.now
        return cls(2026, 1, 15, 9, 30, 0, tzinfo=tz or timezone.utc)


def _freeze(monkeypatch: pytest.MonkeyPatch) -> None:
    import wizard.session.store as store
    import wizard.ui.timefmt as timefmt

    monkeypatch.setattr(store, "datetime", _FixedDatetime)
    monkeypatch.setattr(store, "_id_suffix", lambda: "c0ffee")
    monkeypatch.setattr(timefmt, "format_duration", lambda seconds: "0:42")


@pytest.fixture
def frozen(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Deterministic screens: fixed session id and creation time, fixed elapsed times."""
    _freeze(monkeypatch)
    return home


@pytest.fixture(scope="session")
def _prepared_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, bool], Path]:
    return {}


@pytest.fixture
def prepared(_prepared_cache: dict[tuple[str, str, bool], Path], tmp_path_factory: pytest.TempPathFactory,
             home: Path, request: pytest.FixtureRequest) -> Callable[..., str]:
    """``prepared(stage, scenario="default")`` puts a rehearsal session into ``home`` whose
    steps up to ``stage`` were taken through the real engine against the real rehearsal
    backend (``tests.ui.drive.prepare_session``) and returns its id, for ``resume_app``.

    Driving the prerequisites through the UI takes seconds per test; a test that is about a
    later step starts from the stored session instead. Each kind of session is prepared
    once per test run and copied (a session is a self-contained folder), so every test
    still gets its own session and backend state. Under ``frozen`` the session is prepared
    with the same fixed id and clock, so snapshots match those of the UI path."""
    from tests.ui.drive import prepare_session

    is_frozen = "frozen" in request.fixturenames

    def make(stage: str = "prerequisites", scenario: str = "default") -> str:
        key = (stage, scenario, is_frozen)
        if key not in _prepared_cache:
            store_home = tmp_path_factory.mktemp("prepared")
            with pytest.MonkeyPatch.context() as mp:
                if is_frozen:
                    _freeze(mp)
                session_id = prepare_session(store_home, stage, scenario)
            _prepared_cache[key] = store_home / session_id
        source = _prepared_cache[key]
        shutil.copytree(source, home / source.name)
        return source.name

    return make
