"""Validating the run options a session keeps (``--override CHECK=JUSTIFICATION``) before
anything is created on disk.

A typo in a check id used to be accepted silently and the warning it was meant for then
blocked the run with no hint why; an override without ``=`` used to surface as a traceback
after the session folder existed. Everything here is pure, so the CLI can refuse bad input
with one sentence naming the option while the sessions folder is still untouched."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

__all__ = ["OptionError", "describe", "known_check_ids", "parse_overrides"]


class OptionError(ValueError):
    """Bad command-line input. ``str()`` is the one line the operator sees: the option, the
    value as typed, and what is wrong with it."""

    def __init__(self, option: str, problem: str) -> None:
        super().__init__(f"{option}: {problem}")
        self.option = option
        self.problem = problem


if TYPE_CHECKING:  # pragma: no cover - typing only (a Protocol class costs start-up time)
    from typing import Protocol

    class _HasId(Protocol):
        id: str

    class _StepLike(Protocol):
        """The part of a ``StepDefinition`` this module reads (no engine import needed)."""

        @property
        def checks(self) -> Sequence[_HasId]: ...

        @property
        def verify(self) -> Sequence[_HasId]: ...


def known_check_ids(registry: Iterable[_StepLike]) -> tuple[str, ...]:
    """Every check id a run can produce: each step's preflight checks and its verification."""
    return tuple(check.id for step in registry for check in (*step.checks, *step.verify))


def _prefix(check_id: str) -> str:
    return check_id.split(".", 1)[0]


def _unknown(check_id: str, known: Sequence[str]) -> str:
    """Name the ids the operator probably meant: those with the same step prefix, or, when the
    prefix itself is unknown, the prefixes that exist."""
    same = [k for k in known if _prefix(k) == _prefix(check_id)]
    if same:
        return f"unknown check id; the {_prefix(check_id)}. checks are {', '.join(same)}"
    prefixes = sorted({_prefix(k) + "." for k in known})
    return f"unknown check id; check ids start with {', '.join(prefixes)}"


def parse_overrides(items: Sequence[str], known: Sequence[str], min_justification: int) -> dict[str, str]:
    """``["hub.snat=one IP is enough"]`` -> ``{"hub.snat": "one IP is enough"}``.

    Raises ``OptionError`` for the first bad item: no ``=``, an empty or unknown check id, a
    justification shorter than the engine accepts (a reviewer reads it), or one check given
    twice with different texts (which one the operator meant cannot be guessed)."""
    out: dict[str, str] = {}
    for item in items:
        check_id, sep, text = item.partition("=")
        check_id, text = check_id.strip(), text.strip()
        shown = f"--override {check_id or item}"
        if not sep:
            raise OptionError(shown, "needs CHECK=JUSTIFICATION, e.g. --override hub.snat='one IP is enough "
                                     "for this test cluster'")
        if not check_id:
            raise OptionError("--override", f"{item!r} has no check id before '='")
        if check_id not in known:
            raise OptionError(shown, _unknown(check_id, known))
        if len(text) < min_justification:
            raise OptionError(shown, f"the justification must be at least {min_justification} characters "
                                     "(a reviewer reads it in the audit log)")
        if out.get(check_id, text) != text:
            raise OptionError(shown, "given twice with different justifications; give it once")
        out[check_id] = text
    return out


def describe(accept_defaults: bool, overrides: Mapping[str, str]) -> str:
    """The options as the operator would type them in a shell, for the line a resumed run
    prints."""
    import shlex  # only a resumed run prints this; the TUI's start-up imports this module for OptionError

    parts = ["--accept-defaults"] if accept_defaults else []
    parts += [f"--override {shlex.quote(f'{check_id}={text}')}" for check_id, text in overrides.items()]
    return " ".join(parts) or "no decision options"
