"""Injected Azure misbehaviour on the hub's deployment routes, through the real SDK retry and
LRO machinery: throttling, 5xx, dropped connections, a failed resource and a slow deployment."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from wizard.engine.arm import AzureCallFailed
from wizard.engine.events import DeployProgress, Notice, StepFinished
from wizard.headless import _fail
from wizard.rehearsal.faults import Fault
from wizard.session.state import StepStatus
from wizard.workspace import Workspace

try:
    from .flow import (Recorder, assert_no_traceback, decide_and_check, finish_prerequisites, journal, kinds,
                       load_state, open_workspace, records_of, verify_session)
except ImportError:  # tests/engine is not a package
    from flow import (Recorder, assert_no_traceback, decide_and_check, finish_prerequisites,  # type: ignore
                      journal, kinds, load_state, open_workspace, records_of, verify_session)


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKS_WIZARD_HOME", str(tmp_path))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def ws(tmp_path: Path) -> Any:
    with open_workspace(tmp_path) as workspace:
        finish_prerequisites(workspace)
        yield workspace


def _dep(ws: Workspace) -> str:
    return f"hub-default-{ws.session.short_id}"


def _deployment_re(ws: Workspace, suffix: str = "") -> str:
    return rf"/providers/Microsoft\.Resources/deployments/{_dep(ws)}{suffix}$"


def _hits(ws: Workspace, method: str, suffix: str = "") -> list[dict[str, Any]]:
    tail = f"/deployments/{_dep(ws)}{suffix}".lower()
    return [e for e in journal(ws.session.dir) if e["method"] == method and e["path"].lower().endswith(tail)]


def _ts(entry: dict[str, Any]) -> float:
    return dt.datetime.fromisoformat(entry["ts"]).timestamp()


def _operator_text(exc: BaseException, sink: Recorder, ws: Workspace) -> str:
    """Everything the operator is shown about a failure: the exception, the headless lines,
    the events and the state the TUI reads."""
    err = io.StringIO()
    _fail(err, "hub", exc, ws.session.id)
    parts = [str(exc), err.getvalue()]
    parts += [e.message for e in sink.of(Notice)]
    parts += ["\n".join(e.failure.lines()) + e.failure.remedy for e in sink.of(StepFinished) if e.failure]
    parts.append(json.dumps(load_state(ws.session.dir).steps["hub"].error))
    return "\n".join(parts)


def _deploy_hub(ws: Workspace, sink: Recorder | None = None) -> dict[str, Any]:
    runner = decide_and_check(ws, "hub", sink)
    assert runner.blocking() == []
    runner.preview()
    runner.approve()
    return runner.deploy()


def test_throttled_get_deployment_honours_retry_after(ws: Workspace) -> None:
    ws.backend.faults.add(Fault(method="GET", path_regex=_deployment_re(ws), kind="throttle", times=2,
                                retry_after=0.2))
    outputs = _deploy_hub(ws)
    assert outputs["firewall_private_ip"]
    assert ws.status_of("hub") == StepStatus.DONE
    gets = _hits(ws, "GET")
    # the first GET asks whether the deployment exists yet (404, after two throttled tries)
    assert [e["status"] for e in gets[:3]] == [429, 429, 404] and gets[3]["status"] == 200
    assert gets[0]["response"]["error"]["code"] == "TooManyRequests"
    assert _ts(gets[1]) - _ts(gets[0]) >= 0.15  # the SDK waited for Retry-After
    assert not ws.backend.faults.pending()
    assert len(_hits(ws, "PUT")) == 1


@pytest.mark.parametrize("status", [500, 503])
def test_what_if_5xx_is_retried(ws: Workspace, status: int) -> None:
    ws.backend.faults.add(Fault(method="POST", path_regex=_deployment_re(ws, "/whatIf"), kind="status",
                                status=status, times=2))
    runner = decide_and_check(ws, "hub")
    preview = runner.preview()
    assert preview.counts().get("Create")
    posts = _hits(ws, "POST", "/whatIf")
    assert [e["status"] for e in posts] == [status, status, 202]
    runner.approve()
    assert runner.deploy()["firewall_private_ip"]


def test_what_if_5xx_beyond_retry_limit_fails_clearly(ws: Workspace) -> None:
    ws.backend.faults.add(Fault(method="POST", path_regex=_deployment_re(ws, "/whatIf"), kind="status",
                                status=503, times=50))
    sink = Recorder()
    runner = decide_and_check(ws, "hub", sink)
    with pytest.raises(AzureCallFailed) as err:
        runner.preview()
    failure = err.value.failure
    attempts = len(_hits(ws, "POST", "/whatIf"))
    assert 1 < attempts < 50  # retried, then gave up
    assert failure.status == 503
    assert failure.code == "ServiceUnavailable"
    assert failure.message and failure.remedy
    assert _dep(ws) in failure.resource
    assert_no_traceback(_operator_text(err.value, sink, ws))
    assert runner.state.preview is None and not records_of(ws.session.dir, "preview.shown", "hub")
    # the outage ends: the same runner previews fine
    ws.backend.faults.clear()
    assert runner.preview().counts().get("Create")


def test_connection_reset_on_get_is_retried(ws: Workspace) -> None:
    ws.backend.faults.add(Fault(method="GET", path_regex=_deployment_re(ws), kind="reset", times=1))
    assert _deploy_hub(ws)["firewall_private_ip"]
    gets = _hits(ws, "GET")
    assert [e["status"] for e in gets[:2]] == [0, 404]  # 0: dropped unanswered; then "not there yet"
    assert gets[2]["status"] == 200
    assert ws.status_of("hub") == StepStatus.DONE


def test_failed_firewall_names_resource_and_is_resumable(ws: Workspace) -> None:
    code, message = "AzureFirewallPublicIpExhausted", "Public IP pip-fw-eastus2-02 is already in use elsewhere."
    ws.backend.faults.add(Fault(method="PUT", path_regex=_deployment_re(ws), kind="lro_failed",
                                resource_type="Microsoft.Network/azureFirewalls", code=code, message=message))
    sink = Recorder()
    runner = decide_and_check(ws, "hub", sink)
    runner.preview()
    runner.approve()
    with pytest.raises(AzureCallFailed) as err:
        runner.deploy()
    failure = err.value.failure
    firewall = runner.state.answers["firewall_name"]
    assert failure.resource == f"Microsoft.Network/azureFirewalls/{firewall}"
    assert failure.code == "DeploymentFailed"
    inner = failure.innermost()
    assert (inner.code, inner.message) == (code, message)
    assert inner.resource.endswith(f"/azureFirewalls/{firewall}")
    # a module's failure nests as in ARM: the step's deployment > its nested deployment > the resource
    assert failure.details and failure.details[0].code == "DeploymentFailed"
    assert failure.details[0].resource.endswith(f"/deployments/{_dep(ws)}-hub")
    assert failure.details[0].details[0].code == "ResourceDeploymentFailure"
    assert failure.remedy and failure.correlation_id
    text = "\n".join(failure.lines())
    assert code in text and message in text and firewall in text

    assert runner.state.status == StepStatus.FAILED and ws.status_of("hub") == StepStatus.FAILED
    assert runner.state.deployment.status == "failed" and runner.state.approved is False
    state = load_state(ws.session.dir)  # state.json still loads
    assert state.steps["hub"].status == StepStatus.FAILED
    assert state.steps["hub"].error["code"] == "DeploymentFailed"
    failed_ops = [op for e in sink.of(DeployProgress) for op in e.snapshot.operations if op.state == "Failed"]
    assert failed_ops and failed_ops[-1].resource_name == firewall and code in failed_ops[-1].error
    assert [e.status for e in sink.of(StepFinished)] == [StepStatus.FAILED]
    assert_no_traceback(_operator_text(err.value, sink, ws))

    report = verify_session(ws.session.dir)
    assert report.ok, report.reason
    recorded = records_of(ws.session.dir, "deployment.failed", "hub")
    assert len(recorded) == 1
    error = recorded[0]["data"]["error"]
    assert error["code"] == "DeploymentFailed" and error["resource"] == failure.resource
    assert json.dumps(error).count(code) >= 1 and message in json.dumps(error)
    assert records_of(ws.session.dir, "step.failed", "hub")

    # resumable: the fault fired once; preview, approve and deploy again
    assert not ws.backend.faults.pending()
    retry = ws.runner("hub", poll_interval=0.01)
    with pytest.raises(Exception, match="Approve"):
        retry.deploy()
    retry.preview()
    retry.approve()
    assert retry.deploy()["firewall_private_ip"]
    assert ws.status_of("hub") == StepStatus.DONE
    assert load_state(ws.session.dir).steps["hub"].error is None
    hub = kinds(ws.session.dir, "hub")
    assert hub.count("deployment.started") == 2 and hub.count("deployment.succeeded") == 1
    assert hub.index("deployment.failed") < hub.index("deployment.succeeded")
    assert len(_hits(ws, "PUT")) == 2
    assert verify_session(ws.session.dir).ok


def test_slow_deployment_still_completes(ws: Workspace) -> None:
    ws.backend.faults.add(Fault(method="PUT", path_regex=_deployment_re(ws), kind="slow_lro", factor=4))
    sink = Recorder()
    assert _deploy_hub(ws, sink)["firewall_private_ip"]
    states = sink.deploy_states()
    assert "Running" in states and states[-1] == "Succeeded"
    assert states.index("Running") < states.index("Succeeded")
    # (how many polls see it Running depends on the machine's load: at least the one above)
    ops_seen = {op.state for e in sink.of(DeployProgress) for op in e.snapshot.operations}
    assert "Running" in ops_seen and "Succeeded" in ops_seen
    assert ws.status_of("hub") == StepStatus.DONE
