"""The step contract: what every step module in ``steps/`` declares.

A step is data: its decisions (fields), the outputs of earlier steps it needs, its preflight
checks, what it deploys and how it verifies the result. The runner (``wizard.engine.runner``)
interprets that data, so adding a step never means adding branches to the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol, Sequence

if TYPE_CHECKING:  # pragma: no cover - typing only
    from wizard.azure.context import AzureContext


class CheckStatus(str, Enum):
    """Outcome of one preflight or verification check. A reviewer reads these strings."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"  # the check itself could not run (e.g. Azure call failed)


@dataclass(frozen=True)
class Finding:
    """What a check found. ``evidence`` is JSON-able and lands in the audit log as is,
    so it must never hold a secret."""

    status: CheckStatus
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    remedy: str = ""
    # For a verification check: the preflight checks whose warning this one repeats. When the
    # operator overrode every one of them, the runner accepts this warning instead of failing.
    concerns: tuple[str, ...] = ()
    # Evidence keys kept in the step's state too (not only the audit log), for a later step to
    # act on: e.g. each Defender plan's state before the change, which cleanup restores.
    kept: tuple[str, ...] = ()

    @staticmethod
    def ok(summary: str, **evidence: Any) -> "Finding":
        return Finding(CheckStatus.PASS, summary, evidence)

    @staticmethod
    def warn(summary: str, remedy: str, **evidence: Any) -> "Finding":
        return Finding(CheckStatus.WARN, summary, evidence, remedy)

    @staticmethod
    def fail(summary: str, remedy: str, **evidence: Any) -> "Finding":
        return Finding(CheckStatus.FAIL, summary, evidence, remedy)


@dataclass(frozen=True)
class CheckResult:
    """A finding tied to the check that produced it, as shown in the UI and audited."""

    check_id: str
    title: str
    finding: Finding
    duration_s: float = 0.0
    fixable: bool = False

    @property
    def status(self) -> CheckStatus:
        return self.finding.status


class FieldKind(str, Enum):
    TEXT = "text"
    INT = "int"
    BOOL = "bool"
    CHOICE = "choice"
    PATH = "path"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    detail: str = ""  # the trade-off, shown next to the option


@dataclass(frozen=True)
class StepContext:
    """Everything a default, validator, check or action may look at.

    ``answers`` are this step's parsed decisions so far; ``outputs`` maps earlier step ids to
    their outputs; ``azure`` is None when no Azure session exists yet (e.g. unit tests);
    ``checks`` holds this step's stored check results (status, summary and the evidence a
    check keeps), so outputs can report what a check found before the change."""

    step_id: str
    answers: Mapping[str, Any]
    outputs: Mapping[str, Mapping[str, Any]]
    mode: str  # "rehearsal" or "live"
    session_dir: Any = None  # pathlib.Path of the session folder
    azure: "AzureContext | None" = None
    secrets: "SecretReader | None" = None
    checks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def output(self, step_id: str, key: str, default: Any = None) -> Any:
        return self.outputs.get(step_id, {}).get(key, default)


class SecretReader(Protocol):
    def get(self, name: str) -> str | None: ...


# A validator gets the parsed value and the context; it returns an error message or None.
Validator = Callable[[Any, StepContext], "str | None"]
Default = Any  # a literal, or Callable[[StepContext], Any]


@dataclass(frozen=True)
class Field:
    """One decision the operator makes. ``why`` is shown beside the field and is recorded in
    the audit log with the value, so a reviewer sees what the operator was told."""

    id: str
    label: str
    why: str
    default: Default = None
    kind: FieldKind = FieldKind.TEXT
    # A tuple, or a callable for choices that come from Azure (e.g. the subscriptions list).
    choices: "tuple[Choice, ...] | Callable[[StepContext], tuple[Choice, ...]]" = ()
    validators: tuple[Validator, ...] = ()
    secret: bool = False
    required: bool = True
    visible_when: Callable[[Mapping[str, Any]], bool] | None = None
    placeholder: str = ""


@dataclass(frozen=True)
class Check:
    """A preflight (or post-deploy) check. ``run`` must not raise for expected conditions:
    it returns a Finding. An unexpected exception is turned into an ERROR result by the runner.

    ``fix`` is an optional one-key remedy (e.g. register resource providers). It returns a
    human sentence describing what it did; the runner audits it and re-runs the check.

    ``applies_when`` (over the step's answers) leaves a check out when the decisions make it
    meaningless - a PFX check when the wizard generates the certificate. It is then not run
    and never reported as passed; the audit records it as not applicable with ``not_applicable``
    as the reason, the same sentence the operator sees."""

    id: str
    title: str
    run: Callable[[StepContext], Finding]
    fix: Callable[[StepContext, Finding], str] | None = None
    fix_label: str = ""
    needs_azure: bool = False
    applies_when: Callable[[Mapping[str, Any]], bool] | None = None
    not_applicable: str = ""
    # A verification check whose warning reports a partial success (the change was made, a
    # part of it did not take): recorded and shown, but the step is done.
    advisory: bool = False

    def applies(self, answers: Mapping[str, Any]) -> bool:
        return self.applies_when is None or bool(self.applies_when(answers))


@dataclass(frozen=True)
class PropertyDelta:
    path: str
    change: str  # Create | Delete | Modify | Array | NoEffect
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class PlannedChange:
    """One resource in a preview: ARM what-if, or a local action described the same way."""

    change_type: str  # Create | Modify | NoChange | Delete | Ignore | Deploy | Unsupported
    resource_id: str
    resource_type: str
    name: str
    deltas: tuple[PropertyDelta, ...] = ()
    reason: str = ""  # why ARM cannot predict it (Unsupported)
    # What a person calls it, when its name is a GUID (a policy's displayName); "" otherwise.
    label: str = ""


@dataclass(frozen=True)
class Preview:
    changes: tuple[PlannedChange, ...]
    template_sha256: str = ""
    parameters_sha256: str = ""
    notes: tuple[str, ...] = ()  # what the preview cannot see, stated plainly
    correlation_id: str = ""  # of the preview's validate and what-if, so a reviewer can find them in Azure's logs

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for change in self.changes:
            out[change.change_type] = out.get(change.change_type, 0) + 1
        return out


@dataclass(frozen=True)
class GroupTemplate:
    """One resource group's share of a step's deployment: what a Bicep module is. The runner
    composes the groups into one subscription-scoped template that creates each group and
    deploys into it through a nested inline deployment, so validate and what-if see the
    whole step and nothing is written before the operator approves."""

    key: str  # short, unique in the step; the nested deployment is named "<deployment>-<key>"
    resource_group: Callable[[StepContext], str]
    location: Callable[[StepContext], str]
    template: Callable[[StepContext], dict[str, Any]]  # a resource-group-scope template
    parameters: Callable[[StepContext], dict[str, Any]]
    depends_on: tuple[str, ...] = ()  # keys of groups whose deployment must finish first
    # Parameters fed from another group's outputs in the same deployment: (parameter, group
    # key, output name). ARM knows them only once that group is deployed, so its preflight and
    # what-if cannot look inside this group before then (the preview says so).
    inputs: tuple[tuple[str, str, str], ...] = ()
    # Ids (ARM expressions) of the step's subscription resources this group's deployment needs
    # first: the custom policy definitions a group's assignments name, say.
    after_resources: "tuple[str, ...] | Callable[[StepContext], tuple[str, ...]]" = ()
    # False leaves the group out of the step's template: an opt-in (VNet flow logs, in their
    # Network Watcher's group) that the operator did not choose writes nothing.
    wanted: "Callable[[StepContext], bool] | None" = None

    def included(self, ctx: StepContext) -> bool:
        return self.wanted is None or bool(self.wanted(ctx))


@dataclass(frozen=True)
class ArmDeployment:
    """A subscription-scoped ARM deployment across one or more resource groups. The runner
    validates, runs what-if, waits for approval, creates and follows the deployment (and the
    nested ones), and records every resource it made. ``outputs`` receives each group's
    template outputs by group key."""

    deployment_base_name: str  # e.g. "hub-default"; the runner appends the session's short id
    location: Callable[[StepContext], str]  # where ARM keeps the deployment's metadata
    groups: tuple[GroupTemplate, ...]
    outputs: Callable[[Mapping[str, Mapping[str, Any]], StepContext], dict[str, Any]]
    tags: Callable[[StepContext], dict[str, str]] | None = None  # added to every group the step creates
    # Resources at subscription scope (policy definitions and assignments, Defender plans), put
    # in the outer template beside the groups; ARM template resource objects, apiVersion included.
    subscription_resources: Callable[[StepContext], list[dict[str, Any]]] | None = None
    # Values (ARM expressions) about those resources the step's outputs need, such as their
    # ids: ``outputs`` receives them under the key "subscription", like a group's outputs.
    subscription_outputs: Callable[[StepContext], dict[str, str]] | None = None


class ProgressSink(Protocol):
    def __call__(self, message: str, fraction: float | None = None) -> None: ...


@dataclass(frozen=True)
class LocalAction:
    """A step action that is not an ARM deployment (e.g. writing certificates)."""

    describe: Callable[[StepContext], Sequence[PlannedChange]]
    run: Callable[[StepContext, ProgressSink], dict[str, Any]]


def _always(ctx: StepContext) -> bool:
    return True


@dataclass(frozen=True)
class EntraGroup:
    """A security group the step creates (with the signed-in user as its owner), or adopts
    when ``adopt_id`` gives an existing group's object id."""

    key: str
    display_name: Callable[[StepContext], str]
    mail_nickname: Callable[[StepContext], str]
    description: Callable[[StepContext], str]
    adopt_id: Callable[[StepContext], str | None]
    wanted: Callable[[StepContext], bool] = _always


@dataclass(frozen=True)
class EntraUser:
    """A cloud-only user the step creates with a generated temporary password that must be
    changed at first sign-in; the password goes to the secret store as ``password_secret``."""

    key: str
    user_principal_name: Callable[[StepContext], str]
    display_name: Callable[[StepContext], str]
    mail_nickname: Callable[[StepContext], str]
    password_secret: str
    wanted: Callable[[StepContext], bool] = _always


# The member key that names the signed-in operator rather than an object of the action.
SIGNED_IN_USER = "signed-in-user"


@dataclass(frozen=True)
class EntraMembership:
    """``member`` (the key of an object of this action, or ``SIGNED_IN_USER``) joins
    ``group`` (another key)."""

    key: str
    group: str
    member: str
    wanted: Callable[[StepContext], bool] = _always


DirectoryObject = EntraGroup | EntraUser | EntraMembership


@dataclass(frozen=True)
class DirectoryObjects:
    """Microsoft Entra ID objects a step creates or adopts through Microsoft Graph, in order.
    Graph has no what-if: the preview reads the directory to say what will be created or
    adopted. ``outputs`` receives the object id of every wanted object by key."""

    objects: tuple[DirectoryObject, ...]
    outputs: Callable[[Mapping[str, str], StepContext], dict[str, Any]]


def _nothing(ctx: StepContext) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class ImageBuild:
    """An ARM deployment that creates an Azure Image Builder template, then the template's
    ``run`` action: a build of 30 minutes or more, followed through its run state and sub-state
    (queued, building, customizing, distributing). The build is an operation, not a resource
    of the deployment, so ARM's what-if cannot show it: the preview adds it as a planned
    ``Run``. Its progress is kept in the step's state, so a resumed session follows a running
    build instead of starting another one.

    ``wanted`` false (the operator chose no image, or an existing one) means nothing is
    deployed; the step's outputs are then ``outputs_without_build``."""

    deployment: ArmDeployment
    template_id: Callable[[StepContext], str]  # the image template the deployment makes
    image_id: Callable[[StepContext], str]  # what a successful build distributes
    wanted: Callable[[Mapping[str, Any]], bool] = lambda answers: True
    outputs_without_build: Callable[[StepContext], dict[str, Any]] = _nothing
    expected_minutes: int = 35  # said in the preview, so nobody waits without knowing how long
    deployment_minutes: int = 4  # the deployment before the build: its share of one progress scale

    @property
    def deployment_share(self) -> float:
        """The part of the step's progress bar the deployment fills; the build fills the
        rest. One scale for both, so the bar never falls back from 90 % to 5 %."""
        return self.deployment_minutes / (self.deployment_minutes + self.expected_minutes)


@dataclass(frozen=True)
class SourceImage:
    """An image in a public registry, by tag; the import pins the digest the tag has then."""

    key: str
    registry: str  # e.g. docker.io, mcr.microsoft.com
    repository: str  # e.g. library/traefik
    tag: str

    @property
    def reference(self) -> str:
        return f"{self.registry}/{self.repository}:{self.tag}"


@dataclass(frozen=True)
class ImageImports:
    """ACR's ``importImage`` (an ARM action, not a resource: what-if cannot show it), each
    image first into ``quarantine/<repository>:<tag>`` by the digest its source tag has, then
    from quarantine into ``live/<repository>:<tag>`` by that same digest, so what runs is
    byte for byte what was quarantined. ``credentials`` maps a source registry to a
    (username, password) pair for registries that limit anonymous pulls (Docker Hub), read
    when the imports run (from the secret store or the environment) and never kept."""

    registry_id: Callable[[StepContext], str]
    images: Callable[[StepContext], tuple[SourceImage, ...]]
    credentials: Callable[[StepContext], Mapping[str, tuple[str, str]]] = lambda ctx: {}


@dataclass(frozen=True)
class WaitVerdict:
    """What a resource's state says: done, failed (with the failing object named), or on."""

    done: bool
    failed: bool
    words: str  # the state in a sentence, for progress and the audit
    failing: str = ""  # e.g. "Kustomization flux-system/bootstrap-unified: path not found"


@dataclass(frozen=True)
class ResourceWait:
    """Follow a resource ARM already made until its state settles (a Flux configuration's
    compliance): reads only, recorded as it goes, failing after ``timeout_minutes`` with the
    object the state names."""

    key: str
    title: str
    resource_id: Callable[[StepContext], str]
    api_version: str
    verdict: Callable[[Mapping[str, Any]], WaitVerdict]
    timeout_minutes: Callable[[StepContext], float]
    remedy: str = ""


def _no_files(ctx: StepContext) -> Mapping[str, str]:
    return {}


def _no_changes(ctx: StepContext) -> tuple[PlannedChange, ...]:
    return ()


@dataclass(frozen=True)
class KubeCommand:
    """One command run inside the private cluster through AKS run command, with files attached
    (manifests) as its working directory. Without ``judge`` the command must exit 0; with one,
    its outcome (exit code and output, ``wizard.engine.run_command.CommandOutcome``) is judged
    as a check with evidence, e.g. a probe that must be refused. ``diagnose`` is a read command
    whose output explains a failure (a Deployment's conditions after a stalled rollout);
    ``changes`` says in the preview what the command applies."""

    key: str
    title: str
    command: Callable[[StepContext], str]
    files: Callable[[StepContext], Mapping[str, str]] = _no_files
    judge: Callable[[Any, StepContext], Finding] | None = None
    diagnose: Callable[[StepContext], str] | None = None
    changes: Callable[[StepContext], tuple[PlannedChange, ...]] = _no_changes
    remedy: str = ""
    shown: Callable[[StepContext], str] | None = None  # the preview's line when the command is long


@dataclass(frozen=True)
class ClusterCommands:
    """Commands run in order inside a private cluster through run command: the API server
    has no public address, so this is how the wizard applies and probes without line of sight.
    Each command, its files' SHA-256 and its output are audited (``run_command.completed``)."""

    cluster_id: Callable[[StepContext], str]
    commands: tuple[KubeCommand, ...]


def _wanted_always(answers: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Part:
    key: str
    action: "ArmDeployment | ImageImports | ResourceWait | ClusterCommands"
    wanted: Callable[[Mapping[str, Any]], bool] = _wanted_always  # a decision can leave a part out


@dataclass(frozen=True)
class ActionSequence:
    """Several actions carried out in order as one step, each by its own executor; a part
    that finished is not done again on a resume or retry. At most one part is an ARM
    deployment (the step's deployment record is one). ``outputs`` receives each part's
    outputs by part key."""

    parts: tuple[Part, ...]
    outputs: Callable[[Mapping[str, Mapping[str, Any]], StepContext], dict[str, Any]]


StepAction = (ArmDeployment | DirectoryObjects | LocalAction | ImageBuild | ImageImports | ResourceWait | ClusterCommands
              | ActionSequence)


@dataclass(frozen=True)
class OutputSpec:
    key: str
    label: str


@dataclass(frozen=True)
class StepDefinition:
    id: str
    title: str
    summary: str
    lesson: str  # file name under assets/lessons/
    built: bool
    needs: tuple[str, ...] = ()  # steps that must be done first (exact: it decides what may run together)
    fields: tuple[Field, ...] = ()
    checks: tuple[Check, ...] = ()
    action: StepAction | None = None
    verify: tuple[Check, ...] = ()
    outputs: tuple[OutputSpec, ...] = ()
    # Called after the decisions are recorded, e.g. to point the Azure session at the chosen
    # subscription. Returns nothing; raising aborts the submission with a field-level error.
    on_decided: Callable[[StepContext], None] | None = None
    # For steps without an action: the outputs they hand on once their checks pass.
    collect_outputs: Callable[[StepContext], dict[str, Any]] | None = None
    # Steps whose outputs this step's defaults read (the hub's resource group is the one the
    # policy step made): a headless run that includes them starts this step after them.
    after: tuple[str, ...] = ()
    # Secret fields captured by the action itself (e.g. generated private keys) are not
    # fields; they go straight to the secret store. Nothing else differs between steps.

    def field(self, field_id: str) -> Field:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)
