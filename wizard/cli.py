"""The ``aks-wizard`` command. Parses arguments and dispatches; imports the TUI, the Azure
SDKs and the rehearsal backend only for the sub-command that needs them (start-up speed).

Every option is validated before a session is created or opened, so bad input costs one line
on stderr and exit status 2 and leaves nothing behind: no orphan session folder, no audit
record, no traceback."""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Sequence

from wizard.session.run_options import OptionError

if TYPE_CHECKING:  # pragma: no cover - typing only; both are imported lazily for start-up speed
    from wizard.session.store import SessionStore
    from wizard.workspace import Workspace

EXIT_USAGE = 2
DEFAULT_SCENARIO = "default"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the option (not the whole usage block),
    in the same shape as the errors this module raises itself."""

    def error(self, message: str) -> NoReturn:
        message = message.removeprefix("argument ")
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _pace(text: str) -> float:
    """``--pace``: a finite, positive speed. NaN and infinity pass ``float()`` but would make
    every simulated deployment take forever or no time at all."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give Azure seconds per real second, "
                                         "e.g. 60") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of Azure seconds per real second "
                                         "(e.g. 60)")
    return value


def _parser() -> argparse.ArgumentParser:
    # Shared options default to None so a value given before the sub-command
    # (``aks-wizard --rehearsal run``) can be told apart from one not given at all.
    parser = _Parser(prog="aks-wizard", description="Guided, audited deployment of the AKS secure "
                     "baseline. With no sub-command, opens the terminal UI.")
    parser.add_argument("--rehearsal", action="store_true", help="start a rehearsal session (no subscription needed)")
    parser.add_argument("--live", action="store_true", help="start a live session (uses az login)")
    parser.add_argument("--resume", metavar="SESSION", help="resume a session by id or folder")
    parser.add_argument("--scenario", default=None, help="rehearsal scenario name or file (default: default)")
    parser.add_argument("--pace", type=_pace, default=None,
                        help="rehearsal speed: Azure seconds per real second (default 60)")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run every built step without the UI")
    run.add_argument("--rehearsal", action="store_true", dest="run_rehearsal")
    run.add_argument("--resume", metavar="SESSION", dest="run_resume")
    run.add_argument("--scenario", default=None, dest="run_scenario")
    run.add_argument("--pace", type=_pace, default=None, dest="run_pace")
    run.add_argument("--accept-defaults", action="store_true",
                     help="use every step's default decisions (kept for --resume)")
    run.add_argument("--yes", action="store_true", help="approve every preview (give it again on --resume)")
    run.add_argument("--override", action="append", default=[], metavar="CHECK=JUSTIFICATION",
                     help="accept a warning with a written justification (audited; kept for --resume)")

    sessions = sub.add_parser("sessions", help="list sessions")
    sessions.add_argument("--json", action="store_true")

    secret = sub.add_parser("secret", help="list a session's stored secrets, or show one (audited)")
    secret_sub = secret.add_subparsers(dest="secret_command", required=True)
    secret_list = secret_sub.add_parser("list", help="names and fingerprints of the stored secrets")
    secret_list.add_argument("target", help="session id or folder")
    secret_show = secret_sub.add_parser("show", help="print one secret, e.g. identity.break-glass.password")
    secret_show.add_argument("target", help="session id or folder")
    secret_show.add_argument("name")

    audit = sub.add_parser("audit", help="verify or export an audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the hash chain; exit 0 when intact")
    verify.add_argument("target", help="session id, session folder or audit.jsonl")
    export = audit_sub.add_parser("export", help="export a verified audit log for a review")
    export.add_argument("target")
    export.add_argument("--format", choices=("jsonl", "json", "md"), default="json")
    export.add_argument("--out", required=True)
    export.add_argument("--allow-broken", action="store_true",
                        help="export a log that fails verification, marked UNVERIFIED (exit status stays 1)")
    return parser


# -- validation (nothing on disk is touched here) ---------------------------------------------
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
def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
        scenario = _checked_scenario(args.scenario) if args.scenario is not None else DEFAULT_SCENARIO
    except OptionError as exc:
        return _usage_error("aks-wizard", exc)
    from wizard.ui.app import run_tui

    mode = "live" if args.live else "rehearsal"
    pace = args.pace if args.pace is not None else 60.0
    start = "rehearsal" if args.rehearsal else "live" if args.live else None  # a flag opens that mode at once
    return run_tui(store, mode=mode, scenario=scenario, pace=pace, resume=args.resume, start=start)


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
