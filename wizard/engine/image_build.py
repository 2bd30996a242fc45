"""Carrying out an image build: the step's ARM deployment (build network, identity, roles,
firewall rules, the Image Builder template), then the template's ``run`` action, followed
until the image is distributed.

The run is one POST (``virtual_machine_image_templates.begin_run`` of azure-mgmt-imagebuilder;
reference/facts-2026-12.md §7); its progress is the template's ``lastRunStatus`` (run state,
sub-state, message), which is also how a resumed session finds a build already under way, so
it never starts a second one. The step's state records each stage (``deployed``,
``submitting``, ``running``, then ``succeeded`` or ``failed``) before the call that moves it
on; a kill -9 anywhere resumes at the right stage. The image the build makes is the
session's: it is added to the deployment's created-resource records for cleanup."""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any, Mapping

from wizard.azure.errors import AzureFailure
from wizard.engine.arm import AzureCallFailed, call
from wizard.engine.arm_step import ArmStep
from wizard.engine.contract import ImageBuild, PlannedChange, Preview, StepContext
from wizard.engine.events import ActionProgress, Notice
from wizard.session.state import UNFINISHED_OPERATIONS
from wizard.session.store import utc_now

if TYPE_CHECKING:  # pragma: no cover
    from wizard.engine.runner import StepRunner

KEY = "image-build"
SKEW = dt.timedelta(minutes=2)
DONE_STATES = ("Succeeded", "PartiallySucceeded", "Failed", "Canceled")
# Where each sub-state begins, as a share of a typical build: the customisation (package
# upgrade and tools) is most of it; distributing a managed image takes a few minutes.
STAGE_START = {"Queued": 0.0, "Building": 0.05, "Customizing": 0.2, "Optimizing": 0.75, "Validating": 0.8,
               "Distributing": 0.85}
STAGE_WORDS = {"Queued": "queued", "Building": "building the VM", "Customizing": "customizing (installing tools)",
               "Optimizing": "optimizing", "Validating": "validating", "Distributing": "distributing the image"}


def _parts(rid: str) -> tuple[str, str]:
    """(resource group, name) of an image template id."""
    pieces = rid.split("/")
    return pieces[4], pieces[-1]


def _since(stamp: str) -> float:
    try:
        return max(time.time() - dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp(), 0.0)
    except ValueError:
        return 0.0


def _began_after(status: Mapping[str, Any], op: Mapping[str, Any]) -> bool:
    """The template's last run began after we asked for ours (less a margin for clock skew
    between this machine and Azure's): it is ours."""
    try:
        began = dt.datetime.fromisoformat(str(status.get("startTime") or "").replace("Z", "+00:00"))
        asked = dt.datetime.fromisoformat(str(op.get("started_at") or "").replace("Z", "+00:00"))
    except ValueError:
        return False
    return began >= asked - SKEW


def _run_seconds(status: Mapping[str, Any], fallback: float) -> float:
    """How long the run has gone on (or went on, once it has an end time), by Azure's stamps."""
    try:
        start = dt.datetime.fromisoformat(str(status["startTime"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return fallback
    if status.get("endTime"):
        try:
            end = dt.datetime.fromisoformat(str(status["endTime"]).replace("Z", "+00:00"))
            return max((end - start).total_seconds(), 0.0)
        except ValueError:
            pass
    return _since(str(status["startTime"]))


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


class ImageBuildStep:
    """One step's image build, driven by its runner."""

    def __init__(self, runner: "StepRunner", action: ImageBuild) -> None:
        self.runner = runner
        self.action = action
        self.arm = ArmStep(runner, action.deployment)

    @property
    def name(self) -> str:
        return self.arm.name

    # -- preview ---------------------------------------------------------------------------
    def preview(self, ctx: StepContext) -> Preview:
        if not self.action.wanted(ctx.answers):
            return Preview((), notes=("Nothing is deployed for this choice; approving records your decisions and "
                                      "hands them to the cluster step.",))
        shown = self.arm.preview(ctx)
        template_id, image_id = self.action.template_id(ctx), self.action.image_id(ctx)
        minutes = self.action.expected_minutes
        run = PlannedChange("Run", f"{template_id}/run", "Microsoft.VirtualMachineImages/imageTemplates/run",
                            template_id.rsplit("/", 1)[-1], reason=f"after the deployment: the image build, about "
                            f"{minutes} minutes; Image Builder makes a temporary IT_… resource group for it")
        image = PlannedChange("Create", image_id, "Microsoft.Compute/images", image_id.rsplit("/", 1)[-1],
                              reason="made by the build, not by the deployment (what-if cannot see it)")
        note = (f"The build runs after the deployment, for about {minutes} minutes; you can start other steps "
                "meanwhile. What-if cannot preview a build: its result is the image listed above.")
        return Preview(shown.changes + (run, image), shown.template_sha256, shown.parameters_sha256,
                       notes=(note,) + shown.notes, correlation_id=shown.correlation_id)

    # -- deploy ----------------------------------------------------------------------------
    def deploy(self, ctx: StepContext) -> dict[str, Any]:
        if not self.action.wanted(ctx.answers):
            return self.action.outputs_without_build(ctx)
        runner = self.runner
        op = runner.state.operations.get(KEY)
        resuming = op is not None and op.get("deployment") == self.name and op.get("status") in UNFINISHED_OPERATIONS
        if not resuming:  # a first attempt, or a retry: the deployment is idempotent, the template kept
            outputs = self.arm.deploy(ctx)  # submits, or re-attaches to, the step's deployment
            op = {"status": "deployed", "deployment": self.name, "outputs": outputs,
                  "template_id": self.action.template_id(ctx), "image_id": self.action.image_id(ctx)}
            runner.state.operations[KEY] = op
            runner.session.save()
        else:
            assert op is not None
            runner.sink(Notice(runner.step.id, "The deployment finished before; following the image build."))
        final = self._run(op)
        return self._finish(op, final)

    def _run(self, op: dict[str, Any]) -> dict[str, Any]:
        """Start the build unless one of ours is under way, then follow it to its end."""
        runner, azure = self.runner, self.runner.azure
        assert azure is not None
        step_id, templates = runner.step.id, azure.image_builder().virtual_machine_image_templates
        rg, name = _parts(str(op["template_id"]))
        current = self._status(rg, name)
        if op.get("status") == "running" or (op.get("status") == "submitting" and _began_after(current, op)):
            if op.get("status") == "submitting" and not any(  # stopped between the POST and its record
                    r.kind == "image_build.started" and r.data.get("template") == op["template_id"]
                    for r in runner.session.audit.records()):
                runner.session.record("image_build.started", step_id, {
                    "template": op["template_id"], "image": op["image_id"], "deployment": op["deployment"],
                    "recorded_on_resume": True})
            runner.session.record("image_build.reattached", step_id, {"template": op["template_id"],
                                                                      "run_state": current.get("runState")})
            runner.sink(Notice(step_id, f"Re-attached to the image build of {name}; not started again."))
            op["status"] = "running"
        else:
            op.update(status="submitting", started_at=utc_now())
            runner.session.save()  # before the POST: a crash now finds the build by its start time
            call(name, templates.begin_run, rg, name, polling=False)
            op["status"] = "running"
            runner.session.record("image_build.started", step_id, {
                "template": op["template_id"], "image": op["image_id"], "deployment": op["deployment"]})
        runner.session.save()
        while True:
            current = self._status(rg, name)
            state = str(current.get("runState") or "Running")
            self._progress(op, current)
            if state in DONE_STATES and _began_after(current, op):  # not the previous run's end
                return current
            time.sleep(runner.poll_interval)

    def _status(self, rg: str, name: str) -> dict[str, Any]:
        azure = self.runner.azure
        assert azure is not None
        template = call(name, azure.image_builder().virtual_machine_image_templates.get, rg, name)
        status = template.as_dict().get("properties", {}).get("lastRunStatus") or {}
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in status.items()}

    def _progress(self, op: Mapping[str, Any], status: Mapping[str, Any]) -> None:
        sub = str(status.get("runSubState") or "Queued")
        state = str(status.get("runState") or "Running")
        azure_s = _run_seconds(status, _since(str(op.get("started_at") or utc_now())))
        expected = self.action.expected_minutes * 60.0
        floor = STAGE_START.get(sub, 0.0)
        ceiling = min((v for v in STAGE_START.values() if v > floor), default=0.99)
        build = 1.0 if state == "Succeeded" else max(floor, min(azure_s / expected, ceiling - 0.01))
        share = self.action.deployment_share  # the deployment filled the bar up to here
        words = "the image is ready" if state == "Succeeded" else STAGE_WORDS.get(sub, sub.lower())
        if state not in ("Running", "Succeeded"):
            words = f"stopped while {STAGE_WORDS.get(sub, sub.lower())}"
        # lastRunStatus has no duration (only startTime): the clock is the wall clock since
        # Azure started the run. A rehearsal compresses the build to seconds, so the typical
        # duration is named as Azure's, not set against the rehearsal's clock.
        minutes = self.action.expected_minutes
        rehearsal = self.runner.session.mode == "rehearsal"
        if state == "Succeeded":
            detail = f"built in {clock(azure_s)}" + (f" here; about {minutes} min in Azure" if rehearsal else "")
        elif rehearsal:
            detail = f"{clock(azure_s)} since the build started; about {minutes} min in Azure, seconds in a rehearsal"
        else:
            detail = f"{clock(azure_s)} since the build started; a build takes about {minutes} min"
        self.runner.sink(ActionProgress(self.runner.step.id, f"Image build {state.lower()}: {words}",
                                        share + (1.0 - share) * build, detail=detail))

    def _finish(self, op: dict[str, Any], status: Mapping[str, Any]) -> dict[str, Any]:
        runner, step_id = self.runner, self.runner.step.id
        state = str(status.get("runState"))
        if state != "Succeeded":
            op["status"] = "failed"
            message = str(status.get("message") or f"The image build ended {state}.")
            failure = AzureFailure(f"ImageBuild{state}", message, str(op["template_id"]).rsplit("/", 1)[-1],
                                   "Read the build log in the IT_… resource group's storage account (customization.log); "
                                   "fix the cause, then run the step again (key d; headless: run the step again): "
                                   "the template is kept and only the build runs again.")
            runner.session.record("image_build.failed", step_id, {"template": op["template_id"], "run_state": state,
                                                                  "message": message})
            runner.session.save()
            raise AzureCallFailed(failure)
        op["status"] = "succeeded"
        made = {"id": op["image_id"], "type": "Microsoft.Compute/images", "existed_before": False,
                "made_by": "the image build"}
        dep = runner.state.deployment
        if dep is not None and all(r.get("id", "").lower() != made["id"].lower() for r in dep.resources):
            dep.resources.append(made)
        runner.session.record("image_build.succeeded", step_id, {
            "template": op["template_id"], "image": op["image_id"], "started": status.get("startTime"),
            "ended": status.get("endTime"), "resources": [made]})
        runner.session.save()
        return dict(op.get("outputs") or {})
