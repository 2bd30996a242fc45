"""The sentences under a step's tabs and above its checks, computed from stored state.

Every line that counts checks or says what to press next is derived here from the session's
stored results, not kept from whatever last happened on screen: a resumed session, a re-run
of the checks or a one-key fix then always shows current counts. Pure functions, so the
wording is tested without a terminal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from wizard.session.state import StepStatus as S
from wizard.ui.status import WARNING_OPEN

COUNTED = ("pass", "warn", "fail", "error", "n/a")

# Checks, preview and approval use the saved decisions, so they wait while the form differs.
UNSAVED = "Unsaved changes: ctrl+s saves them (checks, preview and approval use the saved decisions)."


@dataclass(frozen=True)
class CheckCounts:
    """How many checks ended how. ``open_warnings`` excludes warnings already overridden."""

    passed: int = 0
    warnings: int = 0
    failed: int = 0  # fail and error: both block and both need the operator
    not_applicable: int = 0
    open_warnings: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.warnings + self.failed + self.not_applicable


def count_checks(results: Iterable[tuple[str, bool]]) -> CheckCounts:
    """Count ``(status, overridden)`` pairs; statuses that are not results (not run,
    running) are left out."""
    counts = {name: 0 for name in COUNTED}
    open_warnings = 0
    for status, overridden in results:
        if status in counts:
            counts[status] += 1
            if status == "warn" and not overridden:
                open_warnings += 1
    return CheckCounts(passed=counts["pass"], warnings=counts["warn"], failed=counts["fail"] + counts["error"],
                       not_applicable=counts["n/a"], open_warnings=open_warnings)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(counts: CheckCounts) -> str:
    """``8 passed, 1 warning, 0 failed, 2 not applicable``."""
    text = f"{counts.passed} passed, {_plural(counts.warnings, 'warning')}, {counts.failed} failed"
    if counts.not_applicable:
        text += f", {counts.not_applicable} not applicable"
    return text


def checks_line(counts: CheckCounts) -> str:
    """The line above the check rows."""
    if not counts.total:
        return "Press c to run the checks. Failures block the step; warnings can be overridden."
    return f"Checks: {summary(counts)}."


def after_checks(counts: CheckCounts, blocking: bool, fixable: bool, has_action: bool,
                 built_to_fail: str = "") -> str:
    """What to do once the checks ran. When they block, only what to do (the counts are on
    the line above the checks; repeating them here pushed the keys off an 80x24 screen).
    ``built_to_fail`` names a rehearsal scenario made to fail here."""
    if not blocking:
        next_key = "p to preview" if has_action else "x to complete the step"
        return f"Checks: {summary(counts)}. Press {next_key}."
    hints = []
    if counts.failed:
        hints.append(f"{_plural(counts.failed, 'check')} failed: "
                     + ("press f to fix what the wizard can fix, or " if fixable else "")
                     + "follow the remedy under each, then press c to re-run")
    if counts.open_warnings:
        hints.append(f"accept {'the' if counts.open_warnings == 1 else 'a'} warning with o and a written justification")
    text = "; ".join(hints) + "."
    text = text[0].upper() + text[1:]
    if built_to_fail and counts.failed:
        text += f" (The “{built_to_fail}” rehearsal fails here on purpose.)"
    return text


def idle_hint(status: str, decided: bool, has_checks: bool, has_action: bool, interrupted: bool = False,
              work: str = "deployment", nothing_next: bool = False) -> str:
    """What to do next when nothing is running and nothing just happened (a view opened on a
    resumed session): one sentence naming the key."""
    if status == S.WAITING:
        return "Finish the steps this one needs first; read the lesson meanwhile (1)."
    if status == S.NOT_BUILT:
        return "Not built yet in this version: nothing will run."
    if status == S.DONE and nothing_next:
        return ("Step done, and so is every step built so far: the later ones are not built yet in this "
                "version (their lessons can be read ahead).")
    if status == S.DONE:
        return "Step done. Press n for the next step (or ↑/↓ and Enter in the step list)."
    if status == S.FAILED:
        return "The step failed: the Run tab (5) shows Azure's error. Press r to preview again and retry."
    if status == S.RUNNING:
        if interrupted:
            return f"The {work} this step started before the wizard stopped is still running in Azure: press t to " \
                   "follow it (nothing is started again)."
        return f"This step's {work} is running in Azure."
    if status == S.PREVIEWED:
        return "Previewed earlier. Press p to preview again, then a to approve and run."
    if status in (S.CHECKS_FAILED, WARNING_OPEN):
        return "The checks need attention (tab 3): fix what failed, or override a warning with o."
    if status == S.CHECKED:
        return "Checks passed. Press " + ("p to preview." if has_action else "x to complete the step.")
    if decided:
        if has_checks:
            return "Decisions saved. Press c to run the checks."
        return "Decisions saved. Press " + ("p to preview." if has_action else "x to complete the step.")
    return "Read the lesson (1), then make your decisions (2) and save them with ctrl+s."
