"""Remedies name the keys the TUI really binds, and say what to do headless.

The table of keys lives below the UI (``wizard.azure.remedies.TUI_KEYS``) because checks may not
import the UI; this test is what keeps it equal to the bindings in ``wizard/ui/screens/main.py``."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from checks import providers
from wizard.azure.remedies import REMEDIES, TUI_KEYS
from wizard.engine.contract import CheckStatus, StepContext

LESSONS = Path(__file__).resolve().parents[2] / "assets" / "lessons"


def _bound_actions() -> dict[str, str]:
    """action name → key, from the main screen's bindings (``step('fix')`` → ``fix``)."""
    from wizard.ui.screens.main import MainScreen

    out = {}
    for binding in MainScreen.BINDINGS:
        action = binding.action  # type: ignore[union-attr]
        match = re.fullmatch(r"step\('(\w+)'\)", action)
        out[match.group(1) if match else action] = binding.key  # type: ignore[union-attr]
    return out


def test_tui_keys_are_the_real_bindings() -> None:
    bound = _bound_actions()
    for action, key in TUI_KEYS.items():
        assert bound.get(action) == key, f"{action}: TUI_KEYS says {key!r}, the screen binds {bound.get(action)!r}"


def _providers_ctx(states: dict[str, str]) -> StepContext:
    client = SimpleNamespace(get=lambda ns: SimpleNamespace(as_dict=lambda: {"registrationState": states[ns]}))
    azure: Any = SimpleNamespace(resources=lambda: SimpleNamespace(providers=client))
    return StepContext("prerequisites", {}, {}, "rehearsal", azure=azure)


def test_unregistered_provider_remedy_names_fix_key_and_headless_commands() -> None:
    states = {ns: "Registered" for ns in providers.REQUIRED_PROVIDERS}
    states.update({"Microsoft.OperationsManagement": "NotRegistered", "Microsoft.Security": "NotRegistered"})
    finding = providers.check_providers(_providers_ctx(states))
    assert finding.status is CheckStatus.FAIL
    assert f"Press {TUI_KEYS['fix']} (Fix)" in finding.remedy
    assert "Press r" not in finding.remedy  # r is Retry
    for ns in ("Microsoft.OperationsManagement", "Microsoft.Security"):
        assert f"az provider register --namespace {ns}" in finding.remedy
    assert "Microsoft.Network" not in finding.remedy
    assert "aks-wizard run --resume" in finding.remedy


def test_registering_providers_remedy_names_the_checks_key() -> None:
    states = {ns: "Registered" for ns in providers.REQUIRED_PROVIDERS}
    states["Microsoft.Security"] = "Registering"
    finding = providers.check_providers(_providers_ctx(states))
    assert finding.status is CheckStatus.WARN and f"key {TUI_KEYS['checks']}" in finding.remedy


# A key named in prose: "press x", "key x" or "(x)" right after an action word.
_NAMED_KEY = re.compile(r"\b(?:[Pp]ress|[Kk]ey)\s+`?([a-z])`?(?![a-z])")


@pytest.mark.parametrize("code", sorted(REMEDIES))
def test_azure_error_remedies_name_only_bound_keys(code: str) -> None:
    keys = set(TUI_KEYS.values())
    for key in _NAMED_KEY.findall(REMEDIES[code]):
        assert key in keys, f"{code} names key {key!r}, which the TUI does not bind"


def test_missing_registration_remedy_uses_fix_not_retry_and_says_headless() -> None:
    remedy = REMEDIES["MissingSubscriptionRegistration"]
    assert f"press {TUI_KEYS['fix']}" in remedy and "key r)" not in remedy.split("Then")[0]
    assert "az provider register --namespace" in remedy


@pytest.mark.parametrize("lesson", ["prerequisites.md", "hub.md", "tls-certificates.md"])
def test_lessons_name_the_real_keys(lesson: str) -> None:
    text = (LESSONS / lesson).read_text()
    assert "Press `r`" not in text
    for key in _NAMED_KEY.findall(text):
        assert key in set(TUI_KEYS.values()), f"{lesson} names key {key!r}"
    if lesson == "prerequisites.md":
        assert f"Press `{TUI_KEYS['fix']}`" in text and "az provider register" in text
