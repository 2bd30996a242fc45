"""Run options in the session state: parsed strictly from the command line, persisted, loaded
from old state files that lack them, refused when malformed, and combined on resume."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from steps import REGISTRY
from wizard.session.run_options import OptionError, describe, known_check_ids, parse_overrides
from wizard.session.state import RunOptions, SessionState
from wizard.session.store import SessionCorrupt, SessionStore

KNOWN = ("hub.snat", "hub.zones", "prereq.rbac")


def test_known_ids_are_every_check_and_verification_of_the_registry() -> None:
    ids = known_check_ids(REGISTRY)
    for step in REGISTRY:
        for check in (*step.checks, *step.verify):
            assert check.id in ids
    assert "hub.verify-resources" in ids and len(ids) == len(set(ids))


def test_overrides_are_parsed_trimmed_and_may_contain_equals_signs() -> None:
    parsed = parse_overrides([" hub.snat = one IP: a=b is fine here ", "hub.snat=one IP: a=b is fine here"], KNOWN, 10)
    assert parsed == {"hub.snat": "one IP: a=b is fine here"}  # the same text twice is not a conflict


@pytest.mark.parametrize(("item", "message"), [
    ("hub.snat", "--override hub.snat: needs CHECK=JUSTIFICATION"),
    ("hub.nat=long enough text", "--override hub.nat: unknown check id; the hub. checks are hub.snat, hub.zones"),
    ("net.snat=long enough text", "--override net.snat: unknown check id; check ids start with hub., prereq."),
    ("hub.snat=   short   ", "--override hub.snat: the justification must be at least 10 characters"),
])
def test_bad_overrides_name_the_option_and_the_problem(item: str, message: str) -> None:
    with pytest.raises(OptionError) as caught:
        parse_overrides([item], KNOWN, 10)
    assert str(caught.value).startswith(message)
    assert caught.value.option.startswith("--override")


def test_state_round_trip_and_old_state_files(tmp_path: Path) -> None:
    state = SessionState("s", "rehearsal", "c", "0.1.0",
                         run_options=RunOptions(True, {"hub.snat": "one IP is enough here"}))
    assert SessionState.from_dict(json.loads(json.dumps(state.to_dict()))) == state
    old = state.to_dict()
    del old["run_options"]
    assert SessionState.from_dict(old).run_options == RunOptions()  # loads with the defaults


@pytest.mark.parametrize("bad", [[], {"accept_defaults": "yes"}, {"overrides": {"hub.snat": 3}}])
def test_malformed_run_options_make_the_session_corrupt_not_a_crash(tmp_path: Path, bad: object) -> None:
    store = SessionStore(tmp_path)
    session = store.create("rehearsal")
    session.close()
    state_path = session.dir / "state.json"
    raw = json.loads(state_path.read_text())
    raw["run_options"] = bad
    state_path.write_text(json.dumps(raw))
    with pytest.raises(SessionCorrupt, match="run_options"):
        store.open(session.id)
    raw["run_options"] = {"accept_defaults": True}
    state_path.write_text(json.dumps(raw))
    reopened = store.open(session.id)  # the failed open released the lock
    assert reopened.state.run_options == RunOptions(True, {})
    reopened.close()


def test_resume_keeps_what_is_not_given_and_replaces_what_is() -> None:
    stored = RunOptions(True, {"hub.snat": "kept from the start"})
    assert stored.resumed_with(False, {}) == stored
    assert stored.resumed_with(False, {"hub.zones": "given on resume"}) == RunOptions(True, {"hub.zones": "given on resume"})
    assert RunOptions().resumed_with(True, {}) == RunOptions(True, {})


def test_describe_reads_like_the_command_line() -> None:
    assert describe(True, {"hub.snat": "it's fine"}) == "--accept-defaults --override 'hub.snat=it'\"'\"'s fine'"
    assert shlex.split(describe(False, {"hub.snat": "it's fine"})) == ["--override", "hub.snat=it's fine"]
    assert describe(False, {}) == "no decision options"
