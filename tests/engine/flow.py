"""Shared helpers for the engine tests: a real Workspace on the rehearsal backend (real SDK
clients, HTTPS on 127.0.0.1), a recording sink, step drivers, audit readers and a CLI runner.

Not a conftest (another module owns that): test modules import what they need from here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

from wizard.audit.record import AuditHead
from wizard.audit.verify import VerifyReport, verify_log
from wizard.engine.contract import CheckStatus
from wizard.engine.events import DeployProgress, Event
from wizard.engine.runner import StepRunner
from wizard.session.state import SessionState
from wizard.session.store import SessionStore
from wizard.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
PACE = 6000.0  # 100 Azure minutes per real second: the hub takes ~0.1 s
POLL = 0.01

_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|^\s+raise \w",
                        re.MULTILINE)


def assert_no_traceback(*texts: Any) -> None:
    for text in texts:
        assert not _TRACEBACK.search(str(text)), f"Python traceback text shown to the operator:\n{text}"


class Recorder:
    """An EventSink that keeps every event."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def deploy_states(self) -> list[str]:
        return [e.snapshot.state for e in self.of(DeployProgress)]


@contextmanager
def open_workspace(tmp_path: Path, scenario: str = "default", pace: float = PACE) -> Iterator[Workspace]:
    ws = Workspace.start_rehearsal(SessionStore(tmp_path / "sessions"), scenario, pace=pace)
    try:
        yield ws
    finally:
        ws.close()


def env_for(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(AKS_WIZARD_HOME=str(home), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
               PYTHONUNBUFFERED="1")
    env.pop("HTTPS_PROXY", None)
    env.pop("https_proxy", None)
    return env


# -- driving steps ------------------------------------------------------------------------
def decide_and_check(ws: Workspace, step_id: str, sink: Any = None, **answers: Any) -> StepRunner:
    runner = ws.runner(step_id, sink or Recorder(), poll_interval=POLL)
    errors = runner.submit_decisions({**runner.defaults(), **answers})
    assert errors == {}, errors
    runner.run_checks()
    return runner


def finish_prerequisites(ws: Workspace) -> dict[str, Any]:
    runner = decide_and_check(ws, "prerequisites")
    assert runner.blocking() == [], runner.state.checks
    return runner.complete_without_action()


def deploy_step(ws: Workspace, step_id: str, sink: Any = None, **answers: Any) -> dict[str, Any]:
    runner = decide_and_check(ws, step_id, sink, **answers)
    assert runner.blocking() == [], runner.state.checks
    runner.preview()
    runner.approve()
    return runner.deploy()


def not_passing(runner: StepRunner) -> dict[str, str]:
    return {k: v["status"] for k, v in runner.state.checks.items() if v["status"] != CheckStatus.PASS.value}


# -- session files ------------------------------------------------------------------------
def audit_records(session_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (session_dir / "audit.jsonl").read_text().splitlines() if line.strip()]


def kinds(session_dir: Path, step: str | None = "*") -> list[str]:
    return [r["kind"] for r in audit_records(session_dir) if step == "*" or r["step"] == step]


def load_state(session_dir: Path) -> SessionState:
    return SessionState.from_dict(json.loads((session_dir / "state.json").read_text()))


def verify_session(session_dir: Path) -> VerifyReport:
    head = load_state(session_dir).audit_head
    return verify_log(session_dir / "audit.jsonl", AuditHead.from_dict(head) if head else None)


def journal(session_dir: Path) -> list[dict[str, Any]]:
    path = session_dir / "rehearsal-journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def in_order(sequence: list[str], wanted: list[str]) -> bool:
    """``wanted`` is a subsequence of ``sequence`` (each kind appears, in this order)."""
    it = iter(sequence)
    return all(any(item == w for item in it) for w in wanted)


# -- the CLI ------------------------------------------------------------------------------
def wizard_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "wizard", *args]


def run_cli(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(wizard_cmd(*args), cwd=REPO, env=env_for(home), capture_output=True, text=True,
                          timeout=timeout, check=False)


def popen_cli(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(wizard_cmd(*args), cwd=REPO, env=env_for(home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)


def session_id_from(first_line: str) -> str:
    match = re.match(r"session (\S+) \(", first_line)
    assert match, f"no session line: {first_line!r}"
    return match.group(1)


def only_session_dir(home: Path) -> Path:
    dirs = [p for p in (home / "sessions").iterdir() if (p / "state.json").exists()]
    assert len(dirs) == 1, dirs
    return dirs[0]


def records_of(session_dir: Path, kind: str, step: str | None = None) -> list[Mapping[str, Any]]:
    return [r for r in audit_records(session_dir) if r["kind"] == kind and (step is None or r["step"] == step)]
