"""Running ``kubectl`` inside a private cluster through AKS run command.

The API server has no public address, so nothing on the operator's machine can reach it.
Run command is an ARM action (``POST …/managedClusters/{name}/runCommand``,
azure-mgmt-containerservice's ``begin_run_command``): AKS starts a short-lived pod in the
cluster that runs the command with the files attached as its working directory, and the
result (exit code, output) is read back from ``commandResults/{id}``.

With Entra integration and local accounts off, the pod's kubectl needs a Kubernetes token:
the operator's own token for the AKS server application, sent as ``clusterToken``, the way
Azure CLI's ``az aks command invoke`` and Az PowerShell do (reference/facts-2026-12.md §4).
Kubernetes RBAC then applies to the operator, not to a shared admin credential. The token
is sent and never kept: the audit holds the command, its files' SHA-256 and its output."""

from __future__ import annotations

import base64
import hashlib
import io
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any, Mapping

from wizard.azure.context import AzureContext
from wizard.engine.arm import call

# The AKS Microsoft Entra server application: the audience of every Kubernetes token of an
# Entra-integrated cluster (reference/facts-2026-12.md §4).
AKS_SERVER_APP = "6dae42f8-4368-4678-94ff-3960e28e3630"
OUTPUT_LIMIT = 512 * 1024  # what run command returns at most (facts §4: 512 kB)


@dataclass(frozen=True)
class CommandOutcome:
    """What one command did, as the audit records it (never the token)."""

    command: str
    exit_code: int
    logs: str
    state: str  # the run's provisioningState: Succeeded | Failed
    reason: str = ""
    files: Mapping[str, str] = field(default_factory=dict)  # attached file name -> SHA-256
    command_id: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.state.lower() == "succeeded" and self.exit_code == 0  # AKS answers "succeeded"

    def as_evidence(self) -> dict[str, Any]:
        return {"command": self.command, "exit_code": self.exit_code, "state": self.state, "reason": self.reason,
                "output": self.logs, "files_sha256": dict(self.files), "command_id": self.command_id,
                "seconds": round(self.seconds, 2)}


def context_zip(files: Mapping[str, str]) -> str:
    """The attached files as run command takes them: a zip, base64-encoded."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(name, files[name])
    return base64.b64encode(buffer.getvalue()).decode()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def cluster_parts(cluster_id: str) -> tuple[str, str]:
    """(resource group, name) of a managed cluster id."""
    pieces = cluster_id.split("/")
    return pieces[4], pieces[-1]


def run(azure: AzureContext, cluster_id: str, command: str, files: Mapping[str, str] | None = None) -> CommandOutcome:
    """Run ``command`` in the cluster and wait for its result; Azure errors (run command
    disabled, no right to run it) raise ``AzureCallFailed`` with Azure's code and message."""
    from azure.mgmt.containerservice.models import RunCommandRequest

    attached = dict(files or {})
    rg, name = cluster_parts(cluster_id)
    token = azure.credential.get_token(f"{AKS_SERVER_APP}/.default").token
    request = RunCommandRequest(command=command, context=context_zip(attached) if attached else None,
                                cluster_token=token)
    began = time.monotonic()
    poller = call(name, azure.container_service().managed_clusters.begin_run_command, rg, name, request)
    result = call(name, poller.result)
    seconds = time.monotonic() - began
    exit_code = getattr(result, "exit_code", None)
    return CommandOutcome(command=command, exit_code=-1 if exit_code is None else int(exit_code),
                          logs=str(getattr(result, "logs", "") or "")[:OUTPUT_LIMIT],
                          state=str(getattr(result, "provisioning_state", "") or ""),
                          reason=str(getattr(result, "reason", "") or ""),
                          files={n: sha256_text(t) for n, t in sorted(attached.items())},
                          command_id=str(getattr(result, "id", "") or ""), seconds=seconds)
