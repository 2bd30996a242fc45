"""``aks-wizard secret list|show``: the break-glass password is shown only when asked for, and
each showing is audited with the secret's fingerprint, never its value."""

from __future__ import annotations

from pathlib import Path

from tests.engine.flow import (assert_no_traceback, only_session_dir, records_of, run_cli, session_id_from,
                               verify_session)
from wizard.session.secrets import fingerprint
from wizard.session.store import SessionStore

NAME = "identity.break-glass.password"


def _finished_session(home: Path) -> tuple[str, Path]:
    proc = run_cli(home, "run", "--rehearsal", "--accept-defaults", "--yes", "--pace", "6000", timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    session_id = session_id_from(proc.stdout.splitlines()[0])
    assert f"aks-wizard secret show {session_id} {NAME}" in proc.stdout  # the run says how to see it
    return session_id, only_session_dir(home)


def test_list_shows_names_and_fingerprints_and_show_prints_one_value_audited(tmp_path: Path) -> None:
    session_id, session_dir = _finished_session(tmp_path)
    listed = run_cli(tmp_path, "secret", "list", session_id)
    assert listed.returncode == 0
    rows = dict(line.split("  ", 1) for line in listed.stdout.splitlines())
    assert rows[NAME].startswith("sha256:")
    assert not records_of(session_dir, "secret.shown")  # listing shows no value, so nothing to audit

    shown = run_cli(tmp_path, "secret", "show", session_id, NAME)
    assert shown.returncode == 0, shown.stderr
    password = shown.stdout.strip()
    assert rows[NAME] == fingerprint(password)
    record = records_of(session_dir, "secret.shown")[-1]
    assert record["data"] == {"name": NAME, "fingerprint": fingerprint(password), "via": "cli"}
    assert password not in (session_dir / "audit.jsonl").read_text()
    assert verify_session(session_dir).ok


def test_an_unknown_name_and_a_session_in_use_are_one_line_each(tmp_path: Path) -> None:
    session_id, _ = _finished_session(tmp_path)
    unknown = run_cli(tmp_path, "secret", "show", session_id, "nope")
    assert unknown.returncode == 2 and NAME in unknown.stderr
    assert_no_traceback(unknown.stdout, unknown.stderr)
    held = SessionStore(tmp_path / "sessions").open(session_id)
    try:
        busy = run_cli(tmp_path, "secret", "show", session_id, NAME)
    finally:
        held.close()
    assert busy.returncode == 2 and "key w" in busy.stderr and busy.stdout == ""
    assert_no_traceback(busy.stdout, busy.stderr)
