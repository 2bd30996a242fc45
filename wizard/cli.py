"""The ``aks-wizard`` command. Parses arguments and dispatches; imports the TUI, the Azure
SDKs and the rehearsal backend only for the sub-command that needs them (start-up speed)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aks-wizard", description="Guided, audited deployment of the AKS secure "
                                     "baseline. With no sub-command, opens the terminal UI.")
    parser.add_argument("--rehearsal", action="store_true", help="start a rehearsal session (no subscription needed)")
    parser.add_argument("--live", action="store_true", help="start a live session (uses az login)")
    parser.add_argument("--resume", metavar="SESSION", help="resume a session by id or folder")
    parser.add_argument("--scenario", default="default", help="rehearsal scenario name or file (default: default)")
    parser.add_argument("--pace", type=float, default=60.0,
                        help="rehearsal speed: Azure seconds per real second (default 60)")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run every built step without the UI")
    run.add_argument("--rehearsal", action="store_true", dest="run_rehearsal")
    run.add_argument("--resume", metavar="SESSION", dest="run_resume")
    run.add_argument("--scenario", default=None, dest="run_scenario")
    run.add_argument("--pace", type=float, default=None, dest="run_pace")
    run.add_argument("--accept-defaults", action="store_true", help="use every step's default decisions")
    run.add_argument("--yes", action="store_true", help="approve every preview")
    run.add_argument("--override", action="append", default=[], metavar="CHECK=JUSTIFICATION",
                     help="accept a warning with a written justification (audited)")

    sessions = sub.add_parser("sessions", help="list sessions")
    sessions.add_argument("--json", action="store_true")

    audit = sub.add_parser("audit", help="verify or export an audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the hash chain; exit 0 when intact")
    verify.add_argument("target", help="session id, session folder or audit.jsonl")
    export = audit_sub.add_parser("export", help="export a verified audit log for a review")
    export.add_argument("target")
    export.add_argument("--format", choices=("jsonl", "json", "md"), default="json")
    export.add_argument("--out", required=True)
    return parser


def _overrides(items: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in items:
        check_id, sep, text = item.partition("=")
        if not sep:
            raise SystemExit(f"--override needs CHECK=JUSTIFICATION, got {item!r}")
        out[check_id.strip()] = text.strip()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from wizard.session.store import SessionStore

    store = SessionStore()
    if args.command == "sessions":
        rows = store.list()
        if args.json:
            print(json.dumps([r.as_dict() for r in rows], indent=2))
        else:
            for r in rows:
                print(f"{r.id}  {r.mode:<9}  {r.status:<11}  {r.steps_done:>2} steps done  "
                      f"step {r.current_step:<16}  created {r.created}")
            if not rows:
                print(f"no sessions under {store.home}")
        return 0
    if args.command == "audit":
        from wizard.audit import command

        if args.audit_command == "verify":
            return command.run_verify(args.target, store.home)
        return command.run_export(args.target, store.home, Path(args.out), args.format)
    if args.command == "run":
        return _run(args, store)
    from wizard.ui.app import run_tui

    mode = "live" if args.live else "rehearsal"
    return run_tui(store, mode=mode, scenario=args.scenario, pace=args.pace, resume=args.resume)


def _run(args: argparse.Namespace, store: "object") -> int:
    from wizard.azure.signin import SignInRequired
    from wizard.headless import run_headless
    from wizard.session.lock import SessionLocked
    from wizard.session.store import SessionCorrupt, SessionNotFound
    from wizard.workspace import DEFAULT_PACE, Workspace

    pace = args.run_pace or DEFAULT_PACE
    try:
        if args.run_resume:
            ws = Workspace.resume(store, args.run_resume, pace=pace)  # type: ignore[arg-type]
        elif args.run_rehearsal:
            ws = Workspace.start_rehearsal(store, args.run_scenario or "default", pace=pace)  # type: ignore[arg-type]
        else:
            ws = Workspace.start_live(store)  # type: ignore[arg-type]
    except (SessionLocked, SessionNotFound, SessionCorrupt, SignInRequired) as exc:
        print(f"aks-wizard: {exc}", file=sys.stderr)
        return 2
    try:
        return run_headless(ws, yes=args.yes, accept_defaults=args.accept_defaults,
                            overrides=_overrides(args.override))
    except KeyboardInterrupt:
        print(f"\ninterrupted; resume with: aks-wizard run --resume {ws.session.id} --yes", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the operator gets a sentence, the traceback goes to a file
        crash = _write_crash_log(ws.session.dir, exc)
        print(f"aks-wizard: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"aks-wizard: the session and its audit log are intact; details in {crash}", file=sys.stderr)
        print(f"aks-wizard: resume with: aks-wizard run --resume {ws.session.id} --yes", file=sys.stderr)
        return 1
    finally:
        ws.close()


def _write_crash_log(session_dir: Path, exc: BaseException) -> Path:
    import traceback

    path = session_dir / "crash.log"
    with path.open("a") as handle:
        handle.write("".join(traceback.format_exception(exc)))
    return path


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
