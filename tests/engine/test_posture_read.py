"""The posture check reads the deployed resource back over real HTTPS (generic
Resources_GetById with the type's api-version from posture.json) and judges what ARM returns."""

from __future__ import annotations

import copy
from pathlib import Path

from checks.posture import check_item
from tests.engine.flow import open_workspace
from tests.unit.test_posture import CLUSTER
from wizard.engine.contract import CheckStatus, StepContext

SUB = "2d6f9a1b-4c3e-4b7a-8f15-0a9e8d7c6b51"


def test_items_are_judged_on_what_arm_returns(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        ws.backend.model.put_resource_group(SUB, "rg-bu0001a0008", "eastus2", None)
        rid = f"/subscriptions/{SUB}/resourceGroups/rg-bu0001a0008/providers/Microsoft.ContainerService/managedClusters/aks-1"
        body = copy.deepcopy(CLUSTER)
        body["properties"]["disableLocalAccounts"] = False  # what a weakened cluster looks like
        ws.backend.model.apply_resource({"id": rid, "name": "aks-1", "type": "Microsoft.ContainerService/managedClusters",
                                         "location": "eastus2", **body})
        ctx = StepContext("posture", {}, {"cluster": {"cluster_id": rid}}, "rehearsal", ws.session.dir, ws.azure)
        assert check_item(ctx, "rbac", "cluster").status is CheckStatus.PASS
        weak = check_item(ctx, "local-accounts", "cluster")
        assert weak.status is CheckStatus.FAIL and weak.evidence["read"] is False and weak.evidence["resource"] == rid
        gone = StepContext("posture", {}, {"cluster": {"cluster_id": rid + "x"}}, "rehearsal", ws.session.dir, ws.azure)
        assert "does not exist" in check_item(gone, "rbac", "cluster").summary
