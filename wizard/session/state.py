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


@dataclass
class DeploymentRecord:
    name: str
    resource_group: str
    status: str  # submitting | running | succeeded | failed
    id: str = ""
    correlation_id: str = ""
    started_at: str = ""


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
        )


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "SessionState":
        steps = {k: StepState.from_dict(v) for k, v in raw.get("steps", {}).items()}
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__ and k != "steps"}
        return cls(**known, steps=steps)
