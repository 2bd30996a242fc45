"""The cluster's registry name over real HTTPS (azure-mgmt-containerregistry 15.0.0,
api-version 2025-11-01): free, taken by someone else, invalid. The answers' shape is the spec's
own (RegistryCheckNameAvailable.json / RegistryCheckNameNotAvailable.json, 2025-11-01)."""

from __future__ import annotations

from pathlib import Path

from checks.registry_name import check_registry_name
from tests.engine.flow import open_workspace
from wizard.engine.contract import CheckStatus, StepContext


def test_free_taken_and_invalid_registry_names(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        ws.backend.scenario.raw["containerRegistry"] = {"takenNames": ["acraksshared"]}
        ctx = StepContext("cluster", {}, {}, "rehearsal", ws.session.dir, ws.azure)
        assert check_registry_name(ctx, "acraks2d6f9a1b").status is CheckStatus.PASS
        taken = check_registry_name(ctx, "ACRAKSSHARED")  # names compare without case, as DNS does
        assert taken.status is CheckStatus.FAIL and taken.evidence["reason"] == "AlreadyExists"
        assert "already in use" in taken.summary and "press 2" in taken.remedy
        bad = check_registry_name(ctx, "acr-aks")
        assert bad.status is CheckStatus.FAIL and bad.evidence["reason"] == "Invalid" and "letters and digits" in bad.remedy
