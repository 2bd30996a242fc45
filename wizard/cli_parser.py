"""The ``aks-wizard`` command line, parsed. Kept apart from ``wizard.cli`` so a bare
``aks-wizard`` (the welcome menu) never imports argparse or builds the parser."""

from __future__ import annotations

import argparse
import math
from typing import NoReturn

EXIT_USAGE = 2


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


def parser() -> argparse.ArgumentParser:
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
