"""The killer test: SIGKILL the headless wizard while the hub deployment runs, resume, and prove
the deployment was re-attached (never submitted twice) and the audit chain survived."""

from __future__ import annotations

import queue
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

try:
    from .flow import (assert_no_traceback, journal, load_state, popen_cli, records_of, run_cli, session_id_from,
                       verify_session)
except ImportError:  # tests/engine is not a package
    from flow import (assert_no_traceback, journal, load_state, popen_cli, records_of, run_cli,  # type: ignore
                      session_id_from, verify_session)

SLOW_PACE = "60"  # one Azure minute per real second: the hub deployment takes ~10 s


class LineReader:
    """Reads a child's stdout on a thread so the test can wait with a deadline."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float = 45) -> str:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if regex.search(line):
                return line
        stderr = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
        raise AssertionError(f"no line matching {pattern!r}; got:\n" + "\n".join(self.lines) + "\n" + stderr)


@pytest.fixture
def spawn(tmp_path: Path):  # noqa: ANN201
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        proc = popen_cli(tmp_path, *args)
        started.append(proc)
        return proc

    yield start
    for proc in started:  # only the processes this test started, by handle
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def test_sigkill_during_hub_deployment_then_resume_reattaches(tmp_path: Path, spawn) -> None:  # noqa: ANN001
    proc = spawn("run", "--rehearsal", "--accept-defaults", "--yes", "--pace", SLOW_PACE)
    reader = LineReader(proc)
    session_id = session_id_from(reader.wait_for(r"^session "))
    reader.wait_for(r"^\[hub\] Running\s")
    proc.kill()  # SIGKILL: no cleanup handler runs
    assert proc.wait(timeout=10) == -9

    session_dir = tmp_path / "sessions" / session_id
    dep_name = f"hub-default-{session_id.rsplit('-', 1)[-1]}"
    killed = load_state(session_dir)
    assert killed.steps["hub"].deployment.name == dep_name
    assert killed.steps["hub"].deployment.status in ("submitting", "running")
    assert verify_session(session_dir).ok  # the chain is intact right after the kill

    resumed = run_cli(tmp_path, "run", "--resume", session_id, "--yes", "--pace", "6000", timeout=60)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert_no_traceback(resumed.stdout, resumed.stderr)
    assert re.search(r"\[hub\] re-attach", resumed.stdout, re.IGNORECASE), resumed.stdout
    assert f"Re-attached to {dep_name}" in resumed.stdout
    assert "[hub] done" in resumed.stdout
    for step in ("prerequisites", "tls-certificates"):
        assert f"[{step}] already done" in resumed.stdout

    state = load_state(session_dir)
    assert state.steps["hub"].status == "done" and state.steps["hub"].deployment.status == "succeeded"
    assert state.steps["hub"].outputs["firewall_private_ip"]
    assert state.status == "completed"
    assert len(records_of(session_dir, "deployment.reattached", "hub")) == 1
    assert len(records_of(session_dir, "deployment.started", "hub")) == 1
    assert len(records_of(session_dir, "deployment.succeeded", "hub")) == 1
    assert len(records_of(session_dir, "session.resumed")) == 1
    reattached = records_of(session_dir, "deployment.reattached", "hub")[0]["data"]
    started = records_of(session_dir, "deployment.started", "hub")[0]["data"]
    assert reattached["deployment"] == dep_name and reattached["id"] == started["id"]
    assert reattached["correlation_id"] == started["correlation_id"]

    entries = journal(session_dir)
    assert entries and all(set(e) == {"ts", "method", "path", "query", "request", "status", "response"}
                           for e in entries)
    puts = [e for e in entries if e["method"] == "PUT" and e["path"].lower().endswith(f"/deployments/{dep_name}")]
    assert len(puts) == 1, [e["path"] for e in puts]

    verified = run_cli(tmp_path, "audit", "verify", session_id)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("OK:")


def test_second_wizard_on_open_session_exits_2(tmp_path: Path, spawn) -> None:  # noqa: ANN001
    first = spawn("run", "--rehearsal", "--accept-defaults", "--yes", "--pace", SLOW_PACE)
    reader = LineReader(first)
    session_id = session_id_from(reader.wait_for(r"^session "))
    second = run_cli(tmp_path, "run", "--resume", session_id, "--yes", "--pace", "6000", timeout=30)
    assert first.poll() is None, "the first wizard must still hold the session"
    assert second.returncode == 2, second.stdout + second.stderr
    assert "already open" in second.stderr and session_id in second.stderr
    assert f"pid {first.pid}" in second.stderr
    assert_no_traceback(second.stderr, second.stdout)
    first.kill()
    first.wait(timeout=10)
    session_dir = tmp_path / "sessions" / session_id
    assert not records_of(session_dir, "session.resumed")  # the refused wizard wrote nothing
    assert verify_session(session_dir).ok


def test_sigkill_with_two_deployments_running_resumes_both_without_resubmitting(tmp_path: Path, spawn) -> None:  # noqa: ANN001
    """The spoke and the jump box image deploy side by side once the hub is done: kill the
    wizard while both run; the resumed run re-attaches to both, submits neither again, and
    then starts the image build (once)."""
    proc = spawn("run", "--rehearsal", "--accept-defaults", "--yes", "--pace", SLOW_PACE)
    reader = LineReader(proc)
    session_id = session_id_from(reader.wait_for(r"^session "))
    reader.wait_for(r"^\[(spoke|jumpbox-image)\] Running\s", timeout=60)
    reader.wait_for(r"^\[(spoke|jumpbox-image)\] Running\s", timeout=20)
    session_dir = tmp_path / "sessions" / session_id
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # both submissions recorded (state is written before each PUT)
        steps = load_state(session_dir).steps
        if all(steps[s].deployment is not None for s in ("spoke", "jumpbox-image")):
            break
        time.sleep(0.05)
    proc.kill()
    assert proc.wait(timeout=10) == -9
    killed = load_state(session_dir).steps
    running = [s for s in ("spoke", "jumpbox-image") if killed[s].deployment and
               killed[s].deployment.status in ("submitting", "running")]
    assert running == ["spoke", "jumpbox-image"], {s: killed[s].deployment for s in ("spoke", "jumpbox-image")}
    # A kill can land between saving "submitting" and the PUT: ARM then never saw that deployment,
    # and the resumed run submits it (once). One that ARM had is re-attached to.
    sent = {s: any(e["method"] == "PUT" and e["path"].endswith(f"/deployments/{killed[s].deployment.name}")
                   for e in journal(session_dir)) for s in running}

    resumed = run_cli(tmp_path, "run", "--resume", session_id, "--yes", "--pace", "6000", timeout=90)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert_no_traceback(resumed.stdout, resumed.stderr)
    for step in ("spoke", "jumpbox-image"):
        assert len(records_of(session_dir, "deployment.reattached", step)) == int(sent[step]), step
        # Nothing is submitted again because of the kill. The one deliberate resubmission is
        # ARM's AnotherOperationInProgress on the hub's firewall policy (both steps write a rule
        # collection group to it): each is audited as deployment.retried, then started again.
        retried = len(records_of(session_dir, "deployment.retried", step))
        assert len(records_of(session_dir, "deployment.started", step)) == 1 + retried, step
        name = load_state(session_dir).steps[step].deployment.name
        puts = [e for e in journal(session_dir) if e["method"] == "PUT" and e["path"].endswith(f"/deployments/{name}")]
        assert len(puts) == 1 + retried, (step, [e["path"] for e in puts])
    assert len(records_of(session_dir, "image_build.started", "jumpbox-image")) == 1
    runs = [e for e in journal(session_dir) if e["method"] == "POST" and e["path"].lower().endswith("/run")]
    assert len(runs) == 1
    assert load_state(session_dir).status == "completed"
    assert verify_session(session_dir).ok
