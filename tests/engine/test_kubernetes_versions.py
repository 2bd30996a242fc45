"""The region's Kubernetes versions over real HTTPS: the azure-mgmt-containerservice client's
list_kubernetes_versions against the rehearsal, in the default scenario and in one where a
minor has left the region."""

from __future__ import annotations

from pathlib import Path

from checks.kubernetes_version import check_kubernetes_version
from tests.engine.flow import open_workspace
from wizard.engine.contract import CheckStatus, StepContext


def _ctx(ws) -> StepContext:  # noqa: ANN001
    return StepContext("cluster", {}, {}, "rehearsal", ws.session.dir, ws.azure)


def test_the_newest_ga_minor_comes_from_the_region(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        found = check_kubernetes_version(_ctx(ws), "eastus2", "newest")
        assert found.status is CheckStatus.PASS and found.evidence["minor"] == "1.37"
        assert found.evidence["preview"] == ["1.38"]
        assert any(e["path"].endswith("/locations/eastus2/kubernetesVersions") for e in _journal(ws))


def test_a_minor_that_left_the_region_fails_before_any_deployment(tmp_path: Path) -> None:
    with open_workspace(tmp_path, scenario="kubernetes-minor-retired") as ws:
        found = check_kubernetes_version(_ctx(ws), "eastus2", "1.35")
        assert found.status is CheckStatus.FAIL and "1.36, 1.37" in found.summary
        assert check_kubernetes_version(_ctx(ws), "eastus2", "newest").evidence["minor"] == "1.37"


def _journal(ws):  # noqa: ANN001, ANN202
    from tests.engine.flow import journal
    return journal(ws.session.dir)
