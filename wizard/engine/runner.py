"""Drive one step through its lifecycle: decisions, checks, preview, approval, deploy,
verify, outputs. Every transition is audited and persisted before the next begins.

The runner is synchronous and thread-safe enough to be called from a worker thread; it
reports progress through an ``EventSink``. The TUI and the headless runner are two sinks."""

from __future__ import annotations

from typing import Any, Mapping

from wizard.azure.context import AzureContext
from wizard.azure.errors import AzureFailure, from_exception
from wizard.engine import arm
from wizard.engine.arm import AzureCallFailed
from wizard.engine.checks_runner import run_all, run_one
from wizard.engine.contract import Check, CheckResult, CheckStatus, Preview, StepContext, StepDefinition
from wizard.engine.events import CheckFinished, CheckStarted, EventSink, Notice, PreviewReady, StepFinished, discard
from wizard.engine.executors import Executor, executor_for
from wizard.engine.fields import default_of, validate, visible
from wizard.session.secrets import fingerprint
from wizard.session.state import UNFINISHED_OPERATIONS, StepStatus
from wizard.session.session import Session

MIN_JUSTIFICATION = 10


class StepBlocked(Exception):
    """The step cannot move on; the message says why and what to do."""


class StepRunner:
    def __init__(self, session: Session, step: StepDefinition, registry: tuple[StepDefinition, ...],
                 azure: AzureContext | None, sink: EventSink = discard, poll_interval: float | None = None) -> None:
        self.session = session
        self.step = step
        self.registry = registry
        self.azure = azure
        self.sink = sink
        self.poll_interval = poll_interval if poll_interval is not None else (
            azure.endpoints.polling_interval * 4 if azure else 0.2)

    # -- context -------------------------------------------------------------------------
    @property
    def state(self):  # noqa: ANN201 - StepState
        return self.session.step(self.step.id)

    def outputs(self) -> dict[str, dict[str, Any]]:
        return {s.id: dict(self.session.step(s.id).outputs) for s in self.registry
                if self.session.step(s.id).status == StepStatus.DONE}

    def context(self, answers: Mapping[str, Any] | None = None) -> StepContext:
        return StepContext(step_id=self.step.id, answers=dict(self.state.answers if answers is None else answers),
                           outputs=self.outputs(), mode=self.session.mode, session_dir=self.session.dir,
                           azure=self.azure, secrets=self.session.secrets, checks=dict(self.state.checks))

    def missing_needs(self) -> list[str]:
        return [n for n in self.step.needs if self.session.step(n).status != StepStatus.DONE]

    def defaults(self) -> dict[str, Any]:
        """Current answers where decided, else each field's default."""
        ctx = self.context()
        out: dict[str, Any] = {}
        for field in self.step.fields:
            if field.secret:
                out[field.id] = ""
            elif field.id in self.state.answers:
                out[field.id] = self.state.answers[field.id]
            else:
                out[field.id] = default_of(field, ctx)
        return out

    # -- decisions -----------------------------------------------------------------------
    def validate(self, raw: Mapping[str, Any]) -> dict[str, str]:
        _, errors = validate(self.step, raw, self.context({}))
        return errors

    def submit_decisions(self, raw: Mapping[str, Any]) -> dict[str, str]:
        """Validate everything first; record nothing unless every field is valid."""
        if not self.step.built:
            raise StepBlocked(f"{self.step.title} is not built yet.")
        if missing := self.missing_needs():
            raise StepBlocked(f"Finish {', '.join(missing)} first: this step needs their outputs.")
        ctx = self.context({})
        values, errors = validate(self.step, raw, ctx)
        if errors:
            return errors
        answers: dict[str, Any] = {}
        for field in self.step.fields:
            if not visible(field, values):
                continue
            value = values.get(field.id)
            default = default_of(field, ctx)
            record: dict[str, Any] = {"field": field.id, "label": field.label, "why": field.why}
            if field.secret:
                kept = self.state.secret_fingerprints.get(field.id)
                if value:
                    fp = self.session.secrets.put(f"{self.step.id}.{field.id}", str(value))
                    self.state.secret_fingerprints[field.id] = fp
                    record.update(value_fingerprint=fp, default_accepted=False, secret=True)
                elif kept:
                    # Secret inputs are shown empty; leaving one empty keeps what was stored.
                    record.update(value_fingerprint=kept, kept_existing=True, default_accepted=False, secret=True)
                else:
                    record.update(value_fingerprint=None, default_accepted=True, secret=True)
            else:
                answers[field.id] = value
                record.update(value=value, default=default, default_accepted=value == default)
            self.session.record("decision.recorded", self.step.id, record)
        for field in self.step.fields:  # a secret whose field no longer applies is deleted
            if field.secret and not visible(field, values) and field.id in self.state.secret_fingerprints:
                self.session.secrets.delete(f"{self.step.id}.{field.id}")
                del self.state.secret_fingerprints[field.id]
        self.state.answers = answers
        self.state.checks = {}
        self.state.overrides = {}
        self.state.preview = None
        self.state.approved = False
        if self.state.status not in (StepStatus.DONE, StepStatus.RUNNING):
            self.state.status = StepStatus.READY
        self.session.state.current_step = self.step.id
        self.session.save()
        if self.step.on_decided:
            self.step.on_decided(self.context())
            if self.azure is not None and self.session.state.subscription_id != self.azure.subscription_id:
                self.session.state.subscription_id = self.azure.subscription_id
                self.session.save()
        return {}

    # -- checks --------------------------------------------------------------------------
    def record_check(self, result: CheckResult) -> None:
        """Keep a check result in the step's state and the audit log (preflight, verify, or a
        check an action judged, such as an in-cluster probe)."""
        f = result.finding
        self.state.checks[result.check_id] = {"status": f.status.value, "summary": f.summary, "remedy": f.remedy,
                                              "title": result.title}
        if f.kept:
            self.state.checks[result.check_id]["evidence"] = {k: f.evidence[k] for k in f.kept if k in f.evidence}
        self.session.record("check.result", self.step.id, {
            "check": result.check_id, "title": result.title, "status": f.status.value, "summary": f.summary,
            "evidence": dict(f.evidence), "remedy": f.remedy, "duration_s": result.duration_s})
        self.sink(CheckFinished(self.step.id, result))

    def applicable_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.step.checks if c.applies(self.state.answers))

    def not_applicable_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.step.checks if not c.applies(self.state.answers))

    def run_checks(self) -> list[CheckResult]:
        ctx = self.context()
        self.state.overrides = {}
        for check in self.not_applicable_checks():
            self.session.record("check.not_applicable", self.step.id,
                                {"check": check.id, "title": check.title, "reason": check.not_applicable})
        results = run_all(self.applicable_checks(), ctx,
                          on_start=lambda c: self.sink(CheckStarted(self.step.id, c.id, c.title)),
                          on_done=self.record_check)
        self._settle_check_status()
        return results

    def _check(self, check_id: str) -> Check:
        for check in self.step.checks:
            if check.id == check_id:
                return check
        raise KeyError(check_id)

    def apply_fix(self, check_id: str) -> CheckResult:
        """Run a check's one-key remedy (audited), then re-run that check."""
        check = self._check(check_id)
        if check.fix is None:
            raise StepBlocked(f"{check.title} has no automatic remedy.")
        ctx = self.context()
        before = run_one(check, ctx).finding
        try:
            what = check.fix(ctx, before)
        except Exception as exc:  # noqa: BLE001
            failure = exc.failure if isinstance(exc, AzureCallFailed) else from_exception(exc)
            self.session.record("remedy.applied", self.step.id, {"check": check_id, "ok": False,
                                                                 "error": failure.as_record()})
            raise StepBlocked("; ".join(failure.lines()) + f" — {failure.remedy}") from exc
        self.session.record("remedy.applied", self.step.id, {"check": check_id, "ok": True, "action": what})
        self.sink(Notice(self.step.id, what))
        result = run_one(check, ctx)
        self.record_check(result)
        self._settle_check_status()
        return result

    def override(self, check_id: str, justification: str) -> None:
        entry = self.state.checks.get(check_id)
        if not entry:
            raise StepBlocked(f"Run the checks before overriding {check_id}.")
        if entry["status"] != CheckStatus.WARN.value:
            raise StepBlocked("Only warnings can be overridden; a failed check must be fixed.")
        text = justification.strip()
        if len(text) < MIN_JUSTIFICATION:
            raise StepBlocked(f"Write a justification of at least {MIN_JUSTIFICATION} characters: a reviewer "
                              "will read it.")
        self.state.overrides[check_id] = text
        self.session.record("check.overridden", self.step.id, {"check": check_id, "justification": text,
                                                                "summary": entry["summary"]})
        self._settle_check_status()

    def blocking(self) -> list[str]:
        """Check ids that stop the step: failures, errors and warnings not overridden."""
        out = []
        for check_id, entry in self.state.checks.items():
            if entry["status"] in (CheckStatus.FAIL.value, CheckStatus.ERROR.value):
                out.append(check_id)
            elif entry["status"] == CheckStatus.WARN.value and check_id not in self.state.overrides:
                out.append(check_id)
        return out

    def _settle_check_status(self) -> None:
        if self.state.status in (StepStatus.DONE, StepStatus.RUNNING):
            self.session.save()
            return
        self.state.status = StepStatus.CHECKS_FAILED if self.blocking() else StepStatus.CHECKED
        self.session.save()

    # -- preview and approval ------------------------------------------------------------
    def preview(self) -> Preview:
        if self.step.checks and (not self.state.checks or self.blocking()):
            raise StepBlocked("Run the checks and resolve every failure (or override warnings) first.")
        preview = self.executor().preview(self.context())
        self.state.preview = {"counts": preview.counts(), "template_sha256": preview.template_sha256,
                              "parameters_sha256": preview.parameters_sha256,
                              "changes": {c.resource_id.lower(): c.change_type for c in preview.changes},
                              # what a person calls a GUID-named resource, for the run's table too
                              "labels": {c.resource_id.lower(): c.label for c in preview.changes if c.label}}
        for change in preview.changes:  # the first word on each resource is kept (see StepState.first_seen)
            self.state.first_seen.setdefault(change.resource_id.lower(), change.change_type)
        self.state.approved = False
        if self.state.status not in (StepStatus.DONE, StepStatus.RUNNING):  # a re-preview keeps a finished step
            self.state.status = StepStatus.PREVIEWED
        self.session.record("preview.shown", self.step.id, {
            **self.state.preview, "changes": [
                {"change": c.change_type, "resource": c.resource_id, "deltas": len(c.deltas),
                 **({"label": c.label} if c.label else {})} for c in preview.changes],
            "notes": list(preview.notes), "correlation_id": preview.correlation_id})
        self.sink(PreviewReady(self.step.id, preview))
        return preview

    def executor(self) -> Executor:
        """The engine module that carries out this step's kind of action (see ``executors``)."""
        return executor_for(self, self.step.action)

    def deployment_name(self) -> str:
        name = getattr(self.executor(), "name", None)
        assert isinstance(name, str), f"{self.step.id} has no ARM deployment"
        return name

    def approve(self) -> None:
        if self.state.preview is None:
            raise StepBlocked("Show the preview before approving.")
        self.state.approved = True
        self.session.record("preview.approved", self.step.id, {
            "template_sha256": self.state.preview.get("template_sha256"),
            "parameters_sha256": self.state.preview.get("parameters_sha256"),
            "counts": self.state.preview.get("counts")})

    # -- deploy --------------------------------------------------------------------------
    def needs_reattach(self) -> bool:
        """A deployment, or an operation after it (an image build), that was under way when
        the session stopped: resuming follows it rather than starting it again."""
        dep = self.state.deployment
        if dep is not None and dep.status in ("submitting", "running"):
            return True
        return any(op.get("status") in UNFINISHED_OPERATIONS for op in self.state.operations.values())

    def running_work(self) -> str:
        """What of this step is (or was) under way in Azure, in words for a dialog: "image
        build" once the deployment is done and an operation follows it, else "deployment"."""
        dep = self.state.deployment
        if dep is not None and dep.status in ("submitting", "running"):
            return "deployment"
        for key, op in self.state.operations.items():
            if op.get("status") in UNFINISHED_OPERATIONS:
                return key.replace("-", " ")
        return "deployment"

    def deploy(self) -> dict[str, Any]:
        """Run the action; returns the step outputs. Raises StepBlocked/AzureCallFailed."""
        if not self.state.approved and not self.needs_reattach():
            raise StepBlocked("Approve the preview first.")
        try:
            outputs = self.executor().deploy(self.context())
        except AzureCallFailed as exc:
            self._fail(exc.failure)
            raise
        verified = self._verify(outputs)
        if verified:
            self._fail(verified)
            raise AzureCallFailed(verified)
        self.state.outputs = outputs
        self.state.status = StepStatus.DONE
        self.state.error = None
        self.session.record("step.completed", self.step.id, {"outputs": outputs})
        self.sink(StepFinished(self.step.id, StepStatus.DONE, outputs))
        return outputs

    def complete_without_action(self) -> dict[str, Any]:
        """Steps with no action (prerequisites) finish once checks pass."""
        if self.step.checks and (not self.state.checks or self.blocking()):
            raise StepBlocked("Resolve the failing checks first.")
        self.state.approved = True
        return self.deploy()

    def _fail(self, failure: AzureFailure) -> None:
        self.state.status = StepStatus.FAILED
        self.state.error = failure.as_record()
        self.state.approved = False
        self.session.record("step.failed", self.step.id, {"error": failure.as_record()})
        self.sink(StepFinished(self.step.id, StepStatus.FAILED, failure=failure))

    def _verify(self, outputs: Mapping[str, Any]) -> AzureFailure | None:
        if not self.step.verify:
            return None
        ctx = StepContext(self.step.id, self.state.answers, {**self.outputs(), self.step.id: dict(outputs)},
                          self.session.mode, self.session.dir, self.azure, self.session.secrets)
        failed: list[CheckResult] = []
        for check in self.step.verify:  # every one runs: a reviewer wants each item's evidence
            if not check.applies(self.state.answers):
                continue
            result = run_one(check, ctx)
            self.record_check(result)
            if result.status is CheckStatus.PASS or self._accepted(result):
                continue
            if result.status is CheckStatus.WARN and check.advisory:
                self.sink(Notice(self.step.id, f"{check.title}: {result.finding.summary} {result.finding.remedy}"))
                continue
            failed.append(result)
        if not failed:
            return None
        said = [r.finding.summary if r.finding.summary.startswith(r.title) else f"{r.title}: {r.finding.summary}"
                for r in failed]
        lead = f"{len(failed)} verification checks failed: " if len(failed) > 1 else ""
        return AzureFailure("VerificationFailed", lead + "; ".join(said), remedy=failed[0].finding.remedy)

    def _accepted(self, result: CheckResult) -> bool:
        """A verification warning that only repeats preflight warnings the operator already
        overrode (with a written justification) does not fail the step: the operator
        accepted exactly that risk before approving."""
        concerns = result.finding.concerns
        if result.status is not CheckStatus.WARN or not concerns:
            return False
        if not all(c in self.state.overrides for c in concerns):
            return False
        self.session.record("check.accepted", self.step.id, {
            "check": result.check_id, "summary": result.finding.summary, "overridden": list(concerns),
            "justifications": {c: self.state.overrides[c] for c in concerns}})
        return True


__all__ = ["StepRunner", "StepBlocked", "AzureCallFailed"]
