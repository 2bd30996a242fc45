"""Which step actions apply right now: the rules behind the footer keys.

Kept as data over a snapshot of the view (``ViewFacts``) so the rules can be read in one
place and tested without a terminal. The footer, the command palette and the key handlers
all ask ``allowed``; an action the rules refuse is neither shown nor run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from wizard.session.state import StepStatus as S


@dataclass(frozen=True)
class ViewFacts:
    """What the rules need to know about one step view at one moment."""

    status: str
    busy: bool = False  # an engine call for this step is running
    has_action: bool = True  # the step deploys or writes something (else it is completed with x)
    has_checks: bool = True
    decided: bool = False  # decisions saved (or the step asks for none)
    form_loaded: bool = True
    preview_ready: bool = False  # a what-if preview is on screen for the current decisions
    fixable_failure: bool = False  # a failed check offers a one-key fix
    open_warning: bool = False  # a warning not yet overridden
    interrupted: bool = False  # a deployment submitted before the wizard stopped is still running
    secret_to_show: bool = False  # the step made a secret the operator may ask to see (a temporary password)
    unsaved_edits: bool = False  # the form differs from the saved decisions, which are what would be checked and run


def _ready_to_act(f: ViewFacts) -> bool:
    """Decisions saved, and checks passed (or the step has none)."""
    return f.decided and (f.status == S.CHECKED or (not f.has_checks and f.status == S.READY))


def _saved(f: ViewFacts) -> bool:
    """What is on screen is what was saved: the checks, the preview and the approval work on
    the saved decisions, so none of them may run on top of unsaved edits."""
    return not f.unsaved_edits


RULES: dict[str, Callable[[ViewFacts], bool]] = {
    "save": lambda f: f.form_loaded and f.status not in (S.RUNNING, S.DONE),  # a done step's decisions are final
    "checks": lambda f: _saved(f) and f.decided and f.has_checks and f.status not in (S.RUNNING, S.DONE),
    "fix": lambda f: f.fixable_failure and f.status != S.DONE,
    "override": lambda f: f.open_warning and f.status != S.DONE,
    "preview": lambda f: _saved(f) and f.has_action and (f.status == S.PREVIEWED or _ready_to_act(f)),
    "approve": lambda f: _saved(f) and f.has_action and f.preview_ready and f.status == S.PREVIEWED,
    "complete": lambda f: _saved(f) and not f.has_action and _ready_to_act(f),
    "retry": lambda f: f.status == S.FAILED,
    # "Later" on the re-attach question must not leave the step without a key to go on
    "reattach": lambda f: f.interrupted and f.status == S.RUNNING,
    "reveal": lambda f: f.secret_to_show,
}


def allowed(action: str, facts: ViewFacts) -> bool:
    """True when ``action`` makes sense now. Nothing applies while the step is busy, waits
    on an earlier step or is not built; unknown actions never apply."""
    if facts.busy or facts.status in (S.WAITING, S.NOT_BUILT):
        return False
    rule = RULES.get(action)
    return rule is not None and rule(facts)
