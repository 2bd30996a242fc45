"""Which engine module carries out which kind of step action.

A step declares *what* it changes (an ARM deployment, directory objects, local files); an
executor knows *how*: preview without changing anything, then - once approved - make the
change and return the step's outputs. The runner asks this table for the executor and stays
free of per-kind branches, so a new kind of action is a contract type plus its own module."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Protocol

from wizard.engine.contract import (ActionSequence, ArmDeployment, ClusterCommands, DirectoryObjects, ImageBuild,
                                    ImageImports, LocalAction, Preview, ResourceWait, StepAction, StepContext)
from wizard.engine.events import ActionProgress

if TYPE_CHECKING:  # pragma: no cover
    from wizard.engine.runner import StepRunner


class Executor(Protocol):
    def preview(self, ctx: StepContext) -> Preview: ...

    def deploy(self, ctx: StepContext) -> dict[str, Any]: ...


class LocalStep:
    """A local action (e.g. writing certificate files): described, then run."""

    def __init__(self, runner: "StepRunner", action: LocalAction) -> None:
        self.runner = runner
        self.action = action

    def preview(self, ctx: StepContext) -> Preview:
        return Preview(tuple(self.action.describe(ctx)),
                       notes=("Nothing is sent to Azure in this step; files are written locally.",))

    def deploy(self, ctx: StepContext) -> dict[str, Any]:
        runner = self.runner
        runner.state.status = "running"
        runner.session.save()
        step_id = runner.step.id
        outputs = self.action.run(ctx, lambda msg, frac=None: runner.sink(ActionProgress(step_id, msg, frac)))
        runner.session.record("action.completed", step_id, {"outputs": outputs})
        return outputs


class NoAction:
    """A step that deploys nothing (prerequisites): approving records the decisions, and the
    outputs are what its checks established."""

    def __init__(self, runner: "StepRunner", action: None = None) -> None:
        self.runner = runner

    def preview(self, ctx: StepContext) -> Preview:
        return Preview((), notes=("This step deploys nothing; approving records your decisions.",))

    def deploy(self, ctx: StepContext) -> dict[str, Any]:
        collect = self.runner.step.collect_outputs
        return collect(ctx) if collect else {}


def _arm(runner: "StepRunner", action: ArmDeployment) -> Executor:
    from wizard.engine.arm_step import ArmStep

    return ArmStep(runner, action)


def _directory(runner: "StepRunner", action: DirectoryObjects) -> Executor:
    from wizard.engine.directory_step import DirectoryStep

    return DirectoryStep(runner, action)


def _image_build(runner: "StepRunner", action: ImageBuild) -> Executor:
    from wizard.engine.image_build import ImageBuildStep

    return ImageBuildStep(runner, action)


def _image_imports(runner: "StepRunner", action: ImageImports) -> Executor:
    from wizard.engine.image_imports import ImageImportsStep

    return ImageImportsStep(runner, action)


def _resource_wait(runner: "StepRunner", action: ResourceWait) -> Executor:
    from wizard.engine.resource_wait import ResourceWaitStep

    return ResourceWaitStep(runner, action)


def _cluster_commands(runner: "StepRunner", action: ClusterCommands) -> Executor:
    from wizard.engine.cluster_commands import ClusterCommandsStep

    return ClusterCommandsStep(runner, action)


def _sequence(runner: "StepRunner", action: ActionSequence) -> Executor:
    from wizard.engine.sequence import SequenceStep

    return SequenceStep(runner, action)


EXECUTORS: dict[type, Callable[[Any, Any], Executor]] = {
    ArmDeployment: _arm,
    ImageBuild: _image_build,
    ImageImports: _image_imports,
    ResourceWait: _resource_wait,
    ClusterCommands: _cluster_commands,
    ActionSequence: _sequence,
    DirectoryObjects: _directory,
    LocalAction: LocalStep,
    type(None): NoAction,
}


def executor_for(runner: "StepRunner", action: StepAction | None) -> Executor:
    try:
        make = EXECUTORS[type(action)]
    except KeyError:
        raise TypeError(f"no executor for step action {type(action).__name__}") from None
    return make(runner, action)
