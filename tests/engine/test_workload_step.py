"""Step 10 (workload) against the rehearsal over real HTTPS: steps 2-9 deployed once
(``prepared_workspace``), then the manifests applied through run command, both rollouts, the
bypass probe that default-deny must refuse, and App Gateway's backend health. What was checked
against Azure's published behaviour: run command's 202 + Location and RunCommandResult
(managedClusters.json 2026-08-01), backendhealth as a long-running POST whose final state comes
from its Location (applicationGateway.json 2026-03-01); kubectl's and Gatekeeper's words are
the ones their projects print (tests/rehearsal/test_kube_workload_model.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from steps import workload_manifests as m
from tests.engine.flow import decide_and_check, journal, not_passing, records_of
from wizard.engine.arm import AzureCallFailed
from wizard.rehearsal.journal import REDACTED_TOKEN
from wizard.workspace import Workspace

EARLIER = ("tls-certificates", "identity", "policy", "hub", "jumpbox-image", "spoke", "cluster", "bootstrap")


def _commands(session_dir: Path) -> list[dict[str, Any]]:
    return [e for e in journal(session_dir) if e["path"].endswith("/runCommand")]


def _approved(ws: Workspace, **answers: Any):  # noqa: ANN202 - StepRunner
    runner = decide_and_check(ws, "workload", None, **answers)
    assert not_passing(runner) == {}, runner.state.checks
    before = len(_commands(ws.session.dir))
    preview = runner.preview()
    assert len(_commands(ws.session.dir)) == before, "nothing runs in the cluster before approval"
    runner.approve()
    return runner, preview


def test_defaults_apply_roll_out_refuse_the_bypass_and_the_gateway_sees_the_backend(prepared_workspace: Any) -> None:
    with prepared_workspace(EARLIER) as ws:
        runner, preview = _approved(ws)
        applied = [c for c in preview.changes if c.change_type == "Apply"]
        assert len(applied) == sum(len(docs) for docs in m.objects(m.WorkloadInputs(**_blank())).values())
        assert {c.name for c in applied} >= {"a0008", "traefik-ingress-controller", "aspnetapp-deployment",
                                              "default-deny-all", "aks-ingress-tls-secret-csi-akv"}
        runs = [c.name for c in preview.changes if c.change_type == "Run"]
        assert runs == ["rollout-traefik-ingress-controller", "rollout-aspnetapp-deployment", "bypass-refused"]
        outputs = runner.deploy()

        done = records_of(ws.session.dir, "run_command.completed", "workload")
        assert [r["data"]["key"] for r in done] == ["apply", "rollout-traefik-ingress-controller",
                                                    "rollout-aspnetapp-deployment", "bypass-refused"]
        apply = done[0]["data"]
        assert apply["exit_code"] == 0 and sorted(apply["files_sha256"]) == sorted(m.objects(m.WorkloadInputs(
            **_blank())))
        assert "deployment.apps/traefik-ingress-controller created" in apply["output"]
        import hashlib  # the reviewer's view: the manifests are in the audit, and they are what was hashed
        assert {n: hashlib.sha256(t.encode()).hexdigest() for n, t in apply["files"].items()} == apply["files_sha256"]
        # the images are the live/ copies step 9 imported, by digest
        images = ws.session.step("bootstrap").outputs["images"]
        sent = next(e for e in _commands(ws.session.dir) if e["request"]["command"] == "kubectl apply -f .")
        assert sent["request"]["clusterToken"] == REDACTED_TOKEN and sent["request"]["context"]
        assert done[3]["data"]["exit_code"] == 1 and "download timed out" in done[3]["data"]["output"]
        assert images["traefik"]["digest"] in done[3]["data"]["command"]

        checks = runner.state.checks
        assert checks["workload.bypass-refused"]["status"] == "pass", checks["workload.bypass-refused"]
        assert checks["workload.backend-health"]["status"] == "pass", checks["workload.backend-health"]
        assert "Healthy" in checks["workload.backend-health"]["summary"]
        # a real TLS request to the rehearsal's gateway front end, with SNI: step 2's certificate, the
        # app's page, and the WAF's 403 for the reference's SQL-injection test
        https = next(r for r in records_of(ws.session.dir, "check.result", "workload")
                     if r["data"]["check"] == "workload.https")["data"]["evidence"]
        assert https["status"] == 200 and https["served_sha256"] == https["expected_sha256"]
        assert https["title"] == "Home page - aspnetapp" and https["tls"] in ("TLSv1.2", "TLSv1.3")
        assert checks["workload.waf"]["status"] == "pass" and "403" in checks["workload.waf"]["summary"]
        host = ws.session.step("tls-certificates").outputs["public_host"]
        ip = ws.session.step("spoke").outputs["app_gateway_public_ip"]
        assert outputs["public_url"] == f"https://{host}/" and outputs["hosts_line"] == f"{ip} {host}"


def _blank() -> dict[str, Any]:
    return {"images": {"traefik": "x", "aspnetapp": "y"}, "ingress_ip": "", "ingress_subnet": "",
            "app_gateway_prefix": "", "cluster_prefixes": (), "backend_host": "", "vault_name": "", "tenant_id": "",
            "ingress_client_id": "", "ingress_tls_object": "", "ingress_service_account": ""}


def test_a_gateway_that_cannot_reach_the_ingress_is_named_with_the_probe_log(prepared_workspace: Any,
                                                                           monkeypatch: Any) -> None:
    """Without the rule that admits App Gateway's subnet, everything rolls out and the bypass is
    refused, but Azure's backend health reports the backend Unhealthy, and the check says why."""
    original = m.allow_app_gateway_to_ingress
    monkeypatch.setattr(m, "allow_app_gateway_to_ingress",  # our manifest builder, not the SDK
                        lambda i: {**original(i), "spec": {**original(i)["spec"], "ingress": []}})
    with prepared_workspace(EARLIER) as ws:
        runner, _ = _approved(ws)
        with pytest.raises(AzureCallFailed) as failed:
            runner.deploy()
        assert failed.value.failure.code == "VerificationFailed"
        health = runner.state.checks["workload.backend-health"]
        assert health["status"] == "fail" and "Unhealthy" in health["summary"]
        assert "dropped by network policy" in health["summary"]
        assert runner.state.checks["workload.bypass-refused"]["status"] == "pass"


def test_an_image_the_registry_lacks_stalls_the_rollout_and_the_kubelet_says_why(prepared_workspace: Any) -> None:
    with prepared_workspace(EARLIER) as ws:
        images = ws.session.step("bootstrap").outputs["images"]
        images["aspnetapp"]["image"] = images["aspnetapp"]["image"].replace(":aspnetapp", ":not-imported")
        runner, _ = _approved(ws)
        with pytest.raises(AzureCallFailed) as failed:
            runner.deploy()
        failure = failed.value.failure
        assert failure.code == "KubernetesCommandFailed"
        assert 'deployment "aspnetapp-deployment" exceeded its progress deadline' in failure.message
        assert "Failed to pull image" in failure.message and ":not-imported@" in failure.message
        assert "step 9" in failure.remedy
        keys = [r["data"]["key"] for r in records_of(ws.session.dir, "run_command.completed", "workload")]
        assert keys[-2:] == ["rollout-aspnetapp-deployment", "rollout-aspnetapp-deployment-diagnosis"]
        assert "bypass-refused" not in keys  # nothing after a failed command runs


def test_without_network_policies_the_bypass_probe_reaches_the_app_and_fails(prepared_workspace: Any,
                                                                            monkeypatch: Any) -> None:
    original = m.objects
    monkeypatch.setattr(m, "objects", lambda i: {k: v for k, v in original(i).items()
                                                 if k != "40-network-policies.yaml"})
    with prepared_workspace(EARLIER) as ws:
        runner, _ = _approved(ws)
        with pytest.raises(AzureCallFailed) as failed:
            runner.deploy()
        assert failed.value.failure.code == "InClusterCheckFailed"
        assert "bypassed the ingress controller" in failed.value.failure.message
        check = runner.state.checks["workload.bypass-refused"]
        assert check["status"] == "fail" and "40-network-policies.yaml" in check["remedy"]


def test_the_front_end_answers_only_its_listener_and_keeps_the_certificate_sealed(prepared_workspace: Any) -> None:
    """As App Gateway does: no listener for the SNI name, no TLS session; the WAF refuses only in
    Prevention mode. The listener PFX reached the rehearsal as a secure template parameter: the
    model file holds it sealed (AES-GCM, key in its own 0600 file), never in the clear."""
    import base64
    import ssl

    from checks import public_endpoint
    from steps.tls_material import LISTENER_PFX
    from wizard.engine.contract import StepContext
    from wizard.rehearsal.vault_data import KEY_FILE

    with prepared_workspace(EARLIER) as ws:
        runner, _ = _approved(ws)
        runner.deploy()
        ctx = runner.context()
        assert public_endpoint.request(ctx, "/").status == 200
        elsewhere = StepContext(ctx.step_id, ctx.answers, {**ctx.outputs, "tls-certificates": {
            **ctx.outputs["tls-certificates"], "public_host": "other.contoso.com"}}, ctx.mode, azure=ctx.azure)
        with pytest.raises(ssl.SSLError, match="(?i)unrecognized_name"):  # no listener for another host name
            public_endpoint.request(elsewhere, "/")

        model = ws.backend.model
        policy_id = ws.session.step("cluster").outputs["waf_policy_id"]
        with model.lock:  # as a redeploy of step 8 with the policy in Detection mode would leave it
            model.data["resources"][policy_id.lower()]["properties"]["policySettings"]["mode"] = "Detection"
        assert public_endpoint.request(ctx, public_endpoint.WAF_TEST).status == 200  # logged, not refused

        pfx = base64.b64encode(ws.session.secrets.get_bytes(LISTENER_PFX)).decode()
        state = ws.backend.state_dir
        assert pfx[:64] not in (state / "rehearsal-model.json").read_text()
        assert (state / KEY_FILE).stat().st_mode & 0o777 == 0o600


def test_turning_run_command_off_is_one_previewed_change_made_last(prepared_workspace: Any) -> None:
    """The closing decision: the cluster, as AKS reports it (read-only properties left out as
    the SDK's model marks them for 2026-08-01), PUT back through ARM with only
    ``apiServerAccessProfile.disableRunCommand`` changed. What-if shows that single Modify (and
    the cluster's group unchanged, its provenance tags kept), it runs after the probe, and
    afterwards run command is refused in Azure's words, so step 10's own check says it is off."""
    with prepared_workspace(EARLIER) as ws:
        runner, preview = _approved(ws, run_command_after="disable")
        cluster_id = ws.session.step("cluster").outputs["cluster_id"]
        modified = [c for c in preview.changes if c.change_type == "Modify"]
        assert [c.resource_id.lower() for c in modified] == [cluster_id.lower()], preview.changes
        assert [(d.path, d.before, d.after) for d in modified[0].deltas] == [
            ("properties.apiServerAccessProfile.disableRunCommand", False, True)]
        group = next(c for c in preview.changes if c.resource_type == "Microsoft.Resources/resourceGroups")
        assert group.change_type == "NoChange", group
        before_put = [e for e in journal(ws.session.dir) if e["method"] == "PUT" and "workload-run-command" in e["path"]]
        assert before_put == [], "nothing is written to Azure before the approval"

        outputs = runner.deploy()
        keys = [r["data"]["key"] for r in records_of(ws.session.dir, "run_command.completed", "workload")]
        assert keys[-1] == "bypass-refused", "every command ran while run command was on"
        assert outputs["run_command"] == "off"
        assert runner.state.checks["workload.run-command-off"]["status"] == "pass"
        made = {r["id"].lower(): r["existed_before"] for r in runner.state.deployment.resources}
        assert made.get(cluster_id.lower()) is True, "the cluster is step 8's: cleanup must not count it twice"

        again = decide_and_check(ws, "workload", None, run_command_after="keep")
        assert again.state.checks["workload.run-command"]["status"] == "fail"
        assert "--enable-run-command" in again.state.checks["workload.run-command"]["remedy"]


def test_a_cluster_update_that_changes_what_aks_fixes_at_creation_is_refused(prepared_workspace: Any,
                                                                            monkeypatch: Any) -> None:
    """AKS refuses a PUT that changes dnsPrefix on an existing cluster with PropertyChangeNotAllowed
    and the property as target (the 2026 response Azure/terraform-azurerm-avm-res-containerservice-
    managedcluster#166 quotes); the wizard names the cluster, Azure's code and message."""
    from steps import workload_run_command as wrc

    original = wrc.current_cluster

    def renamed(ctx: Any) -> dict[str, Any]:
        body = original(ctx)
        body["properties"]["dnsPrefix"] = "renamed"
        return body

    monkeypatch.setattr(wrc, "current_cluster", renamed)  # our template's input, not the SDK
    with prepared_workspace(EARLIER) as ws:
        runner, _ = _approved(ws, run_command_after="disable")
        with pytest.raises(AzureCallFailed) as failed:
            runner.deploy()
        inner = failed.value.failure.innermost()
        text = f"{inner.code} {inner.message}"
        assert "PropertyChangeNotAllowed" in text and "Changing property 'dnsPrefix' is not allowed." in text
        assert ws.session.step("cluster").outputs["cluster_name"] in failed.value.failure.resource
