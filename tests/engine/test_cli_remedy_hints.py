"""Headless output says what the operator can do without the TUI. Remedy texts come from the
checks and may name a TUI key ("Press r to register") or ask for another decision; a headless
run then adds a line: the flag that does it, or that the TUI is needed and how to get there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wizard.engine.contract import Check, Finding
from wizard.headless import TUI_FIX_KEY, TUI_OVERRIDE_KEY, blocked_hints, with_session

try:
    from .flow import assert_no_traceback, run_cli, session_id_from
except ImportError:  # tests/engine is not a package
    from flow import assert_no_traceback, run_cli, session_id_from  # type: ignore

SID = "20261122-100000-abc123"


def _never(_: object) -> Finding:  # pragma: no cover - the hints never run the check
    raise AssertionError


def _fix(_: object, __: object) -> str:  # pragma: no cover
    raise AssertionError


def test_the_keys_named_are_the_tuis_bindings() -> None:
    from wizard.ui.screens.main import MainScreen

    keys = {binding.action: binding.key for binding in MainScreen.BINDINGS}
    assert keys["step('fix')"] == TUI_FIX_KEY
    assert keys["override"] == TUI_OVERRIDE_KEY


def test_a_warning_names_the_flag() -> None:
    entry = {"status": "warn", "summary": "1 public IP", "remedy": "Press o to accept it."}
    assert blocked_hints("hub.snat", None, entry, False, SID) == [
        f"to accept this warning: --override hub.snat='<justification>' (in the TUI: key {TUI_OVERRIDE_KEY})"]


def test_a_failed_check_with_a_one_key_remedy_sends_to_the_tui() -> None:
    check = Check("prereq.providers", "Providers", _never, fix=_fix, fix_label="Register missing providers")
    entry = {"status": "fail", "summary": "Not registered", "remedy": "Press r to register them now."}
    hints = blocked_hints("prereq.providers", check, entry, True, SID)
    assert hints == [
        "--override prereq.providers was not applied: only warnings can be overridden; a failed check must be fixed",
        f"headless cannot apply register missing providers: do it by hand as the remedy says, or in the TUI: "
        f"aks-wizard --resume {SID}, then key {TUI_FIX_KEY} (Fix) on this check",
    ]


def test_a_remedy_that_explains_headless_itself_only_gets_the_tui_command() -> None:
    check = Check("prereq.providers", "Providers", _never, fix=_fix, fix_label="Register missing providers")
    entry = {"status": "fail", "remedy": "Press f (Fix) to register them. Headless: run `az provider register`."}
    assert blocked_hints("prereq.providers", check, entry, False, SID) == [
        f"register missing providers: in the TUI: aks-wizard --resume {SID}, then key {TUI_FIX_KEY} (Fix) on this check"]
    entry = {"status": "fail", "remedy": "Retry the step (key r; headless: `aks-wizard run --resume <session-id>`)."}
    assert blocked_hints("x.y", None, entry, False, SID) == [f"the keys named are the TUI's: aks-wizard --resume {SID}"]


def test_remedies_get_the_real_session_id() -> None:
    assert with_session("then `aks-wizard run --resume <session-id> --yes`.", SID) == \
        f"then `aks-wizard run --resume {SID} --yes`."
    assert with_session("nothing to fill in", SID) == "nothing to fill in"


@pytest.mark.parametrize(("remedy", "expected"), [
    ("Register it (Prerequisites step, key r) or run `az provider register`.", "the key in the remedy is a TUI key"),
    ("Press x to do it.", "the key in the remedy is a TUI key"),
    ("Choose another firewall tier or region.", "cannot change one; change it in the TUI"),
    ("Ask an Owner to grant Contributor, then re-run the checks.", None),
])
def test_a_remedy_written_for_the_tui_gets_a_headless_line(remedy: str, expected: str | None) -> None:
    hints = blocked_hints("x.y", Check("x.y", "X", _never), {"status": "fail", "remedy": remedy}, False, SID)
    if expected is None:
        assert hints == []
    else:
        assert len(hints) == 1 and expected in hints[0] and f"aks-wizard --resume {SID}" in hints[0]


@pytest.mark.parametrize(("scenario", "step", "check_id", "hint"), [
    ("unregistered-provider", "prerequisites", "prereq.providers", f"then key {TUI_FIX_KEY} (Fix) on this check"),
    ("no-firewall-premium", "hub", "hub.firewall-tier", "cannot change one; change it in the TUI"),
])
def test_blocked_runs_print_the_headless_hint_with_the_real_session(
    tmp_path: Path, scenario: str, step: str, check_id: str, hint: str
) -> None:
    proc = run_cli(tmp_path, "run", "--rehearsal", "--accept-defaults", "--yes", "--pace", "6000",
                   "--scenario", scenario)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert_no_traceback(proc.stdout, proc.stderr)
    session_id = session_id_from(proc.stdout.splitlines()[0])
    err = proc.stderr.splitlines()
    at = next(i for i, line in enumerate(err) if line.startswith(f"[{step}] blocked by check {check_id}: "))
    assert err[at + 1].startswith(f"[{step}]   remedy: ")
    assert err[at + 2].startswith(f"[{step}]   ") and hint in err[at + 2]
    assert f"aks-wizard --resume {session_id}" in err[at + 2]
    assert (f"[{step}] nothing was lost; once resolved, re-run the checks with: "
            f"aks-wizard run --resume {session_id} --yes") in err
    assert err[-1].startswith("not done: ") and f"{step} (failed)" in err[-1]  # steps that ran beside it finished


def test_a_failed_deployment_names_the_real_session_and_translates_a_tui_key(tmp_path: Path) -> None:
    """Azure's error code maps to a remedy that names TUI keys; headless adds where the TUI is
    and how to resume, with the actual session id (it used to print ``<session-id>``)."""
    scenario = tmp_path / "failing-hub.json"
    scenario.write_text(json.dumps({"extends": "default", "faults": [{
        "method": "PUT", "path_regex": r"/deployments/hub-default-", "kind": "lro_failed",
        "resource_type": "Microsoft.Network/azureFirewalls", "code": "MissingSubscriptionRegistration",
        "message": "The subscription is not registered to use namespace 'Microsoft.Network'."}]}))
    proc = run_cli(tmp_path, "run", "--rehearsal", "--accept-defaults", "--yes", "--pace", "6000",
                   "--scenario", str(scenario))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert_no_traceback(proc.stdout, proc.stderr)
    session_id = session_id_from(proc.stdout.splitlines()[0])
    err = proc.stderr.splitlines()
    assert "[hub] FAILED" in err
    remedy = next(i for i, line in enumerate(err) if line.startswith("[hub]   remedy: "))
    assert re.search(r"\b(press|key) [a-z]\b", err[remedy], re.IGNORECASE)  # written for the TUI
    assert err[remedy + 1].startswith("[hub]   ") and f"aks-wizard --resume {session_id}" in err[remedy + 1]
    assert f"[hub] nothing was lost; resume with: aks-wizard run --resume {session_id} --yes" in err
    assert err[-1] == ("not done: hub (failed), jumpbox-image (not started), spoke (not started), "
                       "cluster (not started), bootstrap (not started), workload (not started)")  # all of these need the hub, at one remove
    assert "<session-id>" not in proc.stderr
