"""The workload step without Azure: its validator, the checks that need no Azure (each with an
input that makes it fail), and how the bypass probe's outcome is judged."""

from __future__ import annotations

from typing import Any

import pytest

from steps import workload
from steps.workload import WORKLOAD, judge_bypass
from tests.unit.test_workload_manifests import DIGEST
from wizard.engine.contract import CheckStatus, StepContext
from wizard.engine.run_command import CommandOutcome

OUTPUTS = {
    "cluster": {"cluster_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/"
                              "managedClusters/aks-1", "registry_name": "acraks1", "key_vault_name": "kv-1",
                "ingress_client_id": "c", "ingress_service_account": "traefik-ingress-controller",
                "ingress_tls_object": "ingress-tls", "run_command": True, "app_gateway_id": "gw"},
    "spoke": {"ingress_ip": "10.240.4.4", "app_gateway_public_ip": "20.1.2.3",
              "subnet_prefixes": {"snet-applicationgateway": "10.240.5.0/24", "snet-clusternodes": "10.240.0.0/22"}},
    "tls-certificates": {"backend_host": "bu0001a0008-00.aks-ingress.contoso.com", "public_host": "bicycle.contoso.com"},
    "prerequisites": {"tenant_id": "t"},
    "bootstrap": {"images": {
        "traefik": {"image": "acraks1.azurecr.io/live/library/traefik:v3.7.13", "digest": DIGEST},
        "aspnetapp": {"image": "acraks1.azurecr.io/live/dotnet/samples:aspnetapp", "digest": DIGEST}}},
}
ANSWERS = {"rollout_timeout_minutes": 5, "run_command_after": "keep", "run_command_reason": "why"}


def _ctx(**outputs: Any) -> StepContext:
    return StepContext("workload", ANSWERS, {**OUTPUTS, **outputs}, "rehearsal")


def _check(check_id: str, ctx: StepContext) -> Any:
    return next(c for c in WORKLOAD.checks if c.id == check_id).run(ctx)


def test_the_rollout_wait_is_bounded() -> None:
    validators = WORKLOAD.field("rollout_timeout_minutes").validators
    assert any(v(0, _ctx()) for v in validators) and any(v(45, _ctx()) for v in validators)
    assert not any(v(5, _ctx()) for v in validators)


def test_every_local_check_passes_on_the_earlier_steps_outputs() -> None:
    for check_id in ("workload.inputs", "workload.run-command", "workload.images", "workload.manifests"):
        assert _check(check_id, _ctx()).status is CheckStatus.PASS, check_id


def test_a_missing_output_names_its_step() -> None:
    finding = _check("workload.inputs", _ctx(spoke={**OUTPUTS["spoke"], "ingress_ip": ""}))
    assert finding.status is CheckStatus.FAIL and "spoke.ingress_ip" in finding.summary


def test_an_image_that_skipped_quarantine_fails_both_image_checks() -> None:
    images = {**OUTPUTS["bootstrap"]["images"], "aspnetapp": {"image": "mcr.microsoft.com/dotnet/samples:aspnetapp",
                                                              "digest": DIGEST}}
    ctx = _ctx(bootstrap={"images": images})
    assert _check("workload.images", ctx).status is CheckStatus.FAIL
    # MCR is allowed by step 8's regex, so the manifests check passes it: quarantine is the images check's job
    assert _check("workload.manifests", ctx).status is CheckStatus.PASS
    docker = _ctx(bootstrap={"images": {**images, "aspnetapp": {"image": "docker.io/library/nginx", "digest": DIGEST}}})
    manifests = _check("workload.manifests", docker)
    assert manifests.status is CheckStatus.FAIL and "docker.io/library/nginx@" in manifests.summary
    missing = _check("workload.images", _ctx(bootstrap={"images": {"traefik": images["traefik"]}}))
    assert missing.status is CheckStatus.FAIL and "aspnetapp" in missing.summary


def test_run_command_off_fails() -> None:
    assert _check("workload.run-command", _ctx(cluster={**OUTPUTS["cluster"], "run_command": False})).status \
        is CheckStatus.FAIL


def _outcome(code: int, logs: str) -> CommandOutcome:
    return CommandOutcome(command="kubectl run np-probe …", exit_code=code, logs=logs, state="succeeded")


@pytest.mark.parametrize("code, logs, status", [
    (1, 'wget: download timed out\npod "np-probe" deleted\n', CheckStatus.PASS),
    (0, "<title>Home page - aspnetapp</title>", CheckStatus.FAIL),  # the app answered: not isolated
    (1, "wget: bad address 'aspnetapp-service'\n", CheckStatus.FAIL),  # never got there: proves nothing
    (1, 'Error from server (Forbidden): admission webhook "validation.gatekeeper.sh" denied the request', CheckStatus.FAIL),
])
def test_only_a_dropped_connection_proves_the_bypass_is_refused(code: int, logs: str, status: CheckStatus) -> None:
    assert judge_bypass(_outcome(code, logs), _ctx()).status is status


def test_the_probe_pod_is_hardened_and_runs_the_imported_traefik_image() -> None:
    import json
    pod = json.loads(workload.probe_overrides(_ctx()))
    container = pod["spec"]["containers"][0]
    assert pod["apiVersion"] == "v1" and container["image"].endswith("@" + DIGEST)
    assert container["securityContext"]["runAsNonRoot"] and container["resources"]["limits"]
    assert container["command"][0] == "wget" and pod["spec"]["nodeSelector"] == {"agentpool": "npuser01"}


def test_the_in_cluster_probe_is_listed_with_the_checks_that_follow_the_deployment() -> None:
    from wizard.engine.check_catalog import after_deployment, judged_checks

    assert [c.id for c in judged_checks(WORKLOAD)] == ["workload.bypass-refused"]
    assert [c.id for c in after_deployment(WORKLOAD)] == ["workload.bypass-refused", "workload.backend-health",
                                                          "workload.https", "workload.waf",
                                                          "workload.run-command-off"]
    from steps.hub import HUB
    assert judged_checks(HUB) == ()  # an ARM step judges nothing while it runs
