"""``aks-wizard run``: every built step with default (or resumed) decisions, one line per
event, no prompts. Same engine and Workspace as the TUI; only the sink differs."""

from __future__ import annotations

import sys
from typing import Any, Callable, Mapping, TextIO

from wizard.engine.arm import AzureCallFailed
from wizard.engine.contract import CheckStatus
from wizard.engine.events import (ActionProgress, CheckFinished, DeployProgress, Event, Notice, PreviewReady,
                                  StepFinished)
from wizard.engine.runner import StepBlocked
from wizard.session.state import StepStatus
from wizard.workspace import Workspace


class LinePrinter:
    """Turns engine events into one short line each. Deploy progress prints only when an
    operation changes state, so a ten-minute deployment is a handful of lines, not thousands."""

    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self._seen: dict[tuple[str, str], str] = {}

    def __call__(self, event: Event) -> None:
        line = self.format(event)
        if line:
            print(line, file=self.out, flush=True)

    def format(self, event: Event) -> str | None:
        if isinstance(event, CheckFinished):
            f = event.result.finding
            text = f"[{event.step}] check {event.result.check_id}: {f.status.value.upper()} {f.summary}"
            if f.status is not CheckStatus.PASS and f.remedy:
                text += f"\n[{event.step}]   remedy: {f.remedy}"
            return text
        if isinstance(event, PreviewReady):
            counts = ", ".join(f"{v} {k}" for k, v in sorted(event.preview.counts().items())) or "no changes"
            return f"[{event.step}] preview: {counts}"
        if isinstance(event, DeployProgress):
            lines = []
            for op in event.snapshot.operations:
                key = (op.resource_type, op.resource_name)
                if self._seen.get(key) != op.state:
                    self._seen[key] = op.state
                    lines.append(f"[{event.step}] {op.state:<9} {op.resource_type}/{op.resource_name}"
                                 + (f" ({op.error})" if op.error else ""))
            return "\n".join(lines) or None
        if isinstance(event, ActionProgress):
            return f"[{event.step}] {event.message}"
        if isinstance(event, Notice):
            return f"[{event.step}] {event.message}"
        if isinstance(event, StepFinished) and event.status == StepStatus.DONE:
            return f"[{event.step}] done"
        return None


def run_headless(ws: Workspace, yes: bool, accept_defaults: bool, overrides: Mapping[str, str],
                 out: TextIO = sys.stdout, err: TextIO = sys.stderr,
                 answers: Mapping[str, Mapping[str, Any]] | None = None) -> int:
    """Return 0 when every built step is done; 1 with the failing step, check or error."""
    printer = LinePrinter(out)
    say: Callable[[str], None] = lambda text: print(text, file=out, flush=True)  # noqa: E731
    say(f"session {ws.session.id} ({ws.session.mode}) in {ws.session.dir}")
    for step_id in ws.interrupted_steps():
        say(f"[{step_id}] re-attaching to the deployment that was running when the wizard stopped")
        try:
            ws.runner(step_id, printer).deploy()
        except (AzureCallFailed, StepBlocked) as exc:
            return _fail(err, step_id, exc)
    for step in ws.built_steps():
        if ws.status_of(step.id) == StepStatus.DONE:
            say(f"[{step.id}] already done")
            continue
        runner = ws.runner(step.id, printer)
        try:
            raw = dict((answers or {}).get(step.id, {}))
            if not raw and not accept_defaults and not runner.state.answers:
                print(f"[{step.id}] no decisions: pass --accept-defaults or an answers file", file=err)
                return 2
            errors = runner.submit_decisions({**runner.defaults(), **raw})
            if errors:
                for field_id, message in errors.items():
                    print(f"[{step.id}] decision {field_id}: {message}", file=err)
                return 1
            runner.run_checks()
            for check_id in list(runner.blocking()):
                entry = runner.state.checks[check_id]
                if entry["status"] == CheckStatus.WARN.value and check_id in overrides:
                    runner.override(check_id, overrides[check_id])
                    say(f"[{step.id}] check {check_id}: overridden ({overrides[check_id]})")
            if blocking := runner.blocking():
                for check_id in blocking:
                    entry = runner.state.checks[check_id]
                    print(f"[{step.id}] blocked by check {check_id}: {entry['status'].upper()} {entry['summary']}",
                          file=err)
                    if entry.get("remedy"):
                        print(f"[{step.id}]   remedy: {entry['remedy']}", file=err)
                    if entry["status"] == CheckStatus.WARN.value:
                        print(f"[{step.id}]   to accept this warning: --override {check_id}='<justification>'",
                              file=err)
                return 1
            if step.action is None:
                runner.complete_without_action()
                continue
            runner.preview()
            if not yes:
                print(f"[{step.id}] preview shown; pass --yes to approve and deploy", file=err)
                return 1
            runner.approve()
            runner.deploy()
        except (AzureCallFailed, StepBlocked) as exc:
            return _fail(err, step.id, exc)
    ws.refresh_completion()
    say(f"all built steps done; audit log: {ws.session.dir / 'audit.jsonl'}")
    return 0


def _fail(err: TextIO, step_id: str, exc: Exception) -> int:
    if isinstance(exc, AzureCallFailed):
        failure = exc.failure
        print(f"[{step_id}] FAILED", file=err)
        for line in failure.lines():
            print(f"[{step_id}]   {line}", file=err)
        print(f"[{step_id}]   remedy: {failure.remedy}", file=err)
        if failure.correlation_id:
            print(f"[{step_id}]   correlation id: {failure.correlation_id}", file=err)
    else:
        print(f"[{step_id}] blocked: {exc}", file=err)
    print(f"[{step_id}] nothing was lost; resume with: aks-wizard run --resume <session-id> --yes", file=err)
    return 1
