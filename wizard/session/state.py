"""The persisted shape of a session (``state.json``). Plain dataclasses so the file stays
readable by a human and by ``aks-wizard sessions --json``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class StepStatus:
    """Step states as the navigator shows them. ``NOT_BUILT`` and ``WAITING`` are derived
    from the registry and the other steps; the rest are stored."""

    NOT_BUILT = "not built"
    WAITING = "waiting"
    READY = "ready"
    CHECKS_FAILED = "checks failed"
    CHECKED = "checked"
    PREVIEWED = "previewed"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# An operation in one of these states was under way when the session stopped.
UNFINISHED_OPERATIONS = ("deployed", "submitting", "running")


@dataclass
class DeploymentRecord:
    name: str
    resource_group: str
    status: str  # submitting | running | succeeded | failed
    id: str = ""
    correlation_id: str = ""
    started_at: str = ""
    # What the deployment made or touched (ARM's outputResources), each with whether it existed
    # before (its preview said something other than Create): cleanup removes only the new ones.
    resources: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class StepState:
    status: str = StepStatus.READY
    answers: dict[str, Any] = field(default_factory=dict)
    secret_fingerprints: dict[str, str] = field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)
    preview: dict[str, Any] | None = None
    approved: bool = False
    deployment: DeploymentRecord | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    # resource id (lower case) -> what the FIRST preview of this session said it would do
    # (Create or not). A retry after a failed attempt previews the attempt's own resources as
    # NoChange; they are still the session's to clean up.
    first_seen: dict[str, str] = field(default_factory=dict)
    # Directory objects (Entra ID) a Graph step created or adopted, by the step's key: object id,
    # kind, whether this session created it; "creating" while a create is in flight.
    directory: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Long-running operations a step starts after its deployment (an image build), by key:
    # status (deployed | submitting | running | succeeded | failed), when it started, the
    # resource it acts on and what the deployment handed it. A resumed session follows one
    # that is still running instead of starting another.
    operations: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "StepState":
        dep = raw.get("deployment")
        return cls(
            status=raw.get("status", StepStatus.READY),
            answers=dict(raw.get("answers", {})),
            secret_fingerprints=dict(raw.get("secret_fingerprints", {})),
            checks=dict(raw.get("checks", {})),
            overrides=dict(raw.get("overrides", {})),
            preview=raw.get("preview"),
            approved=bool(raw.get("approved", False)),
            deployment=DeploymentRecord(**dep) if dep else None,
            outputs=dict(raw.get("outputs", {})),
            error=raw.get("error"),
            first_seen=dict(raw.get("first_seen", {})),
            directory=dict(raw.get("directory", {})),
            operations=dict(raw.get("operations", {})),
        )


@dataclass
class RunOptions:
    """How a headless run makes its decisions, kept so a resumed run continues the way it was
    started: a run begun with ``--accept-defaults`` and killed before a later step's decisions
    were recorded must not stop on resume asking for decisions nobody is there to give.

    ``--yes`` is deliberately not kept: approving a preview is an act of the operator in each
    sitting, and the README tells them to pass it again when resuming."""

    accept_defaults: bool = False
    overrides: dict[str, str] = field(default_factory=dict)  # check id -> written justification

    @classmethod
    def from_dict(cls, raw: Any) -> "RunOptions":
        """Parse the stored options; raise ``ValueError`` (the store reports the session as
        corrupt) rather than guess at a shape that is not ours."""
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise ValueError("run_options must be an object")
        accept = raw.get("accept_defaults", False)
        overrides = raw.get("overrides", {})
        if not isinstance(accept, bool):
            raise ValueError("run_options.accept_defaults must be true or false")
        if not isinstance(overrides, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in overrides.items()):
            raise ValueError("run_options.overrides must map check ids to justification texts")
        return cls(accept_defaults=accept, overrides=dict(overrides))

    def resumed_with(self, accept_defaults: bool, overrides: dict[str, str]) -> "RunOptions":
        """The options for a resumed run: what the operator passes now, else what the run was
        started with. ``--accept-defaults`` can only be switched on (it is a flag); any
        ``--override`` given replaces the stored set, so what is in effect is exactly what the
        operator last typed."""
        return RunOptions(accept_defaults=accept_defaults or self.accept_defaults,
                          overrides=dict(overrides) if overrides else dict(self.overrides))


@dataclass
class SessionState:
    id: str
    mode: str
    created: str
    tool_version: str
    status: str = "in progress"  # in progress | completed | failed
    current_step: str = "prerequisites"
    scenario: str = "default"
    subscription_id: str = ""
    tenant_id: str = ""
    cloud: str = ""
    steps: dict[str, StepState] = field(default_factory=dict)
    audit_head: dict[str, Any] = field(default_factory=dict)
    updated: str = ""
    # Absent from state files written before it existed; those load with the defaults.
    run_options: RunOptions = field(default_factory=RunOptions)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "SessionState":
        steps = {k: StepState.from_dict(v) for k, v in raw.get("steps", {}).items()}
        nested = ("steps", "run_options")
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__ and k not in nested}
        return cls(**known, steps=steps, run_options=RunOptions.from_dict(raw.get("run_options")))
