"""``python -m wizard`` as an operator or a CI job runs it: the headless run, the session list,
blocked runs with their remedies, and audit verify/export (including tamper detection)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from steps import REGISTRY
from wizard.engine.check_catalog import after_deployment

try:
    from .flow import assert_no_traceback, audit_records, only_session_dir, run_cli, session_id_from, verify_session
except ImportError:  # tests/engine is not a package
    from flow import (assert_no_traceback, audit_records, only_session_dir, run_cli, session_id_from,  # type: ignore
                      verify_session)

BUILT = [s for s in REGISTRY if s.built]


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One complete default headless run, shared by the read-only tests below."""
    home = tmp_path_factory.mktemp("home")
    proc = run_cli(home, "run", "--rehearsal", "--accept-defaults", "--yes", "--pace", "6000")
    lines = proc.stdout.splitlines()
    session_id = session_id_from(lines[0]) if lines else ""
    return {"home": home, "proc": proc, "lines": lines, "id": session_id,
            "dir": home / "sessions" / session_id}


def test_headless_run_prints_one_line_per_event(finished: dict[str, Any]) -> None:
    proc, lines = finished["proc"], finished["lines"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    assert_no_traceback(proc.stdout)
    assert lines[0].startswith(f"session {finished['id']} (rehearsal) in ")
    assert lines[-1].startswith("all built steps done; audit log: ")
    body = lines[1:-1]
    assert all(re.match(r"^\[[a-z-]+\] \S", line) for line in body), body
    for step in BUILT:
        own = [line for line in body if line.startswith(f"[{step.id}] ")]
        checks = [line for line in own if line.startswith(f"[{step.id}] check ")]
        ids = [re.match(rf"^\[{step.id}\] check (\S+):", line).group(1) for line in checks]
        defaults = {f.id: f.default for f in step.fields if not callable(f.default)}
        expected = [c.id for c in step.checks if c.applies(defaults)] + [c.id for c in after_deployment(step) if c.applies(defaults)]
        assert sorted(ids) == sorted(expected), (step.id, ids)  # each check result once
        assert all(re.search(r": PASS ", line) for line in checks)
        done = [line for line in own if line == f"[{step.id}] done" or line.startswith(f"[{step.id}] done (")]
        assert len(done) == 1  # with the step's declared outputs in brackets, when it has any
        if step.action is not None:
            assert len([line for line in own if line.startswith(f"[{step.id}] preview: ")]) == 1
    hub_ops = [line for line in body if re.match(r"^\[hub\] (Accepted|Running|Succeeded|Failed)\s", line)]
    assert hub_ops and len(hub_ops) == len(set(hub_ops))  # only state changes are printed
    assert any("azureFirewalls/" in line for line in hub_ops)
    kinds = [r["kind"] for r in audit_records(finished["dir"])]
    assert kinds.count("step.completed") == len(BUILT)


def test_sessions_json_lists_the_session(finished: dict[str, Any]) -> None:
    proc = run_cli(finished["home"], "sessions", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert isinstance(rows, list) and rows
    for row in rows:
        assert {"id", "mode", "created", "status"} <= set(row)
    mine = next(r for r in rows if r["id"] == finished["id"])
    assert mine["mode"] == "rehearsal" and mine["status"] == "completed"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", mine["created"])


@pytest.mark.parametrize("scenario, check_id", [("missing-role", "prereq.rbac"), ("low-quota", "prereq.quota")])
def test_blocked_scenario_exits_1_with_check_and_remedy(tmp_path: Path, scenario: str, check_id: str) -> None:
    proc = run_cli(tmp_path, "run", "--rehearsal", "--accept-defaults", "--yes", "--pace", "6000",
                   "--scenario", scenario)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert_no_traceback(proc.stdout, proc.stderr)
    err = proc.stderr.splitlines()
    blocked = [line for line in err if line.startswith(f"[prerequisites] blocked by check {check_id}: FAIL ")]
    assert len(blocked) == 1, proc.stderr
    remedy_at = err.index(blocked[0]) + 1
    assert err[remedy_at].startswith("[prerequisites]   remedy: ") and len(err[remedy_at]) > 40
    assert "[prerequisites] done" not in proc.stdout
    assert "[hub]" not in proc.stdout  # nothing past the blocked step ran


def _copy_session(finished: dict[str, Any], dest: Path) -> Path:
    copy = dest / "copy"
    shutil.copytree(finished["dir"], copy, ignore=shutil.ignore_patterns("session.lock"))
    return copy


def test_audit_verify_ok_then_detects_edit_and_truncation(finished: dict[str, Any], tmp_path: Path) -> None:
    home = finished["home"]
    ok = run_cli(home, "audit", "verify", finished["id"])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK:")
    last = audit_records(finished["dir"])[-1]
    assert f"head: seq {last['seq']} sha256 {last['hash']} (last record)" in ok.stdout.splitlines()

    edited = _copy_session(finished, tmp_path / "edited")
    log = edited / "audit.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if json.loads(line)["kind"] == "preview.approved")
    record = json.loads(lines[target])
    record["data"]["counts"] = {"Create": 0}  # a reviewer-relevant lie; the hash is left as it was
    lines[target] = json.dumps(record) + "\n"
    log.write_text("".join(lines))
    bad = run_cli(home, "audit", "verify", str(edited))
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert bad.stdout.startswith("TAMPERED:")
    assert f"record seq {record['seq']} (line {target + 1})" in bad.stdout
    assert_no_traceback(bad.stdout, bad.stderr)

    truncated = _copy_session(finished, tmp_path / "truncated")
    log = truncated / "audit.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:-1]))
    cut = run_cli(home, "audit", "verify", str(truncated))
    assert cut.returncode == 1, cut.stdout + cut.stderr
    assert cut.stdout.startswith("TAMPERED:")
    assert f"seq {len(lines)}" in cut.stdout and "removed from the end" in cut.stdout
    assert_no_traceback(cut.stdout, cut.stderr)

    bare = tmp_path / "bare" / "audit.jsonl"  # the same truncated log without its state.json
    bare.parent.mkdir()
    shutil.copy(log, bare)
    unanchored = run_cli(home, "audit", "verify", str(bare))
    assert unanchored.returncode == 0, unanchored.stdout + unanchored.stderr
    out = unanchored.stdout.splitlines()
    previous = json.loads(lines[-2])
    assert out[1] == f"head: seq {previous['seq']} sha256 {previous['hash']} (last record)"
    assert out[2].startswith("UNCHECKED: truncation.") and "bare audit file" in out[2]


def test_audit_export_markdown(finished: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "x.md"
    proc = run_cli(finished["home"], "audit", "export", finished["id"], "--format", "md", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("Exported ")
    text = out.read_text()
    records = audit_records(finished["dir"])
    assert text.startswith("# ") and "**Verified.**" in text
    assert f"{len(records)} records" in text and records[-1]["hash"][:12] in text  # the head, to compare
    for kind in ("session.started", "preview.approved", "deployment.succeeded", "step.completed"):
        assert kind in text
    assert "PRIVATE KEY" not in text
    assert f"| Session | `{finished['id']}` |" in text and "| Mode | `rehearsal` |" in text
    actor = records[0]["data"]["actor"]
    by = f" · by {actor['name']} (`{actor['upn']}`), object id `{actor['object_id']}`"
    acts = [r for r in records if r["kind"] in ("decision.recorded", "preview.approved", "check.overridden")]
    headings = {int(line.split("**seq ")[1].split("**")[0]): line for line in text.splitlines()
                if line.startswith("**seq ")}
    assert acts and all(headings[r["seq"]].endswith(by) for r in acts)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "md"])
def test_audit_export_of_a_broken_log(finished: dict[str, Any], tmp_path: Path, fmt: str) -> None:
    broken = _copy_session(finished, tmp_path)
    log = broken / "audit.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    record = json.loads(lines[4])
    record["data"]["tampered"] = True
    lines[4] = json.dumps(record) + "\n"
    log.write_text("".join(lines))
    out = tmp_path / f"review.{fmt}"

    refused = run_cli(finished["home"], "audit", "export", str(broken), "--format", fmt, "--out", str(out))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert refused.stdout.startswith("REFUSED: TAMPERED: record seq 5 (line 5)")
    assert "(pass --allow-broken to export it marked UNVERIFIED)" in refused.stdout
    assert not out.exists()

    allowed = run_cli(finished["home"], "audit", "export", str(broken), "--format", fmt, "--out", str(out),
                      "--allow-broken")
    assert allowed.returncode == 1, allowed.stdout + allowed.stderr  # exported, but still not a clean bill
    assert allowed.stdout.startswith(f"EXPORTED UNVERIFIED to {out} ({fmt}): TAMPERED: record seq 5 (line 5)")
    assert_no_traceback(allowed.stdout, allowed.stderr)
    top = " ".join(line.lstrip("> ") for line in out.read_text().splitlines()[:8])
    assert "UNVERIFIED" in top and "record seq 5 (line 5)" in top  # prominent, and names the first bad record


def test_independent_steps_run_side_by_side_and_the_chain_stays_one(tmp_path: Path) -> None:
    """Identity's Graph writes land while the policy deployment runs (both need only step 1);
    the hub starts after policy (its resource group is the policy step's); one ordered,
    intact audit chain records both."""
    proc = run_cli(tmp_path, "run", "--rehearsal", "--accept-defaults", "--yes", "--pace", "600", timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    session = only_session_dir(tmp_path)
    records = audit_records(session)
    seq = {(r["step"], r["kind"]): r["seq"] for r in records}
    # Side by side: identity's writes land between policy's first record and its end (how far
    # policy has got by then depends on the machine's load, so no finer window is asserted).
    began = min(r["seq"] for r in records if r["step"] == "policy")
    ended = seq[("policy", "step.completed")]
    created = [r["seq"] for r in records if r["step"] == "identity" and r["kind"] == "directory.created"]
    assert any(began < s < ended for s in created), (began, ended, created)
    assert seq[("hub", "deployment.started")] > seq[("policy", "step.completed")]
    assert seq[("spoke", "deployment.started")] > seq[("hub", "step.completed")]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert verify_session(session).ok
