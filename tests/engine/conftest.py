"""Fixtures for engine tests: rehearsal backends started once per scenario for the whole run
(real SDK clients, real HTTPS on 127.0.0.1, the backend's own CA), plus helpers to build the
StepContext a check receives.

Backends that a test mutates (provider registration) are started per test with
``fresh_backend`` so shared scenarios stay pristine."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from wizard.azure.context import AzureContext
from wizard.azure.signin import rehearsal_context
from wizard.engine.contract import StepContext
from wizard.rehearsal.backend import RehearsalBackend
from wizard.rehearsal.scenario import SCENARIO_DIR

PACE = 6000.0  # Azure seconds per real second: one Azure minute is 10 ms


def default_vm_skus() -> list[dict[str, Any]]:
    """The default scenario's VM SKU list (lists replace, not merge, in ``extends``)."""
    return copy.deepcopy(json.loads((SCENARIO_DIR / "default.json").read_text())["vmSkus"])


def _zone_restricted_skus() -> list[dict[str, Any]]:
    skus = default_vm_skus()
    for sku in skus:
        if sku["name"] == "Standard_D4d_v5":
            sku["restrictions"] = [{
                "type": "Zone", "values": ["eastus2"], "reasonCode": "NotAvailableForSubscription",
                "restrictionInfo": {"locations": ["eastus2"], "zones": ["3"]}}]
    return skus


# Dict scenarios (extends default) the brief asks for, by a stable name.
DICT_SCENARIOS: dict[str, dict[str, Any]] = {
    # Members may not create security groups and the user holds no directory role.
    "no-group-rights": {"extends": "default", "entra": {
        "authorizationPolicy": {"defaultUserRolePermissions": {"allowedToCreateSecurityGroups": False}},
        "directoryRoles": []}},
    # Members may not, but the user is a Groups Administrator.
    "groups-admin": {"extends": "default", "entra": {
        "authorizationPolicy": {"defaultUserRolePermissions": {"allowedToCreateSecurityGroups": False}},
        "directoryRoles": [{"roleTemplateId": "fdd7a751-b60b-444a-984c-02652fe8fa1c",
                            "displayName": "Groups Administrator"}]}},
    # 26 vCPUs free: more than the 14 needed at start, fewer than the 40 at peak + surge.
    "tight-quota": {"extends": "default", "regions": {"eastus2": {"computeUsages": {
        "cores": {"limit": 30}, "standardDDv5Family": {"limit": 30}}}}},
    # The user may read the subscription and nothing more.
    "reader-only": {"extends": "default", "roleAssignments": [
        {"name": "0a4b5c6d-7e8f-4091-a2b3-c4d5e6f70813", "scope": "/subscriptions/2d6f9a1b-4c3e-4b7a-8f15-0a9e8d7c6b51",
         "role": "Reader"}]},
    # Standard_D4d_v5 is restricted out of zone 3.
    "zone-restricted-size": {"extends": "default", "vmSkus": _zone_restricted_skus()},
    # Standard_D2d_v5 (the system pool's size) is not offered at all.
    "absent-size": {"extends": "default",
                    "vmSkus": [s for s in default_vm_skus() if s["name"] != "Standard_D2d_v5"]},
}


def _scenario(name: str) -> Any:
    return copy.deepcopy(DICT_SCENARIOS[name]) if name in DICT_SCENARIOS else name


@pytest.fixture(scope="session", autouse=True)
def _no_proxy() -> Iterator[None]:
    """The backend is on 127.0.0.1; a proxy from the environment must never see this traffic."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        mp.setenv("no_proxy", "127.0.0.1,localhost")
        yield


@pytest.fixture(scope="session")
def backend_for(tmp_path_factory: pytest.TempPathFactory, _no_proxy: None) -> Iterator[Callable[[str], RehearsalBackend]]:
    """``backend_for("missing-role")``: one running backend per scenario name for the session.
    Only tests that do not mutate the subscription may use these."""
    started: dict[str, RehearsalBackend] = {}

    def get(name: str) -> RehearsalBackend:
        if name not in started:
            state = tmp_path_factory.mktemp(f"rehearsal-{name}")
            started[name] = RehearsalBackend(state, _scenario(name), pace=PACE).start()
        backend = started[name]
        assert backend.base_url.startswith("https://127.0.0.1:")
        return backend

    yield get
    for backend in started.values():
        backend.stop()


@pytest.fixture
def fresh_backend(tmp_path: Path) -> Iterator[Callable[[str], RehearsalBackend]]:
    """A backend of its own for a test that changes the subscription."""
    started: list[RehearsalBackend] = []

    def start(name: str) -> RehearsalBackend:
        backend = RehearsalBackend(tmp_path / f"state-{len(started)}", _scenario(name), pace=PACE).start()
        started.append(backend)
        return backend

    yield start
    for backend in started:
        backend.stop()


@pytest.fixture
def make_ctx(backend_for: Callable[[str], RehearsalBackend], tmp_path: Path) -> Iterator[Callable[..., StepContext]]:
    """``make_ctx("no-zones", answers=..., subscription_id=...)`` → a StepContext whose
    AzureContext talks to that scenario's backend. Each context is closed after the test."""
    contexts: list[AzureContext] = []

    def build(scenario: str = "default", *, step_id: str = "prerequisites", answers: dict[str, Any] | None = None,
              outputs: dict[str, Any] | None = None, mode: str = "rehearsal", subscription_id: str | None = None,
              backend: RehearsalBackend | None = None) -> StepContext:
        azure = rehearsal_context(backend or backend_for(scenario), subscription_id)
        contexts.append(azure)
        return StepContext(step_id=step_id, answers=answers if answers is not None else {"region": "eastus2"},
                           outputs=outputs or {}, mode=mode, session_dir=tmp_path, azure=azure)

    yield build
    for azure in contexts:
        azure.close()


@pytest.fixture(scope="session")
def _prepared_sessions() -> dict[tuple[str, ...], tuple[Path, str]]:
    return {}


@pytest.fixture
def prepared_workspace(_prepared_sessions: dict[tuple[str, ...], tuple[Path, str]],
                       tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Callable[..., Any]:
    """``with prepared_workspace(("hub", "spoke"), "posture-drift", policy={...}) as ws:`` a
    workspace whose session has finished the prerequisites and then deployed those steps (with
    the given answers, by step id with ``_`` for ``-``). Each combination is prepared once per
    run through the real engine and backend, and each test gets its own copy of the session
    folder (state, audit log, secret store and the rehearsal's model all live in it), so a
    test that deploys step 8 does not first redeploy steps 1-7."""
    import contextlib
    import shutil

    from tests.engine.flow import deploy_step, finish_prerequisites, open_workspace
    from wizard.session.store import SessionStore
    from wizard.workspace import Workspace

    @contextlib.contextmanager
    def open_(steps: tuple[str, ...], scenario: str = "default", **answers: dict[str, Any]) -> Iterator[Any]:
        key = (scenario, json.dumps(answers, sort_keys=True), *steps)
        if key not in _prepared_sessions:
            root = tmp_path_factory.mktemp("prepared")
            with open_workspace(root, scenario) as ws:
                finish_prerequisites(ws)
                for step in steps:
                    deploy_step(ws, step, **answers.get(step.replace("-", "_"), {}))
                _prepared_sessions[key] = (root / "sessions", ws.session.id)
        source, session_id = _prepared_sessions[key]
        target = tmp_path / "sessions"
        shutil.copytree(source, target)
        ws = Workspace.resume(SessionStore(target), session_id, pace=PACE)
        try:
            yield ws
        finally:
            ws.close()

    return open_
