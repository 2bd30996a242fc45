"""Immutable events the engine emits while a step runs.

The TUI turns each into a Textual message (from a worker thread, via call_from_thread);
the headless runner prints one line per event. Neither needs to know how the other works."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Union

from wizard.azure.errors import AzureFailure
from wizard.engine.contract import CheckResult, Preview


@dataclass(frozen=True)
class CheckStarted:
    step: str
    check_id: str
    title: str


@dataclass(frozen=True)
class CheckFinished:
    step: str
    result: CheckResult


@dataclass(frozen=True)
class PreviewReady:
    step: str
    preview: Preview


@dataclass(frozen=True)
class OperationState:
    """One resource of a running deployment, from ARM's deployment operations."""

    resource_type: str
    resource_name: str
    state: str  # Accepted | Running | Succeeded | Failed
    duration_s: float = 0.0
    error: str = ""
    resource_id: str = ""


@dataclass(frozen=True)
class DeploySnapshot:
    deployment_name: str
    state: str
    elapsed_s: float
    operations: tuple[OperationState, ...] = ()
    expected_resources: int = 0
    # The deployment's duration as ARM reports it: the clock of the per-resource times. Live it
    # matches the wall clock; a rehearsal runs Azure's clock faster (--pace).
    azure_s: float | None = None

    @property
    def fraction(self) -> float:
        total = max(self.expected_resources, len(self.operations), 1)
        done = sum(1 for op in self.operations if op.state in ("Succeeded", "Failed"))
        if self.state == "Succeeded":
            return 1.0
        return min(done / total, 0.99)


@dataclass(frozen=True)
class DeployProgress:
    step: str
    snapshot: DeploySnapshot


@dataclass(frozen=True)
class ActionProgress:
    """``message`` says what the action is doing; ``detail`` is its clock ("12:30 elapsed"),
    which changes on every poll: logs print a line when ``message`` changes, not each tick."""

    step: str
    message: str
    fraction: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Notice:
    step: str
    message: str


@dataclass(frozen=True)
class StepFinished:
    step: str
    status: str
    outputs: Mapping[str, Any] = field(default_factory=dict)
    failure: AzureFailure | None = None


Event = Union[CheckStarted, CheckFinished, PreviewReady, DeployProgress, ActionProgress, Notice, StepFinished]
EventSink = Callable[[Event], None]


def discard(_: Event) -> None:
    """A sink for callers that do not care about progress."""
