"""The ``aks-wizard`` command. Parses arguments and dispatches; imports the TUI, the Azure
SDKs and the rehearsal backend only for the sub-command that needs them (start-up speed).

Every option is validated before a session is created or opened, so bad input costs one line
on stderr and exit status 2 and leaves nothing behind: no orphan session folder, no audit
record, no traceback."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Sequence

from wizard.session.run_options import OptionError

if TYPE_CHECKING:  # pragma: no cover - typing only; imported lazily for start-up speed
    import argparse

    from wizard.session.store import SessionStore
    from wizard.workspace import Workspace

EXIT_USAGE = 2  # a usage error (the parser exits with the same status: wizard.cli_parser)
DEFAULT_SCENARIO = "default"


def _checked_scenario(name: str) -> str:
    """Load the scenario the way the rehearsal backend will, so a typo or a broken file is
    refused now rather than after the session folder exists. A scenario file is returned as
    an absolute path: the session keeps it, and a resume may run from another directory."""
    from wizard.rehearsal.faults import Fault
    from wizard.rehearsal.scenario import SCENARIO_DIR, load_scenario

    shown = f"--scenario {name}"
    path = Path(name).expanduser()
    is_file = path.suffix == ".json" and path.is_file()
    try:
        scenario = load_scenario(str(path) if is_file else name)
        for spec in scenario.faults:
            Fault.from_dict(dict(spec))
    except FileNotFoundError as exc:
        if is_file or (SCENARIO_DIR / f"{name}.json").is_file():  # found, but what it extends is not
            raise OptionError(shown, f"the scenario cannot be loaded: {exc}") from None
        if path.suffix == ".json":
            raise OptionError(shown, "no such file") from None
        names = sorted(p.stem for p in SCENARIO_DIR.glob("*.json"))
        raise OptionError(shown, f"no such scenario; choose one of {', '.join(names)}, or a .json file") from None
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        reason = f"it has no {exc}" if isinstance(exc, KeyError) else str(exc)
        raise OptionError(shown, f"the scenario cannot be loaded: {reason}") from None
    return str(path.resolve()) if is_file else name


@dataclass(frozen=True)
class RunRequest:
    """What ``aks-wizard run`` was asked to do, validated."""

    resume: str | None = None
    live: bool = False
    scenario: str = DEFAULT_SCENARIO
    pace: float | None = None
    accept_defaults: bool = False
    yes: bool = False
    overrides: dict[str, str] = field(default_factory=dict)


def _mode_conflicts(rehearsal: bool, live: bool, resume: str | None, scenario: str | None,
                    pace: float | None, *, live_unless_rehearsal: bool) -> None:
    """Refuse combinations the wizard would otherwise quietly ignore. ``run`` starts a live
    session unless told ``--rehearsal``; the TUI starts a rehearsal unless told ``--live``."""
    if rehearsal and live:
        raise OptionError("--live", "cannot be combined with --rehearsal; choose one")
    if resume and (rehearsal or live):
        raise OptionError("--resume", "a resumed session keeps the mode it started in; leave out "
                                      + ("--rehearsal" if rehearsal else "--live"))
    if resume and scenario is not None:
        raise OptionError(f"--scenario {scenario}", "a resumed session keeps the scenario it started with; "
                                                    "leave --scenario out")
    is_live = live or (live_unless_rehearsal and not rehearsal)
    if is_live and not resume and (scenario is not None or pace is not None):
        option = f"--scenario {scenario}" if scenario is not None else "--pace"
        raise OptionError(option, "applies only to a rehearsal, not to --live" if live else
                          "applies only to a rehearsal: add --rehearsal (without it, run starts a live session)")


def run_request(args: argparse.Namespace) -> RunRequest:
    """Validate ``run``'s options (including those given before the sub-command). Raises
    ``OptionError`` naming the first bad one."""
    from steps import REGISTRY
    from wizard.engine.runner import MIN_JUSTIFICATION
    from wizard.session.run_options import known_check_ids, parse_overrides

    rehearsal = args.rehearsal or args.run_rehearsal
    resume = args.run_resume or args.resume
    scenario = args.run_scenario if args.run_scenario is not None else args.scenario
    pace = args.run_pace if args.run_pace is not None else args.pace
    _mode_conflicts(rehearsal, args.live, resume, scenario, pace, live_unless_rehearsal=True)
    overrides = parse_overrides(args.override, known_check_ids(REGISTRY), MIN_JUSTIFICATION)
    checked = _checked_scenario(scenario) if rehearsal and scenario is not None else DEFAULT_SCENARIO
    return RunRequest(resume=resume, live=not (rehearsal or resume), scenario=checked, pace=pace,
                      accept_defaults=args.accept_defaults, yes=args.yes, overrides=overrides)


def _usage_error(prog: str, exc: OptionError) -> int:
    print(f"{prog}: {exc}", file=sys.stderr)
    return EXIT_USAGE


# -- dispatch -----------------------------------------------------------------------------
def tui_options(args: argparse.Namespace | None) -> dict[str, Any]:
    """How the TUI opens for these (already checked) arguments; None is a bare ``aks-wizard``."""
    if args is None:
        return {"mode": "rehearsal", "scenario": DEFAULT_SCENARIO, "pace": 60.0, "resume": None, "start": None}
    return {"mode": "live" if args.live else "rehearsal",
            "scenario": _checked_scenario(args.scenario) if args.scenario is not None else DEFAULT_SCENARIO,
            "pace": args.pace if args.pace is not None else 60.0, "resume": args.resume,
            # a mode flag opens that mode at once
            "start": "rehearsal" if args.rehearsal else "live" if args.live else None}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:  # the welcome menu: nothing to parse, and building the parser is ~7 ms of start-up
        from wizard.session.store import SessionStore
        from wizard.ui.app import run_tui

        return run_tui(SessionStore(), **tui_options(None))
    from wizard.cli_parser import parser

    args = parser().parse_args(argv)
    if args.command == "run":
        try:
            request = run_request(args)  # before the store exists: bad input touches nothing
        except OptionError as exc:
            return _usage_error("aks-wizard run", exc)
    from wizard.session.store import SessionStore

    store = SessionStore()
    if args.command == "run":
        return _run(request, store)
    if args.command == "sessions":
        return _sessions(store, args.json)
    if args.command == "secret":
        from wizard.session.secret_command import run_secret

        return run_secret(store, args.secret_command, args.target, getattr(args, "name", ""))
    if args.command == "audit":
        from wizard.audit import command

        if args.audit_command == "verify":
            return command.run_verify(args.target, store.home)
        return command.run_export(args.target, store.home, Path(args.out), args.format,
                                  allow_broken=args.allow_broken)
    try:
        _mode_conflicts(args.rehearsal, args.live, args.resume, args.scenario, args.pace,
                        live_unless_rehearsal=False)
        options = tui_options(args)
    except OptionError as exc:
        return _usage_error("aks-wizard", exc)
    from wizard.ui.app import run_tui

    return run_tui(store, **options)


def _sessions(store: SessionStore, as_json: bool) -> int:
    rows = store.list()
    if as_json:
        print(json.dumps([r.as_dict() for r in rows], indent=2))
        return 0
    for r in rows:
        print(f"{r.id}  {r.mode:<9}  {r.status:<11}  {r.steps_done:>2} steps done  "
              f"step {r.current_step:<16}  created {r.created}")
    if not rows:
        print(f"no sessions under {store.home}")
    return 0


def _run(request: RunRequest, store: SessionStore) -> int:
    from wizard.azure.signin import SignInRequired
    from wizard.headless import resume_command, run_headless
    from wizard.session.lock import SessionLocked
    from wizard.session.store import SessionCorrupt, SessionNotFound
    from wizard.workspace import DEFAULT_PACE, Workspace

    pace = request.pace if request.pace is not None else DEFAULT_PACE
    try:
        if request.resume:
            ws = Workspace.resume(store, request.resume, pace=pace)
        elif request.live:
            ws = Workspace.start_live(store)
        else:
            ws = Workspace.start_rehearsal(store, request.scenario, pace=pace)
    except SessionNotFound as exc:
        print(f"aks-wizard run: --resume {request.resume}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (SessionLocked, SessionCorrupt, SignInRequired) as exc:
        print(f"aks-wizard: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\naks-wizard: interrupted while opening the session", file=sys.stderr)
        return 130
    try:
        notes = _settle_run_options(ws, request)
        return run_headless(ws, yes=request.yes, accept_defaults=ws.session.state.run_options.accept_defaults,
                            overrides=ws.session.state.run_options.overrides, notes=notes)
    except KeyboardInterrupt:
        print(f"\ninterrupted; resume with: {resume_command(ws.session.id)}", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the operator gets a sentence, the traceback goes to a file
        crash = _write_crash_log(ws.session.dir, exc)
        print(f"aks-wizard: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"aks-wizard: the session and its audit log are intact; details in {crash}", file=sys.stderr)
        print(f"aks-wizard: resume with: {resume_command(ws.session.id)}", file=sys.stderr)
        return 1
    finally:
        ws.close()


def _settle_run_options(ws: Workspace, request: RunRequest) -> list[str]:
    """Store the decision options in the session, so a resume continues the way the run was
    started; on resume, reuse the stored ones unless new ones are given. Returns the lines the
    run prints about it (a resumed operator must see what is in effect)."""
    from wizard.session.run_options import describe
    from wizard.session.state import RunOptions

    session = ws.session
    stored = session.state.run_options
    if request.resume:
        options = stored.resumed_with(request.accept_defaults, request.overrides)
    else:
        options = RunOptions(accept_defaults=request.accept_defaults, overrides=dict(request.overrides))
    session.state.run_options = options
    session.save()
    given = RunOptions(accept_defaults=request.accept_defaults, overrides=dict(request.overrides))
    if request.resume and options != given:
        return [f"run options in effect: {describe(options.accept_defaults, options.overrides)} "
                "(kept from when this session was started, except those given now)"]
    return []


def _write_crash_log(session_dir: Path, exc: BaseException) -> Path:
    import traceback

    path = session_dir / "crash.log"
    with path.open("a") as handle:
        handle.write("".join(traceback.format_exception(exc)))
    return path


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
