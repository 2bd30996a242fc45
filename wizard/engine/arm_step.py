"""Carrying out a step's ARM deployment: preview (validate + what-if), then, once approved,
submit, follow and record what it made.

Nothing here writes to Azure before approval: the preview is a subscription-scoped validate
and what-if of the composed template (``arm_template``), which create nothing; the resource
groups are resources of the approved deployment itself. Every write is audited with its
correlation id, and the resources a deployment made are recorded (with whether they existed
before) so cleanup can remove exactly what the session created."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from typing import TYPE_CHECKING, Any, Mapping

from wizard.azure.errors import AzureFailure
from wizard.engine import arm, nested_preview, secure_preview
from wizard.engine.arm import AzureCallFailed
from wizard.engine.arm_template import PROVENANCE, Composed, compose, group_outputs
from wizard.engine.contract import ArmDeployment, Preview, StepContext
from wizard.engine.events import DeployProgress, DeploySnapshot, Notice, OperationState
from wizard.session.secrets import fingerprint
from wizard.session.state import DeploymentRecord, StepStatus
from wizard.session.store import utc_now

if TYPE_CHECKING:  # pragma: no cover
    from wizard.engine.runner import StepRunner

TERMINAL = ("Succeeded", "Failed", "Canceled")
BUSY = "AnotherOperationInProgress"
# Failures that are a wait, not a fault: submitting the same approved template again succeeds
# once the cause has passed. Each with what the operator is told.
RETRYABLE = {
    BUSY: "another deployment is changing it",
    # A role assignment for an identity made seconds earlier, before Entra ID replicated it
    # (mspnp/aks-baseline PR #56; principalType makes it rare, not impossible).
    "PrincipalNotFound": "Entra ID has not replicated the new identity yet",
}
BUSY_RETRIES = 3
BUSY_WAIT_S = 60.0
WHAT_IF_NOTE = ("What-if can report changes that will not happen (noise); it cannot see changes made outside ARM.")


class ArmStep:
    """One step's deployment, driven by its runner (session, state, sink, Azure)."""

    def __init__(self, runner: "StepRunner", action: ArmDeployment) -> None:
        self.runner = runner
        self.action = action
        self.last_ops: tuple[OperationState, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.action.deployment_base_name}-{self.runner.session.short_id}"

    def composed(self, ctx: StepContext) -> Composed:
        """The step's template. A group that exists keeps its own tags beside the wizard's:
        a group's PUT replaces its tags, and an operator's (or a policy's) must survive."""
        tags = dict(zip(PROVENANCE, (self.runner.session.id, self.runner.step.id)))
        if self.action.tags:
            tags.update(self.action.tags(ctx))
        return compose(self.action, ctx, self.name, tags, self._existing_tags(ctx))

    def _existing_tags(self, ctx: StepContext) -> dict[str, dict[str, str]]:
        azure = self.runner.azure
        assert azure is not None
        groups = azure.resources().resource_groups
        out: dict[str, dict[str, str]] = {}
        for group in (g for g in self.action.groups if g.included(ctx)):
            name = group.resource_group(ctx)
            try:
                found = arm.call(name, groups.get, name)
            except AzureCallFailed as exc:
                if exc.failure.status == 404:
                    continue
                raise
            out[name] = dict(found.tags or {})
        return out

    # -- preview ---------------------------------------------------------------------------
    def preview(self, ctx: StepContext) -> Preview:
        azure = self.runner.azure
        assert azure is not None, "an ARM step needs an Azure session"
        c = self.composed(ctx)
        sink, step_id = self.runner.sink, self.runner.step.id
        correlation = str(uuid.uuid4())  # one id for the preview's validate and what-if, as ARM logs them
        sink(Notice(step_id, f"Validating {self.name} with ARM (at subscription scope; nothing is created)…"))
        validated = arm.validate(azure, c.location, self.name, c.template, c.parameters, correlation)
        sink(Notice(step_id, "Asking ARM what would change (what-if)…"))
        changes, what_if_notes = arm.what_if(azure, c.location, self.name, c.template, c.parameters, correlation)
        changes, referenced = nested_preview.expand(changes, c.template, self.name)
        changes = secure_preview.mask(changes, (str(c.parameters[name]) for name in c.secure if name in c.parameters))
        notes = nested_preview.notes(validated.diagnostics, what_if_notes, referenced) + [WHAT_IF_NOTE]
        return Preview(changes, arm.sha256_json(c.template), arm.sha256_json(c.parameters), notes=tuple(notes),
                       correlation_id=correlation)

    # -- deploy ----------------------------------------------------------------------------
    def deploy(self, ctx: StepContext) -> dict[str, Any]:
        c = self.composed(ctx)
        for attempt in range(1, BUSY_RETRIES + 2):
            self._attach_or_submit(c)
            final = self._follow(_expected(c.template))
            busy = [o for o in self.last_ops if o.state == "Failed" and o.error.split(":", 1)[0] in RETRYABLE]
            if final.state == "Succeeded" or not busy or attempt > BUSY_RETRIES:
                break
            self._wait_and_retry(busy[0], attempt)
        return self._record_outcome(final, ctx)

    def _wait_and_retry(self, busy: OperationState, attempt: int) -> None:
        """ARM's AnotherOperationInProgress on a shared resource (two steps writing the hub's
        firewall policy side by side), or PrincipalNotFound for an identity Entra ID has not
        replicated yet, is a wait, not a failure: the same approved template is submitted
        again once the cause has had time to pass (what was made already is left as it is)."""
        runner, state = self.runner, self.runner.state
        code = busy.error.split(":", 1)[0]
        wait = min(BUSY_WAIT_S, max(runner.poll_interval * 20, 0.05))
        runner.session.record("deployment.retried", runner.step.id, {
            "deployment": self.name, "attempt": attempt, "code": code, "resource":
            f"{busy.resource_type}/{busy.resource_name}", "wait_s": round(wait, 2),
            "correlation_id": state.deployment.correlation_id if state.deployment else ""})
        runner.sink(Notice(runner.step.id, f"{busy.resource_type.rsplit('/', 1)[-1]} {busy.resource_name}: "
                           f"{RETRYABLE[code]} ({code}); submitting again in {wait:.0f} s "
                           f"(attempt {attempt + 1} of {BUSY_RETRIES + 1})."))
        if state.deployment is not None:
            state.deployment.status = "retrying"  # not ours to re-attach to: a new submission follows
        runner.session.save()
        time.sleep(wait)

    def _attach_or_submit(self, c: Composed) -> None:
        """Follow the deployment this session submitted (same name and correlation id), or
        submit the approved template; a deployment of the same name from an earlier attempt
        is never mistaken for it."""
        runner, azure = self.runner, self.runner.azure
        assert azure is not None
        state, session, step_id = runner.state, runner.session, runner.step.id
        existing = arm.status(azure, self.name)
        dep = state.deployment
        ours = dep is not None and dep.name == self.name and dep.status in ("submitting", "running") \
            and existing is not None and (not dep.correlation_id or dep.correlation_id == existing.correlation_id)
        if ours:
            assert existing is not None
            if dep.status == "submitting":
                dep.id, dep.status = existing.id, "running"
                if not self._started_recorded(dep.correlation_id):  # stopped between the PUT and its record
                    self._record_started(c, recorded_on_resume=True)
            session.record("deployment.reattached", step_id, {
                "deployment": self.name, "arm_state": existing.state, "id": existing.id,
                "correlation_id": existing.correlation_id})
            runner.sink(Notice(step_id, f"Re-attached to {self.name} ({existing.state}); not submitted again."))
            return
        if existing is not None and existing.state not in TERMINAL:
            raise AzureCallFailed(AzureFailure("DeploymentActive", f"Deployment {self.name} is already running.",
                                               self.name, "Wait for it to finish; the wizard re-attaches on resume."))
        approved = state.preview or {}
        if (approved.get("template_sha256"), approved.get("parameters_sha256")) != \
                (arm.sha256_json(c.template), arm.sha256_json(c.parameters)):
            raise AzureCallFailed(AzureFailure(
                "PreviewOutdated", "What would be deployed is not what was previewed and approved.", self.name,
                "Show the preview again (key p; headless: run the step again) and approve what it shows."))
        state.deployment = DeploymentRecord(name=self.name, resource_group="", status="submitting",
                                            started_at=utc_now(), correlation_id=str(uuid.uuid4()))
        state.status = StepStatus.RUNNING
        session.save()  # persisted BEFORE the PUT: a crash now resumes by asking ARM for this correlation id
        arm.submit(azure, c.location, self.name, c.template, c.parameters, state.deployment.correlation_id)
        current = arm.status(azure, self.name)
        state.deployment.status = "running"
        state.deployment.id = current.id if current else ""
        self._record_started(c)
        session.save()

    def _started_recorded(self, correlation_id: str) -> bool:
        """Whether the audit already holds this submission's start (state is saved after it, so
        a kill in between leaves "submitting" on disk with the record written)."""
        return any(r.kind == "deployment.started" and r.data.get("correlation_id") == correlation_id
                   for r in self.runner.session.audit.records())

    def _record_started(self, c: Composed, recorded_on_resume: bool = False) -> None:
        dep = self.runner.state.deployment
        assert dep is not None
        self.runner.session.record("deployment.started", self.runner.step.id, {
            "deployment": self.name, "scope": "subscription", "location": c.location,
            "resource_groups": sorted(set(c.groups.values())), "id": dep.id, "correlation_id": dep.correlation_id,
            "template_sha256": arm.sha256_json(c.template), "parameters_sha256": arm.sha256_json(c.parameters),
            "secure_parameters": {k: _fingerprint(c.parameters[k]) for k in sorted(c.secure)},
            **({"recorded_on_resume": True} if recorded_on_resume else {})})

    def _record_outcome(self, final: arm.DeploymentStatus, ctx: StepContext) -> dict[str, Any]:
        """Audit the end, with every resource the deployment made - on failure too, since
        what a failed attempt created is the session's to clean up."""
        state, session, step_id = self.runner.state, self.runner.session, self.runner.step.id
        assert state.deployment is not None and self.runner.azure is not None
        if final.state != "Succeeded":
            state.deployment.status = "failed"
            state.deployment.resources = self._made(tuple(o.resource_id for o in self.last_ops
                                                          if o.state == "Succeeded" and o.resource_id))
            failure = final.failure or AzureFailure(final.state, f"Deployment {self.name} ended {final.state}.",
                                                    self.name)
            failure = _with_failed_resource(failure, self.last_ops, final.correlation_id)
            session.record("deployment.failed", step_id, {
                "deployment": self.name, "id": final.id, "correlation_id": final.correlation_id,
                "duration": final.duration, "error": failure.as_record(), "resources": state.deployment.resources})
            raise AzureCallFailed(failure)
        made = final.output_resources + arm.nested_output_resources(self.runner.azure, self.name)
        state.deployment.status = "succeeded"
        state.deployment.resources = self._made(made)
        session.record("deployment.succeeded", step_id, {
            "deployment": self.name, "id": final.id, "correlation_id": final.correlation_id,
            "duration": final.duration, "resources": state.deployment.resources})
        return self.action.outputs(group_outputs(final.outputs), ctx)

    def _made(self, resource_ids: tuple[str, ...]) -> list[dict[str, Any]]:
        """Each resource with whether it existed before the session: the first preview of
        this step said anything but Create (one it never listed counts as made by it)."""
        first = self.runner.state.first_seen
        unique = {rid.lower(): rid for rid in resource_ids if rid}
        return [{"id": rid, "type": arm.resource_type_of(rid), "existed_before": first.get(key, "Create") != "Create"}
                for key, rid in unique.items()]

    def _started(self) -> float:
        """Seconds since the deployment was first submitted (also after a re-attach)."""
        dep = self.runner.state.deployment
        try:
            begun = dt.datetime.fromisoformat(str(dep.started_at).replace("Z", "+00:00")) if dep else None
        except ValueError:
            begun = None
        if begun is None:
            return time.time()
        return begun.timestamp()

    def _follow(self, expected: int) -> arm.DeploymentStatus:
        runner, azure = self.runner, self.runner.azure
        assert azure is not None
        started = self._started()
        while True:
            current = arm.status(azure, self.name)
            if current is None:
                raise AzureCallFailed(AzureFailure("DeploymentNotFound", f"ARM has no deployment {self.name}.",
                                                   self.name, "Re-run the step; the deployment will be submitted."))
            self.last_ops = arm.operations(azure, self.name)
            runner.sink(DeployProgress(runner.step.id, DeploySnapshot(
                self.name, current.state, max(time.time() - started, 0.0), self.last_ops, expected,
                azure_s=arm.iso_duration_s(current.duration) if current.duration else None)))
            if current.state in TERMINAL:
                return current
            time.sleep(runner.poll_interval)


def _fingerprint(value: Any) -> str:
    """What the audit keeps of a secure parameter: its fingerprint, never its value."""
    return fingerprint(value if isinstance(value, str) else json.dumps(value, sort_keys=True))


def _expected(template: Mapping[str, Any]) -> int:
    """Resources the operator will see progress for: the groups and what the nested
    deployments hold (the nested deployments themselves are not shown)."""
    total = 0
    for res in template.get("resources", []):
        if not isinstance(res, Mapping):
            continue
        inner = (res.get("properties") or {}).get("template")
        if str(res.get("type", "")).lower() == "microsoft.resources/deployments":
            total += _expected(inner) if isinstance(inner, Mapping) else 0
        else:
            total += 1
    return total


def _with_failed_resource(failure: AzureFailure, ops: tuple[OperationState, ...], correlation: str) -> AzureFailure:
    """Name the failing resource when ARM's top-level error does not, and keep the
    deployment's correlation id on the failure so the audit and the screen can show it."""
    failed = [o for o in ops if o.state == "Failed"]
    resource = failure.resource
    names_a_deployment = "/providers/microsoft.resources/deployments/" in resource.lower()
    if failed and (names_a_deployment or "/" not in resource):
        resource = f"{failed[0].resource_type}/{failed[0].resource_name}"
    return AzureFailure(failure.code, failure.message, resource, failure.remedy, failure.details, failure.status,
                        failure.correlation_id or correlation)
