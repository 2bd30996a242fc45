"""Fixtures: a running rehearsal backend per test and an AzureContext wired to it, exactly
as the wizard builds one (real SDK clients, real HTTPS, the backend's CA)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from wizard.azure.context import AzureContext
from wizard.azure.endpoints import rehearsal_endpoints
from wizard.rehearsal.backend import RehearsalBackend

PACE = 6000.0


def make_context(backend: RehearsalBackend) -> AzureContext:
    endpoints = rehearsal_endpoints(backend.base_url, str(backend.ca_path))
    return AzureContext(backend.credential(), endpoints, backend.scenario.default_subscription_id,
                        backend.scenario.tenant_id)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The backend is on 127.0.0.1; a CI proxy must never see rehearsal traffic."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def start_backend(tmp_path: Path) -> Iterator[Any]:
    started: list[RehearsalBackend] = []

    def start(scenario: Any = None, state_dir: Path | None = None) -> tuple[RehearsalBackend, AzureContext]:
        backend = RehearsalBackend(state_dir or tmp_path / "state", scenario=scenario, pace=PACE).start()
        started.append(backend)
        return backend, make_context(backend)

    yield start
    for backend in started:
        backend.stop()


@pytest.fixture
def backend_ctx(start_backend: Any) -> tuple[RehearsalBackend, AzureContext]:
    return start_backend()
