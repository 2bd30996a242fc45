"""Step 9 (bootstrap) against the rehearsal over real HTTPS: every earlier step deployed once per
scenario (``prepared_workspace``), then the images through quarantine by digest, Flux through
ARM until Compliant, and the checks inside the private cluster through run command. The
scenarios where Docker Hub, Flux or Kubernetes RBAC refuse make the right part fail, with a
remedy, and a retry does not redo what was done."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from steps.bootstrap import DOCKER_HUB_TOKEN
from tests.engine.flow import Recorder, audit_records, decide_and_check, journal, not_passing, records_of
from wizard.engine.arm import AzureCallFailed
from wizard.engine.image_imports import RATE_LIMIT_REMEDY
from wizard.rehearsal.journal import REDACTED_PASSWORD, REDACTED_TOKEN
from wizard.rehearsal.source_registries import digest
from wizard.workspace import Workspace

EARLIER = ("tls-certificates", "identity", "policy", "hub", "jumpbox-image", "spoke", "cluster")


def _writes(session_dir: Path) -> list[dict[str, Any]]:
    return [e for e in journal(session_dir) if e["method"] in ("PUT", "POST", "DELETE")
            and ("/importImage" in e["path"] or "/deployments/bootstrap-" in e["path"] and "whatIf" not in e["path"]
                 and "validate" not in e["path"])]


def _approved(ws: Workspace, sink: Any = None, **answers: Any):  # noqa: ANN202 - StepRunner
    before = len(_writes(ws.session.dir))
    runner = decide_and_check(ws, "bootstrap", sink, **answers)
    assert not_passing(runner) == {}, runner.state.checks
    preview = runner.preview()
    assert len(_writes(ws.session.dir)) == before, "reads, validate and what-if only before approval"
    runner.approve()
    return runner, preview


def test_defaults_import_through_quarantine_enrol_flux_and_look_inside(prepared_workspace: Any) -> None:
    with prepared_workspace(EARLIER) as ws:
        runner, preview = _approved(ws)
        kinds = [(c.change_type, c.name) for c in preview.changes if c.change_type in ("Import", "Create", "Wait")]
        assert kinds == [("Import", "quarantine/library/traefik:v3.7.13"), ("Import", "live/library/traefik:v3.7.13"),
                         ("Import", "quarantine/dotnet/samples:aspnetapp"), ("Import", "live/dotnet/samples:aspnetapp"),
                         ("Create", "flux"), ("Create", "bootstrap"), ("Wait", "bootstrap")]
        outputs = runner.deploy()

        # each image: the source tag's digest, pinned into quarantine, promoted by that digest
        wanted = digest("docker.io/library/traefik:v3.7.13")
        assert outputs["images"]["traefik"]["digest"] == wanted
        assert outputs["images"]["traefik"]["image"].endswith(".azurecr.io/live/library/traefik:v3.7.13")
        imports = [e for e in journal(ws.session.dir) if e["path"].endswith("/importImage")]
        assert [e["request"]["targetTags"] for e in imports][:2] == [["quarantine/library/traefik:v3.7.13"],
                                                                    ["live/library/traefik:v3.7.13"]]
        assert imports[0]["request"]["source"] == {"registryUri": "docker.io",
                                                   "sourceImage": f"library/traefik@{wanted}"}
        assert imports[1]["request"]["source"]["sourceImage"] == f"quarantine/library/traefik@{wanted}"
        assert imports[1]["request"]["source"]["resourceId"] == ws.session.step("cluster").outputs["registry_id"]
        imported = records_of(ws.session.dir, "image.imported", "bootstrap")
        assert {(r["data"]["stage"], r["data"]["digest"]) for r in imported if r["data"]["image"] == "traefik"} == \
            {("quarantine", wanted), ("live", wanted)}

        # Flux: the extension with only the controllers a bootstrap needs, then Compliant
        put = next(e for e in journal(ws.session.dir) if e["method"] == "PUT" and "/deployments/bootstrap-" in e["path"])
        sent = json.dumps(put["request"])
        assert '"extensionType": "microsoft.flux"' in sent and '"helm-controller.enabled": "false"' in sent
        assert '"path": "./cluster-manifests"' in sent and '"prune": true' in sent
        assert outputs["flux_state"] == "Compliant"
        states = [r["data"]["state"] for r in records_of(ws.session.dir, "wait.state", "bootstrap")]
        assert states and states[-1] == "Compliant"  # Pending before it, unless Flux settled by the first read

        # inside the cluster, as the operator, with the evidence kept
        checks = runner.state.checks
        for check in ("bootstrap.nodes", "bootstrap.namespaces", "bootstrap.constraint-templates", "bootstrap.access"):
            assert checks[check]["status"] == "pass", (check, checks[check])
        assert "npsystem 3 (zones 1, 2, 3)" in checks["bootstrap.nodes"]["summary"]
        assert "a0008, cluster-baseline-settings" in checks["bootstrap.namespaces"]["summary"]
        access = next(r for r in records_of(ws.session.dir, "check.result", "bootstrap")
                      if r["data"]["check"] == "bootstrap.access")
        assert access["data"]["evidence"]["command"] == "kubectl auth can-i '*' '*' --all-namespaces"
        assert access["data"]["evidence"]["output"] == "yes\n" and access["data"]["evidence"]["exit_code"] == 0

        # the operator's Kubernetes token went to AKS and nowhere else
        commands = [e for e in journal(ws.session.dir) if e["path"].endswith("/runCommand")]
        assert len(commands) == 4 and all(e["request"]["clusterToken"] == REDACTED_TOKEN for e in commands)


def test_a_retry_after_a_failed_check_repeats_nothing(prepared_workspace: Any) -> None:
    """Verification fails when the operator is not in the admin group (the reference's B#146);
    after they join, deploying again only verifies: no import and no deployment repeats."""
    with prepared_workspace(EARLIER, identity={"add_me": False}) as ws:
        runner, _ = _approved(ws)
        try:
            runner.deploy()
            raise AssertionError("verification should fail")
        except AzureCallFailed as exc:
            assert exc.failure.code == "VerificationFailed"
            assert "not a member of the cluster-admin group" in exc.failure.remedy
            assert "nodes is forbidden" in exc.failure.message
        writes = len(_writes(ws.session.dir))
        group = ws.session.step("identity").outputs["admin_group_id"]
        me = ws.azure.actor().object_id
        ws.azure.graph().post(f"groups/{group}/members/$ref",
                              {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{me}"})
        runner.approve()
        runner.deploy()
        assert len(_writes(ws.session.dir)) == writes, "the images and Flux are kept, not redone"
        assert runner.state.checks["bootstrap.access"]["status"] == "pass"


def test_docker_hub_limit_names_the_remedy_then_credentials_get_through(prepared_workspace: Any,
                                                                        monkeypatch: Any) -> None:
    with prepared_workspace(EARLIER, "docker-hub-rate-limit") as ws:
        runner, _ = _approved(ws)
        try:
            runner.deploy()
            raise AssertionError("an anonymous docker.io import should be refused")
        except AzureCallFailed as exc:
            assert "pull rate limit" in exc.failure.message and exc.failure.remedy == RATE_LIMIT_REMEDY
            assert exc.failure.resource == "docker.io/library/traefik:v3.7.13"
        failed = records_of(ws.session.dir, "image.import_failed", "bootstrap")
        assert failed and failed[0]["data"]["credentials"] == "anonymous"

        runner, _ = _approved(ws, docker_hub_user="learner", docker_hub_token="dckr_pat_rehearsal_0123456789")
        outputs = runner.deploy()
        assert set(outputs["images"]) == {"traefik", "aspnetapp"}
        assert ws.session.secrets.get(DOCKER_HUB_TOKEN) == "dckr_pat_rehearsal_0123456789"
        given = [e for e in journal(ws.session.dir) if e["path"].endswith("/importImage")
                 and (e["request"]["source"].get("credentials"))]
        assert given and all(e["request"]["source"]["credentials"] == {"username": "learner",
                                                                       "password": REDACTED_PASSWORD} for e in given)
        text = (ws.session.dir / "audit.jsonl").read_text() + (ws.session.dir / "state.json").read_text()
        assert "dckr_pat_rehearsal_0123456789" not in text


def test_flux_stuck_non_compliant_names_the_failing_object(prepared_workspace: Any) -> None:
    with prepared_workspace(EARLIER, "flux-stuck") as ws:
        runner, _ = _approved(ws, flux_timeout_minutes=2)
        try:
            runner.deploy()
            raise AssertionError("Flux never complies in this scenario")
        except AzureCallFailed as exc:
            assert exc.failure.code == "FluxComplianceNotSettled"
            assert "Kustomization flux-system/bootstrap-unified" in exc.failure.message
            assert "health check failed" in exc.failure.message and "key e" in exc.failure.remedy
        assert any(r["kind"] == "part.completed" and r["data"]["part"] == "images" for r in audit_records(
            ws.session.dir))


def test_an_unknown_path_never_complies(prepared_workspace: Any) -> None:
    with prepared_workspace(EARLIER) as ws:
        runner, _ = _approved(ws, repository_path="./no-such-folder", flux_timeout_minutes=2, expected_namespaces="")
        try:
            runner.deploy()
            raise AssertionError("a path the repository lacks cannot comply")
        except AzureCallFailed as exc:
            assert "kustomization path not found" in exc.failure.message


def test_run_command_refuses_without_a_cluster_token(prepared_workspace: Any) -> None:
    """What AKS answers an Entra cluster's run command without a token (checked against
    Azure/azure-rest-api-specs#22480: MissingAADClusterToken), through the real SDK."""
    from azure.core.exceptions import HttpResponseError
    from azure.mgmt.containerservice.models import RunCommandRequest

    with prepared_workspace(EARLIER) as ws:
        cluster = ws.session.step("cluster").outputs
        rg, name = cluster["resource_group"], cluster["cluster_name"]
        try:
            ws.azure.container_service().managed_clusters.begin_run_command(
                rg, name, RunCommandRequest(command="kubectl get nodes")).result()
            raise AssertionError("AKS refuses a run command without the cluster token")
        except HttpResponseError as exc:
            assert exc.error is not None and exc.error.code == "MissingAADClusterToken"


def test_the_azure_checks_fail_on_what_would_stop_the_step(make_ctx: Any) -> None:
    """Reader cannot import or run commands; an unregistered Microsoft.KubernetesConfiguration
    stops the Flux deployment before it starts (with the register fix)."""
    from steps.bootstrap import BOOTSTRAP
    from wizard.engine.contract import CheckStatus

    def check(check_id: str, scenario: str) -> Any:
        return next(c for c in BOOTSTRAP.checks if c.id == check_id).run(make_ctx(scenario, step_id="bootstrap"))

    assert check("bootstrap.rights", "reader-only").status is CheckStatus.FAIL
    assert check("bootstrap.rights", "default").status is CheckStatus.PASS
    unregistered = check("bootstrap.providers", "unregistered-provider")
    assert unregistered.status is CheckStatus.FAIL and "Microsoft.KubernetesConfiguration" in unregistered.summary


def test_verification_fails_on_a_missing_namespace_and_on_no_constraint_templates(prepared_workspace: Any) -> None:
    with prepared_workspace(EARLIER) as ws:
        runner, _ = _approved(ws, expected_namespaces="a0008, a0042")
        # the Azure Policy add-on switched off behind the wizard's back: Gatekeeper has nothing
        cluster_id = ws.session.step("cluster").outputs["cluster_id"]
        model = ws.backend.model
        with model.lock:
            stored = model.data["resources"][cluster_id.lower()]
            stored["properties"]["addonProfiles"]["azurepolicy"]["enabled"] = False
        try:
            runner.deploy()
            raise AssertionError("verification should fail")
        except AzureCallFailed as exc:
            assert "Flux has not created a0042" in exc.failure.message
            assert "no constraint templates" in exc.failure.message
        assert runner.state.checks["bootstrap.nodes"]["status"] == "pass"
