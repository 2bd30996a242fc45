"""Bad command-line input costs one line and exit status 2, and leaves nothing behind: every
option is checked before a session folder is created, so there is no orphan session, no audit
record and no traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from steps import REGISTRY
from wizard.cli import main

try:
    from .flow import assert_no_traceback, run_cli
except ImportError:  # tests/engine is not a package
    from flow import assert_no_traceback, run_cli  # type: ignore

JUSTIFICATION = "one IP is enough for this test cluster"


def hub_check_ids() -> list[str]:
    hub = next(s for s in REGISTRY if s.id == "hub")
    return [c.id for c in (*hub.checks, *hub.verify)]


def prefixes() -> str:
    return ", ".join(sorted({c.id.split(".")[0] + "." for s in REGISTRY for c in (*s.checks, *s.verify)}))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AKS_WIZARD_HOME", str(tmp_path))

    def no_tui(*_: object, **__: object) -> int:  # a regression must fail here, not open a terminal UI
        raise AssertionError("the TUI was started despite bad input")

    monkeypatch.setattr("wizard.ui.app.run_tui", no_tui)
    return tmp_path


def broken_scenario(tmp_path: Path) -> str:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"extends": "default", "faults": [{"kind": "status", "bogus": 1}]}))
    return str(path)


CASES: list[tuple[list[str] | Callable[[Path], list[str]], str, str]] = [
    (["run", "--rehearsal", "--scenario", "nosuch"], "--scenario nosuch: ", "no such scenario; choose one of base-image-deprecated, default,"),
    (["run", "--rehearsal", "--scenario", "missing.json"], "--scenario missing.json: ", "no such file"),
    (lambda tmp: ["run", "--rehearsal", "--scenario", broken_scenario(tmp)], "--scenario ", "unknown fault keys"),
    (["run", "--rehearsal", "--pace", "-5"], "--pace: ", "-5 is not a positive number"),
    (["run", "--rehearsal", "--pace", "0"], "--pace: ", "0 is not a positive number"),
    (["run", "--rehearsal", "--pace", "nan"], "--pace: ", "nan is not a positive number"),
    (["run", "--rehearsal", "--pace", "fast"], "--pace: ", "'fast' is not a number"),
    (["run", "--rehearsal", "--override", "hub.snat"], "--override hub.snat: ", "needs CHECK=JUSTIFICATION"),
    (["run", "--rehearsal", "--override", f"={JUSTIFICATION}"], "--override: ", "has no check id"),
    (["run", "--rehearsal", "--override", f"no.such.check={JUSTIFICATION}"], "--override no.such.check: ",
     f"unknown check id; check ids start with {prefixes()}"),
    (["run", "--rehearsal", "--override", f"hub.snatt={JUSTIFICATION}"], "--override hub.snatt: ",
     f"unknown check id; the hub. checks are {', '.join(hub_check_ids())}"),
    (["run", "--rehearsal", "--override", "hub.snat=too short"], "--override hub.snat: ", "at least 10 characters"),
    (["run", "--rehearsal", "--override", f"hub.snat={JUSTIFICATION}", "--override", "hub.snat=another reason here"],
     "--override hub.snat: ", "given twice"),
    (["run", "--rehearsal", "--resume", "x"], "--resume: ", "keeps the mode it started in"),
    (["run", "--resume", "x", "--scenario", "low-quota"], "--scenario low-quota: ", "keeps the scenario"),
    (["run", "--scenario", "low-quota"], "--scenario low-quota: ", "add --rehearsal"),
    (["--live", "--rehearsal"], "--live: ", "cannot be combined with --rehearsal"),  # the TUI never opens
    (["--pace", "-5"], "--pace: ", "-5 is not a positive number"),
    (["--scenario", "nosuch"], "--scenario nosuch: ", "no such scenario"),
    (["audit", "export", "x", "--out", "y", "--format", "csv"], "--format: ", "invalid choice"),
]


@pytest.mark.parametrize(("argv", "option", "problem"), CASES, ids=lambda v: v if isinstance(v, str) else None)
def test_bad_input_is_one_line_exit_2_and_creates_nothing(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str] | Callable[[Path], list[str]],
    option: str, problem: str,
) -> None:
    args = argv(tmp_path) if callable(argv) else argv
    try:
        code = main(args)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert option in lines[0] and problem in lines[0], lines[0]
    assert_no_traceback(captured.err)
    assert not (home / "sessions").exists()  # validated before any session was created


def test_resume_of_an_unknown_session_names_it(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--resume", "20990101-000000-nosuch", "--yes"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "20990101-000000-nosuch" in err[0] and "aks-wizard sessions" in err[0]
    assert not (home / "sessions").exists()


@pytest.mark.parametrize("args", [
    ["--scenario", "nosuch"], ["--pace", "-5"], ["--override", "hub.snat"],
    ["--override", f"no.such.check={JUSTIFICATION}"],
])
def test_the_installed_command_refuses_before_creating_a_session(tmp_path: Path, args: list[str]) -> None:
    """The reported cases, through ``python -m wizard`` as an operator types them."""
    proc = run_cli(tmp_path, "run", "--rehearsal", "--accept-defaults", "--yes", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == "" and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith(f"aks-wizard run: {args[0]}")
    assert_no_traceback(proc.stderr)
    assert not (tmp_path / "sessions").exists()


def test_a_bare_aks_wizard_opens_the_tui_as_parsing_no_arguments_would() -> None:
    """``aks-wizard`` with no arguments skips the parser (start-up time): it must open the TUI
    exactly as the parsed empty command line does."""
    from wizard.cli import tui_options
    from wizard.cli_parser import parser

    assert tui_options(None) == tui_options(parser().parse_args([]))
