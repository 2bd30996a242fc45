"""A resumed headless session continues the way it was started: the decision options
(``--accept-defaults``, the ``--override`` justifications) live in the session state and are
reused by ``aks-wizard run --resume <id> --yes``, exactly the command the wizard prints."""

from __future__ import annotations

import json
import re
from pathlib import Path

try:
    from .flow import assert_no_traceback, load_state, records_of, run_cli, session_id_from, verify_session
except ImportError:  # tests/engine is not a package
    from flow import (assert_no_traceback, load_state, records_of, run_cli, session_id_from,  # type: ignore
                      verify_session)

PACE = "6000"
JUSTIFICATION = "one IP is enough for this short-lived test cluster"


def start_and_stop_before_the_hub(home: Path, *extra: str) -> tuple[str, Path, str]:
    """Start a run that stops at the first preview (no ``--yes``): like a run killed after the
    TLS step's decisions and before the hub's were recorded, but deterministic."""
    proc = run_cli(home, "run", "--rehearsal", "--pace", PACE, *extra)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert_no_traceback(proc.stdout, proc.stderr)
    session_id = session_id_from(proc.stdout.splitlines()[0])
    session_dir = home / "sessions" / session_id
    assert not records_of(session_dir, "decision.recorded", "hub")
    return session_id, session_dir, proc.stderr


def test_resume_reuses_accept_defaults_and_overrides(tmp_path: Path) -> None:
    session_id, session_dir, stderr = start_and_stop_before_the_hub(
        tmp_path, "--accept-defaults", "--override", f"hub.snat={JUSTIFICATION}")
    # The stop names the real session in the command to continue with.
    assert f"to approve it and deploy: aks-wizard run --resume {session_id} --yes" in stderr
    assert "<session-id>" not in stderr
    options = load_state(session_dir).run_options
    assert options.accept_defaults is True and options.overrides == {"hub.snat": JUSTIFICATION}

    resumed = run_cli(tmp_path, "run", "--resume", session_id, "--yes", "--pace", PACE)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert_no_traceback(resumed.stdout, resumed.stderr)
    lines = resumed.stdout.splitlines()
    assert lines[1] == (f"run options in effect: --accept-defaults --override 'hub.snat={JUSTIFICATION}' "
                        "(kept from when this session was started, except those given now)")
    assert "[hub] done" in resumed.stdout
    hub_decisions = records_of(session_dir, "decision.recorded", "hub")
    assert hub_decisions and all(r["data"]["default_accepted"] for r in hub_decisions if "value" in r["data"])
    assert load_state(session_dir).status == "completed"
    assert verify_session(session_dir).ok


def test_a_state_file_from_before_run_options_still_loads_and_says_what_to_pass(tmp_path: Path) -> None:
    session_id, session_dir, _ = start_and_stop_before_the_hub(tmp_path, "--accept-defaults")
    state_path = session_dir / "state.json"
    raw = json.loads(state_path.read_text())
    del raw["run_options"]  # exactly what an older wizard wrote
    state_path.write_text(json.dumps(raw))

    bare = run_cli(tmp_path, "run", "--resume", session_id, "--yes", "--pace", PACE)
    assert bare.returncode == 2, bare.stdout + bare.stderr
    assert_no_traceback(bare.stdout, bare.stderr)
    # the first run previewed TLS, identity and policy side by side and stopped; the hub waited
    # on policy, so it is the step without decisions now
    message = [line for line in bare.stderr.splitlines() if line.startswith("[hub] no decisions")]
    assert len(message) == 1
    assert f"aks-wizard run --resume {session_id} --yes --accept-defaults" in message[0]
    assert f"aks-wizard --resume {session_id}" in message[0]  # or decide them in the TUI
    assert "answers file" not in message[0]  # there is no such option

    given = run_cli(tmp_path, "run", "--resume", session_id, "--yes", "--accept-defaults", "--pace", PACE)
    assert given.returncode == 0, given.stdout + given.stderr
    assert load_state(session_dir).run_options.accept_defaults is True  # kept for the next resume
    assert verify_session(session_dir).ok


def test_new_overrides_on_resume_replace_the_stored_ones(tmp_path: Path) -> None:
    session_id, session_dir, _ = start_and_stop_before_the_hub(
        tmp_path, "--accept-defaults", "--override", f"hub.snat={JUSTIFICATION}")
    other = "the zones warning is expected in this sandbox region"
    proc = run_cli(tmp_path, "run", "--resume", session_id, "--pace", PACE, "--override", f"hub.zones={other}")
    assert proc.returncode == 1  # no --yes: stops at the preview again, after storing the options
    assert re.search(r"^run options in effect: --accept-defaults --override 'hub\.zones=", proc.stdout, re.MULTILINE)
    assert load_state(session_dir).run_options.overrides == {"hub.zones": other}
