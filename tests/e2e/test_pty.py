"""Drive the installed ``aks-wizard`` in a real pseudo-terminal, as a learner would.

Keys go in through pexpect; progress is read from the session's ``state.json`` rather than
scraped from escape sequences, which keeps the test about behaviour, not rendering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent / "aks-wizard"
CTRL_S = "\x13"


def _drain(child: "pexpect.spawn") -> None:
    try:
        while True:
            child.read_nonblocking(65536, timeout=0.05)
    except (pexpect.TIMEOUT, pexpect.EOF):
        pass


def _wait(child: "pexpect.spawn", what: str, predicate: Callable[[], bool], timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _drain(child)
        if predicate():
            return
    raise AssertionError(f"timed out waiting for {what}")


def _press_until(child: "pexpect.spawn", key: str, what: str, predicate: Callable[[], bool],
                 timeout: float = 60.0) -> None:
    """Send ``key`` and wait; re-send while nothing happened (the screen may still be loading
    when the first key arrives). Every key used here is safe to repeat."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        child.send(key)
        try:
            _wait(child, what, predicate, timeout=4.0)
            return
        except AssertionError:
            continue
    raise AssertionError(f"timed out waiting for {what}")


def _state(home: Path) -> dict:
    files = list(home.glob("sessions/*/state.json"))
    if not files:
        return {}
    try:
        return json.loads(files[0].read_text())
    except ValueError:
        return {}


def _status(home: Path, step: str) -> str:
    return _state(home).get("steps", {}).get(step, {}).get("status", "")


@pytest.mark.skipif(not BIN.exists(), reason="aks-wizard console script not installed")
def test_the_built_steps_in_a_pty(tmp_path: Path) -> None:
    env = {**os.environ, "AKS_WIZARD_HOME": str(tmp_path), "TERM": "xterm-256color"}
    child = pexpect.spawn(str(BIN), ["--rehearsal", "--pace", "6000"], env=env, dimensions=(40, 120),
                          encoding="utf-8", timeout=30)
    try:
        # --rehearsal starts a rehearsal at once: no menu to get past
        _wait(child, "the session to open", lambda: bool(_state(tmp_path)))

        # prerequisites: save the defaults (the checks then run by themselves), complete
        _press_until(child, CTRL_S, "prerequisite checks", lambda: _status(tmp_path, "prerequisites") == "checked")
        _press_until(child, "x", "prerequisites done", lambda: _status(tmp_path, "prerequisites") == "done")

        for step in ("tls-certificates", "identity", "policy", "hub", "jumpbox-image", "spoke", "cluster", "bootstrap",
                     "workload"):
            time.sleep(0.5)
            child.send("n")  # next step
            _press_until(child, CTRL_S, f"{step} checks", lambda: _status(tmp_path, step) == "checked")
            _press_until(child, "p", f"{step} preview", lambda: _status(tmp_path, step) == "previewed")
            _press_until(child, "a", f"{step} done", lambda: _status(tmp_path, step) == "done")

        time.sleep(0.5)
        child.send("q")
        child.expect(pexpect.EOF, timeout=20)
    finally:
        if child.isalive():
            child.terminate(force=True)

    state = _state(tmp_path)
    built = ("prerequisites", "tls-certificates", "identity", "policy", "hub", "jumpbox-image", "spoke", "cluster",
             "bootstrap", "workload")
    assert {s: state["steps"][s]["status"] for s in built} == dict.fromkeys(built, "done")
    verify = subprocess.run([str(BIN), "audit", "verify", state["id"]], env=env, capture_output=True, text=True,
                            timeout=60)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _spawn(home: Path, *args: str) -> "pexpect.spawn":
    env = {**os.environ, "AKS_WIZARD_HOME": str(home), "TERM": "xterm-256color"}
    return pexpect.spawn(str(BIN), list(args), env=env, dimensions=(24, 80), encoding="utf-8", timeout=30)


def _audit_kinds(home: Path) -> list[str]:
    kinds = []
    for path in home.glob("sessions/*/audit.jsonl"):
        for line in path.read_text().splitlines():
            try:
                kinds.append(json.loads(line)["kind"])
            except (ValueError, KeyError):
                continue
    return kinds


@pytest.mark.skipif(not BIN.exists(), reason="aks-wizard console script not installed")
def test_rehearsal_flag_offers_to_resume_an_unfinished_rehearsal(tmp_path: Path) -> None:
    first = _spawn(tmp_path, "--rehearsal", "--pace", "6000")
    try:
        _wait(first, "the first session to open", lambda: bool(_state(tmp_path)))
        time.sleep(1.0)
        _press_until(first, "q", "the wizard to quit", lambda: not first.isalive(), timeout=30)
    finally:
        if first.isalive():
            first.terminate(force=True)
    session_id = _state(tmp_path)["id"]

    second = _spawn(tmp_path, "--rehearsal", "--pace", "6000")
    try:
        second.expect("unfinished rehearsal session")
        _press_until(second, "1", "the session to be resumed", lambda: "session.resumed" in _audit_kinds(tmp_path))
        time.sleep(0.5)
        second.send("q")
        second.expect(pexpect.EOF, timeout=20)
    finally:
        if second.isalive():
            second.terminate(force=True)
    assert [p.parent.name for p in tmp_path.glob("sessions/*/state.json")] == [session_id]  # resumed, not new
