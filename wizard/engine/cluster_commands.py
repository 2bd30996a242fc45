"""Carrying out commands inside a private cluster: ``kubectl`` through AKS run command.

The preview lists what each command applies (the Kubernetes objects of its attached
manifests) and what it only reads or probes; nothing reaches the cluster before approval.
Once approved, each command runs in order and is audited as it ran (``run_command.completed``:
the command, its files and their SHA-256, exit code and output), so a reviewer sees exactly what was
applied and what the cluster answered. A command with a judge is a check with evidence
(recorded as the step's check result); a command without one must exit 0, and when it does
not, its diagnosis command's answer names the cause (a Deployment's conditions)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from wizard.azure.errors import AzureFailure
from wizard.engine import run_command
from wizard.engine.arm import AzureCallFailed
from wizard.engine.contract import (CheckResult, CheckStatus, ClusterCommands, KubeCommand, PlannedChange, Preview,
                                    StepContext)
from wizard.engine.events import ActionProgress
from wizard.session.state import StepStatus

if TYPE_CHECKING:  # pragma: no cover
    from wizard.engine.runner import StepRunner

AUDITED_OUTPUT = 64 * 1024  # kubectl's answers are small; a runaway one is cut, and says so
RUN_TYPE = "Microsoft.ContainerService/managedClusters/runCommand"


def conditions(text: str) -> str:
    """Why objects are unhappy, in a line, from a ``kubectl get … -o json`` answer: Warning
    events (``Pod/x: Failed: Failed to pull image …``, ``ReplicaSet/y: FailedCreate: admission
    webhook … denied the request``) and False or ReplicaFailure conditions."""
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[-400:]
    items = body.get("items") if body.get("kind") == "List" else [body]
    said: list[str] = []
    for item in items or []:
        if item.get("kind") == "Event":
            involved = item.get("involvedObject") or {}
            line = f"{involved.get('kind')}/{involved.get('name')}: {item.get('reason')}: {item.get('message')}"
        else:
            line = "; ".join(f"{item.get('metadata', {}).get('name', '')}: {c.get('type')}: {c['message']}"
                             for c in (item.get("status") or {}).get("conditions") or []
                             if (c.get("type") == "ReplicaFailure" or str(c.get("status")) == "False")
                             and c.get("message"))
        if line and line not in said:
            said.append(line)
    return "; ".join(said)


class ClusterCommandsStep:
    def __init__(self, runner: "StepRunner", action: ClusterCommands) -> None:
        self.runner = runner
        self.action = action

    def _changes(self, ctx: StepContext) -> list[PlannedChange]:
        cluster = self.action.cluster_id(ctx)
        out: list[PlannedChange] = []
        for command in self.action.commands:
            applies = list(command.changes(ctx))
            out += applies
            if not applies:
                line = command.shown(ctx) if command.shown is not None else command.command(ctx)
                out.append(PlannedChange("Run", f"{cluster}/runCommand#{command.key}", RUN_TYPE, command.key,
                                         reason=f"{command.title}: {line}"))
        return out

    def preview(self, ctx: StepContext) -> Preview:
        return Preview(tuple(self._changes(ctx)), notes=(
            "The API server is private: these run inside the cluster through AKS run command, as you (your Entra "
            "token; Kubernetes RBAC applies). Nothing runs before you approve; each command, its files' SHA-256 "
            "and the cluster's answer go into the audit log.",))

    def deploy(self, ctx: StepContext) -> dict[str, Any]:
        runner, azure = self.runner, self.runner.azure
        assert azure is not None
        approved = set(((runner.state.preview or {}).get("changes") or {}))
        planned = self._changes(ctx)
        if any(c.resource_id.lower() not in approved for c in planned):
            raise AzureCallFailed(AzureFailure("PreviewOutdated", "What the commands would apply is not what was "
                                               "previewed and approved.", "",
                                               "Show the preview again (key p) and approve it."))
        runner.state.status = StepStatus.RUNNING
        runner.session.save()
        cluster = self.action.cluster_id(ctx)
        ran: dict[str, Any] = {}
        total = len(self.action.commands)
        for index, command in enumerate(self.action.commands):
            runner.sink(ActionProgress(runner.step.id, f"{command.title}…", index / max(total, 1)))
            outcome = self._run(cluster, command.command(ctx), command.files(ctx), command.key)
            ran[command.key] = {"exit_code": outcome.exit_code, "command_id": outcome.command_id}
            if command.judge is not None:
                self._judged(command, outcome, ctx, cluster)
            elif not outcome.ok:
                self._failed(command, outcome, ctx, cluster)
        runner.sink(ActionProgress(runner.step.id, "Commands done.", 1.0))
        return {"commands": ran}

    def _run(self, cluster: str, command: str, files: Any, key: str) -> run_command.CommandOutcome:
        outcome = run_command.run(self.runner.azure, cluster, command, files)  # type: ignore[arg-type]
        evidence = outcome.as_evidence()
        # the attached files themselves (manifests: names, addresses, client ids, never a secret),
        # so a reviewer reads what was applied from the audit alone; their SHA-256 sits beside them
        evidence["files"] = dict(files or {})
        if len(evidence["output"]) > AUDITED_OUTPUT:
            evidence["output"] = evidence["output"][:AUDITED_OUTPUT] + "\n[cut: the rest is not kept]"
        self.runner.session.record("run_command.completed", self.runner.step.id, {"key": key, **evidence})
        return outcome

    def _judged(self, command: KubeCommand, outcome: run_command.CommandOutcome, ctx: StepContext,
                cluster: str) -> None:
        began = time.monotonic()
        assert command.judge is not None
        finding = command.judge(outcome, ctx)
        result = CheckResult(f"{self.runner.step.id}.{command.key}", command.title, finding,
                             outcome.seconds + time.monotonic() - began)
        self.runner.record_check(result)
        if finding.status is not CheckStatus.PASS:
            raise AzureCallFailed(AzureFailure("InClusterCheckFailed", f"{command.title}: {finding.summary}", cluster,
                                               finding.remedy or command.remedy))

    def _failed(self, command: KubeCommand, outcome: run_command.CommandOutcome, ctx: StepContext,
                cluster: str) -> None:
        said = outcome.logs.strip().splitlines()[-3:] or [outcome.reason or outcome.state]
        why = ""
        if command.diagnose is not None:
            why = conditions(self._run(cluster, command.diagnose(ctx), {}, f"{command.key}-diagnosis").logs)
        message = f"{command.title} failed (exit {outcome.exit_code}): {' '.join(s.strip() for s in said)}"
        raise AzureCallFailed(AzureFailure("KubernetesCommandFailed", message + (f" Why: {why}" if why else ""),
                                           cluster, command.remedy))
