"""Following a resource until its state settles: a Flux configuration's compliance.

ARM's deployment is done when the provider has written the resource; what the resource then
does (Flux cloning the repository and applying it) is reported in its own properties. This
executor reads the resource (a generic ``resources.get_by_id``, nothing written), reports
each change of state, and ends when the step's verdict says done or failed, or at the step's
timeout, naming the object the state blames."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from wizard.azure.errors import AzureFailure
from wizard.engine.arm import AzureCallFailed, call
from wizard.engine.contract import PlannedChange, Preview, ResourceWait, StepContext
from wizard.engine.events import ActionProgress

if TYPE_CHECKING:  # pragma: no cover
    from wizard.engine.runner import StepRunner


class ResourceWaitStep:
    def __init__(self, runner: "StepRunner", action: ResourceWait) -> None:
        self.runner = runner
        self.action = action

    def preview(self, ctx: StepContext) -> Preview:
        rid = self.action.resource_id(ctx)
        minutes = self.action.timeout_minutes(ctx)
        return Preview((PlannedChange("Wait", f"{rid}#{self.action.key}", rid.split("/providers/")[-1].rsplit("/", 1)[0],
                                      rid.rsplit("/", 1)[-1], reason=f"{self.action.title}: read only, for up to "
                                      f"{minutes:g} minutes"),))

    def deploy(self, ctx: StepContext) -> dict[str, Any]:
        runner, azure, action = self.runner, self.runner.azure, self.action
        assert azure is not None
        rid = action.resource_id(ctx)
        deadline = time.monotonic() + action.timeout_minutes(ctx) * 60.0 / azure.endpoints.pace
        last = ""
        while True:
            found = call(rid.rsplit("/", 1)[-1], azure.resources().resources.get_by_id, rid,
                         api_version=action.api_version)
            body = found.as_dict() if hasattr(found, "as_dict") else dict(found)
            verdict = action.verdict(body.get("properties") or {})
            if verdict.words != last:
                runner.session.record("wait.state", runner.step.id, {"key": action.key, "resource": rid,
                                                                     "state": verdict.words,
                                                                     "failing": verdict.failing})
                last = verdict.words
            runner.sink(ActionProgress(runner.step.id, f"{action.title}: {verdict.words}", None))
            if verdict.done:
                return {"resource_id": rid, "state": verdict.words}
            if verdict.failed or time.monotonic() > deadline:
                why = verdict.failing or verdict.words
                said = "failed" if verdict.failed else f"did not settle in {action.timeout_minutes(ctx):g} minutes"
                raise AzureCallFailed(AzureFailure(f"{action.key.title().replace('-', '')}NotSettled",
                                                   f"{action.title} {said}: {why}", rid, action.remedy))
            time.sleep(self.runner.poll_interval)
