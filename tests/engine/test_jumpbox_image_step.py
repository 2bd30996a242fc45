"""Step 6 (jump box image) against the rehearsal over real HTTPS.

What the rehearsal holds Azure Image Builder to, and where it was checked: the template's
api-version 2025-10-01 (imagebuilder.json, stable); a PUT to an existing template is refused
with Conflict "Update/Upgrade of image templates is currently not supported" (MicrosoftDocs
image-builder-troubleshoot.md); the build's run state and sub-states are the spec's RunState and
RunSubState enums; a build whose identity may not write images fails only when it distributes
(mspnp/aks-jumpbox-imagebuilder README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from steps import jumpbox_template as tpl
from steps.jumpbox_image import JUMPBOX_IMAGE
from tests.engine.flow import (Recorder, audit_records, decide_and_check, deploy_step, finish_prerequisites, journal,
                               kinds, not_passing, open_workspace)
from wizard.engine.arm import AzureCallFailed
from wizard.engine.events import ActionProgress, DeployProgress
from wizard.workspace import Workspace


def _to_step(ws: Workspace, sink: Any = None, **answers: Any) -> Any:
    finish_prerequisites(ws)
    deploy_step(ws, "hub")
    return decide_and_check(ws, "jumpbox-image", sink, **answers)


def _requests(session_dir: Path, method: str, fragment: str) -> list[dict[str, Any]]:
    return [e for e in journal(session_dir) if e["method"] == method and fragment in e["path"].lower()]


def test_defaults_build_an_ubuntu_24_04_image_through_the_hub_firewall(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        runner = _to_step(ws)
        assert not_passing(runner) == {}, runner.state.checks
        puts = len(_requests(ws.session.dir, "PUT", "/deployments/"))
        preview = runner.preview()
        assert len(_requests(ws.session.dir, "PUT", "/deployments/")) == puts, "nothing deployed before approval"
        assert not _requests(ws.session.dir, "POST", "/run"), "no build before approval"
        planned = {c.change_type: c for c in preview.changes if c.change_type in ("Run", "Create")}
        assert planned["Run"].resource_type == "Microsoft.VirtualMachineImages/imageTemplates/run"
        assert any(c.resource_type == "Microsoft.Compute/images" for c in preview.changes)
        # ARM short-circuits the nested deployments that take the new identity's principal id
        # (reference()); the preview lists what they hold instead of two opaque deployments,
        # still as Unsupported, and says why once rather than once per diagnostic.
        held = {c.resource_type: c for c in preview.changes if c.change_type == "Unsupported"}
        assert "Microsoft.Resources/deployments" not in held
        assert {"Microsoft.Network/virtualNetworks", "Microsoft.Network/routeTables",
                "Microsoft.VirtualMachineImages/imageTemplates", "Microsoft.Authorization/roleAssignments"} <= set(held)
        assert "for the image builder identity" in held["Microsoft.Authorization/roleAssignments"].label
        roles = [c for c in preview.changes if c.resource_type == "Microsoft.Authorization/roleDefinitions"]
        assert roles and all(c.label.startswith("[Custom] ") for c in roles)  # a name, not a bare GUID
        assert sum("only when they run" in n for n in preview.notes) == 1, preview.notes
        assert not any(n.startswith(("ARM preflight: Nested", "What-if: Nested")) for n in preview.notes)
        runner.approve()
        outputs = runner.deploy()
        sent = json.dumps(_requests(ws.session.dir, "PUT", "/deployments/")[-1]["request"])
        assert '"apiVersion": "2025-10-01"' in sent and '"offer": "ubuntu-24_04-lts"' in sent
        assert "containerInstanceSubnetId" in sent and "Microsoft.ContainerInstance/containerGroups" in sent
        assert "proxyVmSize" not in sent, "no proxy VM: the container-instance subnet replaces it"
        assert "AksImageBuilderRuleCollectionGroup" in sent and "*.blob.core.windows.net" in sent
        assert "to_vnet-spoke-BU0001A0005-00" in sent and "to_vnet-eastus2-hub" in sent  # peered both ways
        assert len(_requests(ws.session.dir, "POST", "/imagetemplates/")) == 1, "one build"
        assert outputs["image_id"].endswith(f"/images/{tpl.image_name(runner.state.answers, ws.session.state.subscription_id)}")
        assert outputs["cloud_init"].startswith("#cloud-config") and outputs["users"] == ["opsuser01"]
        made = {r["type"] for r in runner.state.deployment.resources}
        assert {"Microsoft.Compute/images", "Microsoft.VirtualMachineImages/imageTemplates"} <= made
        assert [k for k in kinds(ws.session.dir, "jumpbox-image") if k.startswith("image_build")] == \
            ["image_build.started", "image_build.succeeded"]
        assert ws.session.step("jumpbox-image").checks["jumpbox.verify-image"]["status"] == "pass"


def test_a_builder_range_inside_the_hub_is_refused_on_its_field(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        deploy_step(ws, "policy")
        deploy_step(ws, "hub")
        runner = ws.runner("jumpbox-image")
        raw = {**runner.defaults(), "builder_address_space": "10.200.0.0/27"}
        errors = runner.submit_decisions(raw)
        assert "overlaps the hub's address space 10.200.0.0/24" in errors["builder_address_space"]
        assert runner.state.answers == {}, "nothing recorded while a field is wrong"


def test_the_build_reports_its_sub_states_as_it_goes(tmp_path: Path) -> None:
    sink = Recorder()
    with open_workspace(tmp_path, pace=2000.0) as ws:
        runner = _to_step(ws, sink)
        runner.preview()
        runner.approve()
        runner.deploy()
    words = " ".join(e.message for e in sink.of(ActionProgress))
    assert "building the VM" in words and "customizing" in words and "distributing the image" in words
    fractions = [e.fraction for e in sink.of(ActionProgress) if e.fraction is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    # one scale with the deployment: the build starts where the deployment's share ends
    share = JUMPBOX_IMAGE.action.deployment_share  # type: ignore[union-attr]
    assert 0.0 < share < 0.2 and fractions[0] >= share
    # the clock changes on every poll and lives in ``detail``; the message changes per sub-state only
    messages = [e.message for e in sink.of(ActionProgress)]
    assert all("since the build started" not in m for m in messages)
    details = [e.detail for e in sink.of(ActionProgress)]
    assert all("since the build started" in d and "seconds in a rehearsal" in d for d in details[:-1])
    assert details[-1].startswith("built in ") and "about 35 min in Azure" in details[-1]


def test_a_build_that_may_not_write_images_fails_at_the_end_and_a_retry_builds_again(tmp_path: Path) -> None:
    """The image right is removed once the deployment is done (as an admin tidying roles
    might): Image Builder fails only when it distributes. The retry redeploys (the right comes
    back; the template is not written again, which Image Builder would refuse) and builds."""
    removed: list[str] = []

    with open_workspace(tmp_path) as ws:
        model = ws.backend.model

        def revoke(event: Any) -> None:
            if isinstance(event, DeployProgress) and event.snapshot.state == "Succeeded" and not removed:
                with model.lock:
                    for rid, res in list(model.data["resources"].items()):
                        if res.get("type", "").lower() == "microsoft.authorization/roleassignments" and \
                                "/resourcegroups/rg-bu0001a0008/" in rid:
                            del model.data["resources"][rid]
                            removed.append(rid)

        runner = _to_step(ws, revoke)
        runner.preview()
        runner.approve()
        try:
            runner.deploy()
            raise AssertionError("the build should have failed")
        except AzureCallFailed as exc:
            assert exc.failure.code == "ImageBuildFailed" and "Microsoft.Compute/images/write" in exc.failure.message
            assert "customization.log" in exc.failure.remedy
        assert removed and runner.state.status == "failed"
        failed = [r for r in audit_records(ws.session.dir) if r["kind"] == "image_build.failed"]
        assert failed and failed[0]["data"]["run_state"] == "Failed"
        preview = runner.preview()
        assert not any(c.resource_type == "Microsoft.VirtualMachineImages/imageTemplates" and c.change_type == "Create"
                       for c in preview.changes), "the template exists: it is not written again"
        runner.approve()
        outputs = runner.deploy()
        assert outputs["image_id"] and len(_requests(ws.session.dir, "POST", "/imagetemplates/")) == 2


def test_rewriting_an_existing_template_is_refused_as_image_builder_does(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        runner = _to_step(ws)
        runner.preview()
        runner.approve()
        runner.deploy()
        model = ws.backend.model
        from wizard.rehearsal import image_builder

        template_id = ws.session.step("jumpbox-image").outputs["image_template_id"]
        existing = model.resource(template_id)
        refused = image_builder.write_error(template_id, existing, model.resource, existing)
        assert refused and refused["code"] == "Conflict" and "Update/Upgrade of image templates" in refused["message"]


def test_bastion_tunnelling_deploys_nothing_and_checks_the_bastion_sku(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        runner = _to_step(ws, access_mode="bastion-tunnel")
        assert runner.state.checks["jumpbox.bastion"]["status"] == "pass", runner.state.checks["jumpbox.bastion"]
        assert "jumpbox.base-image" not in runner.state.checks
        puts = len(_requests(ws.session.dir, "PUT", "/deployments/"))
        preview = runner.preview()
        assert preview.changes == ()
        runner.approve()
        outputs = runner.deploy()
        assert outputs["access_mode"] == "bastion-tunnel" and outputs["image_id"] == ""
        assert len(_requests(ws.session.dir, "PUT", "/deployments/")) == puts


def test_a_deprecated_base_image_fails_its_check(tmp_path: Path) -> None:
    with open_workspace(tmp_path, scenario="base-image-deprecated") as ws:
        runner = _to_step(ws)
        found = runner.state.checks["jumpbox.base-image"]
        assert found["status"] == "fail" and "deprecated" in found["summary"], found


class _Crash(Exception):
    """Stands for the process dying mid-build (the state on disk is what a kill leaves)."""


def test_a_session_that_stops_mid_build_follows_that_build_and_never_starts_a_second(tmp_path: Path) -> None:
    def crash_while_customizing(event: Any) -> None:
        if isinstance(event, ActionProgress) and "customizing" in event.message:
            raise _Crash()

    with open_workspace(tmp_path, pace=2000.0) as ws:
        runner = _to_step(ws, crash_while_customizing)
        runner.preview()
        runner.approve()
        try:
            runner.deploy()
            raise AssertionError("the sink should have stopped the build's follower")
        except _Crash:
            pass
        assert ws.session.step("jumpbox-image").operations["image-build"]["status"] == "running"
        again = ws.runner("jumpbox-image", Recorder(), poll_interval=0.01)
        assert again.needs_reattach()
        outputs = again.deploy()
        assert outputs["image_id"]
        assert len(_requests(ws.session.dir, "POST", "/imagetemplates/")) == 1, "the build was not started again"
        assert [k for k in kinds(ws.session.dir, "jumpbox-image") if k.startswith("image_build")] == \
            ["image_build.started", "image_build.reattached", "image_build.succeeded"]


def test_a_template_cannot_be_deleted_while_it_builds_and_its_staging_group_goes_with_it(tmp_path: Path) -> None:
    """OperationNotAllowed while running (danielsollondon/azvmimagebuilder#38); afterwards the
    delete removes the template and starts deleting Image Builder's IT_ group."""
    from wizard.engine.arm import call

    with open_workspace(tmp_path) as ws:
        runner = _to_step(ws)
        runner.preview()
        runner.approve()
        runner.deploy()
        template_id = ws.session.step("jumpbox-image").outputs["image_template_id"]
        resources = ws.azure.resources().resources
        model = ws.backend.model
        with model.lock:
            model.data["resources"][template_id.lower()]["properties"]["lastRunStatus"]["runState"] = "Running"
            model.data["builds"].pop(template_id.lower())
        try:
            call(template_id, resources.begin_delete_by_id, template_id, api_version=tpl.AIB_API).result()
            raise AssertionError("a running template must not be deleted")
        except AzureCallFailed as exc:
            assert exc.failure.code == "OperationNotAllowed"
        with model.lock:
            model.data["resources"][template_id.lower()]["properties"]["lastRunStatus"]["runState"] = "Succeeded"
        sub = ws.session.state.subscription_id
        staging = [g["name"] for g in model.resource_groups(sub) if g["name"].startswith("IT_rg-bu0001a0008_imgt-")]
        assert len(staging) == 1
        call(template_id, resources.begin_delete_by_id, template_id, api_version=tpl.AIB_API).result()
        assert model.resource(template_id) is None
        left = model.resource_group(sub, staging[0])
        assert left is None or left["properties"]["provisioningState"] == "Deleting"
