"""What the engine records about its deployments must hold up across failures and resumes:
cleanup deletes only what the session made, and a resume follows only its own deployment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from checks import firewall_tier
from wizard.engine.arm import AzureCallFailed
from wizard.engine.contract import CheckStatus
from wizard.rehearsal.faults import Fault
from wizard.session.state import DeploymentRecord, StepStatus

from tests.engine.flow import decide_and_check, finish_prerequisites, open_workspace, records_of


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with open_workspace(tmp_path) as workspace:
        finish_prerequisites(workspace)
        yield workspace


def _approved(ws: Any) -> Any:
    runner = decide_and_check(ws, "hub")
    runner.preview()
    runner.approve()
    return runner


def test_what_a_failed_attempt_made_stays_the_sessions_after_a_retry(ws: Any) -> None:
    dep = f"hub-default-{ws.session.short_id}"
    ws.backend.faults.add(Fault(method="PUT", path_regex=rf"/deployments/{dep}$", kind="lro_failed",
                                resource_type="Microsoft.Network/azureFirewalls"))
    runner = _approved(ws)
    with pytest.raises(AzureCallFailed):
        runner.deploy()
    failed = records_of(ws.session.dir, "deployment.failed", "hub")[0]["data"]
    made_by_failure = {r["id"].rsplit("/", 1)[-1] for r in failed["resources"]}
    assert "rg-enterprise-networking-hubs-eastus2" in made_by_failure and "fw-eastus2" not in made_by_failure
    assert not any(r["existed_before"] for r in failed["resources"])

    retry = _approved(ws)  # the retry's what-if says NoChange for what the failed attempt made
    assert any(c == "NoChange" for c in retry.state.preview["changes"].values())
    retry.deploy()
    succeeded = records_of(ws.session.dir, "deployment.succeeded", "hub")[0]["data"]
    assert succeeded["resources"] and not any(r["existed_before"] for r in succeeded["resources"])


def test_resume_does_not_mistake_an_older_deployment_of_the_same_name(ws: Any) -> None:
    """A crash after saving 'submitting' but before the PUT, with an older Succeeded deployment
    of the same name in ARM: the wizard submits the approved one instead of adopting the old."""
    runner = _approved(ws)
    runner.deploy()
    first = records_of(ws.session.dir, "deployment.succeeded", "hub")[0]["data"]["correlation_id"]
    again = decide_and_check(ws, "hub", firewall_public_ips=4)
    again.preview()
    again.approve()
    again.state.deployment = DeploymentRecord(name=again.deployment_name(), resource_group="", status="submitting",
                                              correlation_id="saved-before-the-crash")
    again.deploy()
    assert not records_of(ws.session.dir, "deployment.reattached", "hub")
    started = records_of(ws.session.dir, "deployment.started", "hub")
    assert len(started) == 2 and started[-1]["data"]["correlation_id"] not in (first, "saved-before-the-crash")


def test_a_template_that_differs_from_the_approved_preview_is_not_deployed(ws: Any) -> None:
    runner = _approved(ws)
    runner.state.preview["parameters_sha256"] = "0" * 64  # as if the decisions changed after approval
    with pytest.raises(AzureCallFailed) as raised:
        runner.deploy()
    assert raised.value.failure.code == "PreviewOutdated" and "key p" in raised.value.failure.remedy
    assert runner.state.status == StepStatus.FAILED
    assert not records_of(ws.session.dir, "deployment.started", "hub")


def test_firewall_tier_probe_that_cannot_ask_is_an_error_not_a_verdict(ws: Any) -> None:
    """Refused rights on the probe's group are not "Premium is not offered"."""
    ws.backend.faults.add(Fault(method="POST", path_regex=r"/deployments/aksw-tier-probe/validate$", kind="status",
                                status=403, code="AuthorizationFailed", times=1,
                                message="The client does not have authorization to perform action "
                                        "'Microsoft.Resources/deployments/validate/action'."))
    runner = ws.runner("hub")
    finding = firewall_tier.check_firewall_tier(runner.context(runner.defaults()), "rg-x", "eastus2", "Premium")
    assert finding.status is CheckStatus.ERROR and finding.evidence["code"] == "AuthorizationFailed"
