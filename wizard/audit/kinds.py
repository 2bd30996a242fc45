"""The stable vocabulary of audit record kinds.

A reviewer filters and reads the log by kind, so kinds are part of the log's format: they are
only ever added, never renamed. ``AuditLog.append`` rejects anything not in ``KINDS`` so that a
typo in engine code fails loudly in tests instead of silently entering a compliance record.
Each constant below carries a docstring saying what the record means and when it is written.
"""

from __future__ import annotations

SESSION_STARTED = "session.started"
"""A new wizard session began (mode, tool version, scenario). Always record seq 1."""

SESSION_RESUMED = "session.resumed"
"""An existing session was reopened, so a reviewer can see gaps in time between sittings."""

DECISION_RECORDED = "decision.recorded"
"""The operator confirmed a decision (field id, value, and the 'why' text they were shown)."""

CHECK_RESULT = "check.result"
"""A preflight or verification check finished (status, summary, evidence)."""

CHECK_NOT_APPLICABLE = "check.not_applicable"
"""A check was not run because the decisions make it meaningless (the reason is recorded)."""

CHECK_OVERRIDDEN = "check.overridden"
"""The operator chose to continue despite a failing or warning check, with their reason."""

CHECK_ACCEPTED = "check.accepted"
"""A verification warning did not fail the step because it only repeats preflight warnings the
operator overrode before approving (the overridden checks and their justifications)."""

REMEDY_APPLIED = "remedy.applied"
"""A one-key remedy changed something in Azure (e.g. registered a resource provider)."""

PREVIEW_SHOWN = "preview.shown"
"""A what-if preview was displayed: the summary of changes the operator was asked to approve."""

PREVIEW_APPROVED = "preview.approved"
"""The operator approved the preview shown just before; nothing is deployed without this."""

RESOURCE_GROUP_ENSURED = "resource_group.ensured"
"""A resource group was created or found to exist already (name, location, created or not)."""

DEPLOYMENT_STARTED = "deployment.started"
"""An ARM deployment was submitted (name, scope, template fingerprint)."""

DEPLOYMENT_REATTACHED = "deployment.reattached"
"""After a resume, the wizard attached to a deployment it had submitted earlier instead of
submitting a second one."""

DEPLOYMENT_RETRIED = "deployment.retried"
"""ARM refused a write because another operation was changing the same resource
(AnotherOperationInProgress); the same approved template is submitted again after a wait."""

DEPLOYMENT_SUCCEEDED = "deployment.succeeded"
"""An ARM deployment finished successfully (duration, outputs that are not secret)."""

DEPLOYMENT_FAILED = "deployment.failed"
"""An ARM deployment failed (error code and message, as Azure reported them)."""

IMAGE_BUILD_STARTED = "image_build.started"
"""An Image Builder template's run was requested (template, the image it distributes, the
deployment that made the template)."""

IMAGE_BUILD_REATTACHED = "image_build.reattached"
"""After a resume, the wizard followed a build it had started instead of starting another."""

IMAGE_BUILD_SUCCEEDED = "image_build.succeeded"
"""An image build finished; the image it made is listed as the session's, for cleanup."""

IMAGE_BUILD_FAILED = "image_build.failed"
"""An image build ended Failed or Canceled (run state and Image Builder's message)."""

IMAGE_IMPORTING = "image.importing"
"""An image import into the registry is about to be requested (source registry or registry id,
source image by digest, target tag, whether credentials were given: never the credentials)."""

IMAGE_IMPORTED = "image.imported"
"""An image import finished: the target tag now points at the recorded digest."""

IMAGE_IMPORT_FAILED = "image.import_failed"
"""An image import was refused or failed (Azure's code and message, and the remedy shown)."""

WAIT_STATE = "wait.state"
"""A resource the step waits on (a Flux configuration) changed state, with the object the
state names as failing."""

RUN_COMMAND_COMPLETED = "run_command.completed"
"""A command ran inside the cluster through AKS run command: the command, its attached files'
SHA-256 and text (manifests hold no secret), exit code, the cluster's output, and its id."""

PART_COMPLETED = "part.completed"
"""One part of a step's action sequence finished (images, GitOps, compliance); a resume does
not repeat it."""

ACTION_COMPLETED = "action.completed"
"""A non-deployment action of a step finished (e.g. a role assignment or a CLI call)."""

STEP_COMPLETED = "step.completed"
"""A step finished and verified; its outputs are now available to later steps."""

STEP_FAILED = "step.failed"
"""A step stopped with an error the operator must address before continuing."""

SECRET_STORED = "secret.stored"
"""A secret was put in the session's secret store. Only its name and a ``sha256:`` fingerprint
are recorded, never the value."""

SECRET_SHOWN = "secret.shown"
"""A stored secret was shown to the operator at their request (its name, fingerprint and where:
the TUI or ``aks-wizard secret show``), never its value."""

DIRECTORY_CREATING = "directory.creating"
"""An Entra ID object is about to be created through Microsoft Graph (its unique handle: mail
nickname or UPN). Written before the request, so a resume that finds the object knows it is
this session's and never creates a second one."""

DIRECTORY_CREATED = "directory.created"
"""An Entra ID object was created by this session (kind, object id, names; for a user the
secret store name and fingerprint of its temporary password). Cleanup removes these."""

DIRECTORY_ADOPTED = "directory.adopted"
"""An existing Entra ID object was adopted by object id: used, never changed or deleted."""

DIRECTORY_MEMBER_ADDED = "directory.member-added"
"""A member was added to an Entra ID group (or already was one: Graph answered so)."""

AUDIT_EXPORTED = "audit.exported"
"""The audit log was exported for review (format and destination)."""

KINDS: tuple[str, ...] = (
    SESSION_STARTED,
    SESSION_RESUMED,
    DECISION_RECORDED,
    CHECK_RESULT,
    CHECK_NOT_APPLICABLE,
    CHECK_OVERRIDDEN,
    CHECK_ACCEPTED,
    REMEDY_APPLIED,
    PREVIEW_SHOWN,
    PREVIEW_APPROVED,
    RESOURCE_GROUP_ENSURED,
    DEPLOYMENT_STARTED,
    DEPLOYMENT_REATTACHED,
    DEPLOYMENT_RETRIED,
    DEPLOYMENT_SUCCEEDED,
    DEPLOYMENT_FAILED,
    IMAGE_BUILD_STARTED,
    IMAGE_BUILD_REATTACHED,
    IMAGE_BUILD_SUCCEEDED,
    IMAGE_BUILD_FAILED,
    IMAGE_IMPORTING,
    IMAGE_IMPORTED,
    IMAGE_IMPORT_FAILED,
    WAIT_STATE,
    RUN_COMMAND_COMPLETED,
    PART_COMPLETED,
    ACTION_COMPLETED,
    STEP_COMPLETED,
    STEP_FAILED,
    SECRET_STORED,
    SECRET_SHOWN,
    DIRECTORY_CREATING,
    DIRECTORY_CREATED,
    DIRECTORY_ADOPTED,
    DIRECTORY_MEMBER_ADDED,
    AUDIT_EXPORTED,
)
"""Every kind ``AuditLog.append`` accepts, in the order a session typically produces them."""


def check_kind(kind: str) -> None:
    """Raise ``ValueError`` unless ``kind`` is in the vocabulary.

    Shared by the writer (reject typos) and the verifier (a record with an unknown kind was not
    written by this tool)."""
    if kind not in KINDS:
        raise ValueError(
            f"unknown audit record kind {kind!r}; the audit vocabulary is: {', '.join(KINDS)}"
        )
