"""Carrying out an action sequence: several kinds of action as one step, in order.

The bootstrap step imports images (ACR actions), then deploys Flux (ARM), then waits for
Flux to comply (reads). Each part is carried out by its own executor; the preview is every
part's preview in order, under one approval. A part that finished is recorded in the step's
state (``part:<key>``) and not carried out again when the step resumes or is retried, so a
failure in the third part does not import the images twice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wizard.engine.contract import ActionSequence, ArmDeployment, Part, Preview, StepContext
from wizard.engine.events import Notice

if TYPE_CHECKING:  # pragma: no cover
    from wizard.engine.executors import Executor
    from wizard.engine.runner import StepRunner


class SequenceStep:
    def __init__(self, runner: "StepRunner", action: ActionSequence) -> None:
        assert sum(isinstance(p.action, ArmDeployment) for p in action.parts) <= 1, \
            "one ARM deployment per step: the step's deployment record is one"
        self.runner = runner
        self.action = action

    def _executor(self, part_action: Any) -> "Executor":
        from wizard.engine.executors import executor_for

        return executor_for(self.runner, part_action)

    def _wanted(self, ctx: StepContext) -> list[Part]:
        """The parts the step's decisions call for (disabling run command is a decision)."""
        return [p for p in self.action.parts if p.wanted(ctx.answers)]

    @property
    def name(self) -> str:
        """The step's deployment name, for the screens that show it."""
        for part in self.action.parts:
            if isinstance(part.action, ArmDeployment):
                return str(getattr(self._executor(part.action), "name"))
        return ""

    def preview(self, ctx: StepContext) -> Preview:
        changes: list[Any] = []
        notes: list[str] = []
        template = parameters = correlation = ""
        for part in self._wanted(ctx):
            shown = self._executor(part.action).preview(ctx)
            changes += list(shown.changes)
            notes += [n for n in shown.notes if n not in notes]
            if isinstance(part.action, ArmDeployment):
                template, parameters, correlation = shown.template_sha256, shown.parameters_sha256, shown.correlation_id
        return Preview(tuple(changes), template, parameters, tuple(notes), correlation)

    def deploy(self, ctx: StepContext) -> dict[str, Any]:
        runner = self.runner
        results: dict[str, dict[str, Any]] = {}
        for part in self._wanted(ctx):
            key = f"part:{part.key}"
            done = runner.state.operations.get(key)
            if done and done.get("status") == "succeeded":
                results[part.key] = dict(done.get("outputs") or {})
                runner.sink(Notice(runner.step.id, f"{part.key}: done before; not repeated."))
                continue
            outputs = self._executor(part.action).deploy(ctx)
            runner.state.operations[key] = {"status": "succeeded", "outputs": outputs}
            runner.session.record("part.completed", runner.step.id, {"part": part.key, "outputs": outputs})
            runner.session.save()
            results[part.key] = outputs
        return self.action.outputs(results, ctx)
