"""``aks-wizard run``: every built step with default (or resumed) decisions, one line per
event, no prompts; independent steps run side by side (``wizard.engine.pipeline``). Same
engine and Workspace as the TUI; only the sink differs."""

from __future__ import annotations

import re
import sys
import threading
from typing import Any, Callable, Mapping, Sequence, TextIO

from wizard.azure.remedies import TUI_KEYS, with_session
from wizard.engine import pipeline
from wizard.engine.arm import AzureCallFailed
from wizard.engine.contract import Check, CheckStatus, StepDefinition
from wizard.engine.events import (ActionProgress, CheckFinished, DeployProgress, Event, Notice, PreviewReady,
                                  StepFinished)
from wizard.engine.runner import StepBlocked
from wizard.session.state import StepStatus
from wizard.workspace import Workspace

# The TUI's keys for the two check actions, from the one table remedies use (headless may not
# import the UI; a test keeps that table in step with the bindings).
TUI_FIX_KEY = TUI_KEYS["fix"]
TUI_OVERRIDE_KEY = TUI_KEYS["override"]

# A remedy sentence that tells the operator to press a key ("Press r to ...", "key r") was
# written for the TUI; headless output must say what to do without one.
_NAMES_A_KEY = re.compile(r"\b(?:[Pp]ress|[Kk]ey)\s+`?[A-Za-z]`?(?![A-Za-z])")
# A remedy that asks for another decision ("Choose another region"): headless takes each step's
# defaults, so it cannot act on it; the decision is changed in the TUI.
_ASKS_FOR_A_DECISION = re.compile(r"\b(?:[Cc]hoose|[Pp]ick)\b")


def resume_command(session_id: str) -> str:
    """The command that continues a session headless (decision options are kept in it)."""
    return f"aks-wizard run --resume {session_id} --yes"


def tui_command(session_id: str) -> str:
    return f"aks-wizard --resume {session_id}"


class LinePrinter:
    """Turns engine events into one short line each. Deploy progress prints only when an
    operation changes state, so a ten-minute deployment is a handful of lines, not thousands."""

    def __init__(self, out: TextIO = sys.stdout, session_id: str | None = None) -> None:
        self.out = out
        self.session_id = session_id
        self._seen: dict[tuple[str, ...], str] = {}
        self.lock = threading.RLock()  # steps run side by side: one line at a time, never interleaved

    def __call__(self, event: Event) -> None:
        with self.lock:
            line = self.format(event)
        if line:
            self.say(line)

    def say(self, text: str, stream: TextIO | None = None) -> None:
        with self.lock:
            print(text, file=stream or self.out, flush=True)

    def format(self, event: Event) -> str | None:
        if isinstance(event, CheckFinished):
            f = event.result.finding
            text = f"[{event.step}] check {event.result.check_id}: {f.status.value.upper()} {f.summary}"
            if f.status is not CheckStatus.PASS and f.remedy:
                text += f"\n[{event.step}]   remedy: {with_session(f.remedy, self.session_id)}"
            return text
        if isinstance(event, PreviewReady):
            counts = ", ".join(f"{v} {k}" for k, v in sorted(event.preview.counts().items())) or "no changes"
            return f"[{event.step}] preview: {counts}"
        if isinstance(event, DeployProgress):
            lines = []
            for op in event.snapshot.operations:
                key = (event.step, op.resource_type, op.resource_name)
                if self._seen.get(key) != op.state:
                    self._seen[key] = op.state
                    lines.append(f"[{event.step}] {op.state:<9} {op.resource_type}/{op.resource_name}"
                                 + (f" ({op.error})" if op.error else ""))
            return "\n".join(lines) or None
        if isinstance(event, ActionProgress):
            # A long action (an image build) reports its clock on every poll (``detail``):
            # print a line when what it is doing changes, with the clock at that moment.
            if self._seen.get((event.step, "action")) == event.message:
                return None
            self._seen[(event.step, "action")] = event.message
            return f"[{event.step}] {event.message}" + (f" ({event.detail})" if event.detail else "")
        if isinstance(event, Notice):
            return f"[{event.step}] {event.message}"
        if isinstance(event, StepFinished) and event.status == StepStatus.DONE:
            return f"[{event.step}] done" + _outputs_line(event.step, event.outputs or {})
        return None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_shown(v) for v in value)
    return str(value)


def _outputs_line(step_id: str, outputs: Mapping[str, Any]) -> str:
    """The step's declared outputs (what the next steps and the operator use), on the line
    that says it is done."""
    from steps import step_by_id

    shown = [f"{spec.label}: {_shown(outputs[spec.key])}" for spec in step_by_id(step_id).outputs
             if outputs.get(spec.key) not in (None, "", [], {})]
    return f" ({'; '.join(shown)})" if shown else ""


def run_headless(ws: Workspace, yes: bool, accept_defaults: bool, overrides: Mapping[str, str],
                 out: TextIO = sys.stdout, err: TextIO = sys.stderr,
                 answers: Mapping[str, Mapping[str, Any]] | None = None, notes: Sequence[str] = ()) -> int:
    """Run every built step not done yet, each as soon as the steps it needs are done (several
    at once: ``wizard.engine.pipeline``). Return 0 when every built step is done; 1 when a step
    failed or was blocked (the others still finish); 2 when a step has no decisions to go on.
    ``notes`` are printed right after the session line."""
    sid = ws.session.id
    printer = LinePrinter(out, sid)
    say: Callable[[str], None] = lambda text: printer.say(text)  # noqa: E731
    say(f"session {sid} ({ws.session.mode}) in {ws.session.dir}")
    for note in notes:
        say(note)
    for step_id in ws.interrupted_steps():
        say(f"[{step_id}] re-attaching to the deployment that was running when the wizard stopped")
        try:
            ws.runner(step_id, printer).deploy()
        except (AzureCallFailed, StepBlocked) as exc:
            return _fail(err, step_id, exc, sid)
    todo = []
    for step in ws.built_steps():
        if ws.status_of(step.id) == StepStatus.DONE:
            say(f"[{step.id}] already done")
        else:
            todo.append(step)
    run = _StepRun(ws, printer, err, yes, accept_defaults, overrides, answers or {})
    outcomes = pipeline.run_pipeline(todo, ws.status_of, run)
    for outcome in outcomes:
        if outcome.code == pipeline.NOT_STARTED:
            printer.say(f"[{outcome.step_id}] not started: {outcome.why}", err)
        elif outcome.code == pipeline.FAILED and outcome.why:  # an unexpected error, not a reported failure
            printer.say(f"[{outcome.step_id}] stopped by an unexpected error: {outcome.why}; nothing was lost; "
                        f"resume with: {resume_command(sid)}", err)
    ws.refresh_completion()
    unfinished = [o for o in outcomes if o.code != pipeline.DONE]
    if not unfinished:
        later = [s.id for s in ws.registry if not s.built]
        say(f"all built steps done; audit log: {ws.session.dir / 'audit.jsonl'}"
            + (f"; not built yet in this version: {', '.join(later)}" if later else ""))
        return 0
    labels = {pipeline.FAILED: "failed", pipeline.NO_DECISIONS: "no decisions", pipeline.NOT_STARTED: "not started"}
    printer.say("not done: " + ", ".join(f"{o.step_id} ({labels[o.code]})" for o in unfinished), err)
    codes = {o.code for o in unfinished}  # a step not started behind one without decisions: the cause is 2
    return 1 if pipeline.FAILED in codes or pipeline.NO_DECISIONS not in codes else 2


class _StepRun:
    """One step from decisions to done, as headless runs it (called by the pipeline, possibly
    beside other steps in other threads: every line goes through the printer's lock)."""

    def __init__(self, ws: Workspace, printer: LinePrinter, err: TextIO, yes: bool, accept_defaults: bool,
                 overrides: Mapping[str, str], answers: Mapping[str, Mapping[str, Any]]) -> None:
        self.ws, self.printer, self.err = ws, printer, err
        self.yes, self.accept_defaults, self.overrides, self.answers = yes, accept_defaults, overrides, answers

    def _err(self, text: str) -> None:
        self.printer.say(text, self.err)

    def __call__(self, step: StepDefinition) -> int:
        ws, sid = self.ws, self.ws.session.id
        runner = ws.runner(step.id, self.printer)
        try:
            raw = dict(self.answers.get(step.id, {}))
            if not raw and not self.accept_defaults and not runner.state.answers:
                self._err(f"[{step.id}] no decisions recorded for this step: resume with --accept-defaults to use "
                          f"its defaults ({resume_command(sid)} --accept-defaults), or decide them in the TUI "
                          f"({tui_command(sid)})")
                return pipeline.NO_DECISIONS
            errors = runner.submit_decisions({**runner.defaults(), **raw})
            if errors:
                for field_id, message in errors.items():
                    self._err(f"[{step.id}] decision {field_id}: {message}")
                return pipeline.FAILED
            runner.run_checks()
            for check_id in list(runner.blocking()):
                entry = runner.state.checks[check_id]
                if entry["status"] == CheckStatus.WARN.value and check_id in self.overrides:
                    runner.override(check_id, self.overrides[check_id])
                    self.printer.say(f"[{step.id}] check {check_id}: overridden ({self.overrides[check_id]})")
            if runner.blocking():
                self._report_blocked(step, runner)
                return pipeline.FAILED
            if step.action is None:
                runner.complete_without_action()
                return pipeline.DONE
            runner.preview()
            if not self.yes:
                self._err(f"[{step.id}] preview shown; to approve it and deploy: {resume_command(sid)}")
                return pipeline.FAILED
            runner.approve()
            runner.deploy()
            return pipeline.DONE
        except (AzureCallFailed, StepBlocked) as exc:
            with self.printer.lock:
                _fail(self.err, step.id, exc, sid)
            return pipeline.FAILED

    def _report_blocked(self, step: StepDefinition, runner: Any) -> None:
        sid = self.ws.session.id
        lines = []
        for check_id in runner.blocking():
            entry = runner.state.checks[check_id]
            lines.append(f"[{step.id}] blocked by check {check_id}: {entry['status'].upper()} {entry['summary']}")
            if entry.get("remedy"):
                lines.append(f"[{step.id}]   remedy: {with_session(entry['remedy'], sid)}")
            check = next((c for c in step.checks if c.id == check_id), None)
            lines += [f"[{step.id}]   {hint}" for hint in blocked_hints(check_id, check, entry,
                                                                      check_id in self.overrides, sid)]
        lines.append(f"[{step.id}] nothing was lost; once resolved, re-run the checks with: {resume_command(sid)}")
        self._err("\n".join(lines))


def blocked_hints(check_id: str, check: Check | None, entry: Mapping[str, Any], override_given: bool,
                  session_id: str) -> list[str]:
    """What the operator can do about a blocking check without the TUI, or that the TUI is
    needed and how to get there. The remedy text comes from the check and may name a TUI key;
    these lines say what that means headless."""
    status, remedy = entry.get("status"), str(entry.get("remedy") or "")
    if status == CheckStatus.WARN.value:
        return [f"to accept this warning: --override {check_id}='<justification>' "
                f"(in the TUI: key {TUI_OVERRIDE_KEY})"]
    hints = []
    if override_given:
        hints.append(f"--override {check_id} was not applied: only warnings can be overridden; a "
                     "failed check must be fixed")
    explained = "headless" in remedy.lower()  # the remedy already says what to do without the TUI
    if check is not None and check.fix is not None:
        label = (check.fix_label or "its one-key remedy").lower()
        tui = f"in the TUI: {tui_command(session_id)}, then key {TUI_FIX_KEY} (Fix) on this check"
        hints.append(f"{label}: {tui}" if explained else
                     f"headless cannot apply {label}: do it by hand as the remedy says, or {tui}")
    elif key_hint := _key_hint(remedy, session_id):
        hints.append(key_hint)
    elif _ASKS_FOR_A_DECISION.search(remedy):
        hints.append("headless runs take the recorded or default decisions and cannot change one; change it in "
                     f"the TUI: {tui_command(session_id)}")
    return hints


def _key_hint(remedy: str, session_id: str) -> str | None:
    """For a remedy that names a TUI key: where that key is, and, unless the remedy already
    says it, that headless the same thing is done by hand."""
    if not _NAMES_A_KEY.search(remedy):
        return None
    if "headless" in remedy.lower():
        return f"the keys named are the TUI's: {tui_command(session_id)}"
    return f"the key in the remedy is a TUI key ({tui_command(session_id)}); headless, do by hand what it does"


def _fail(err: TextIO, step_id: str, exc: Exception, session_id: str | None = None) -> int:
    """Print a failure the operator can act on. Every caller here passes the session id so the
    resume line is a command to paste; the default only keeps older callers (tests) working."""
    session_id = session_id or "SESSION"
    if isinstance(exc, AzureCallFailed):
        failure = exc.failure
        print(f"[{step_id}] FAILED", file=err)
        for line in failure.lines():
            print(f"[{step_id}]   {line}", file=err)
        print(f"[{step_id}]   remedy: {with_session(failure.remedy, session_id)}", file=err)
        if key_hint := _key_hint(failure.remedy or "", session_id):
            print(f"[{step_id}]   {key_hint}", file=err)
        if failure.correlation_id:
            print(f"[{step_id}]   correlation id: {failure.correlation_id}", file=err)
    else:
        print(f"[{step_id}] blocked: {exc}", file=err)
    print(f"[{step_id}] nothing was lost; resume with: {resume_command(session_id)}", file=err)
    return 1
