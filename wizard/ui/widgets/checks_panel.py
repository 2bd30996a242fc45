"""The preflight checks: one focusable row per check with a live status.

A row shows a spinner while its check runs, then pass/warn/fail/error, the summary, and -
when not a pass - the remedy. Rows are focusable so ``f`` (fix) and ``o`` (override) act on
the row the operator is looking at."""

from __future__ import annotations

from typing import Any, Mapping

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Label, Static

from wizard.engine.contract import Check
from wizard.ui.widgets.dom_ids import dom_id
from wizard.ui.widgets.plain import Plain, PlainLabel

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
GLYPHS = {"pass": "✓", "warn": "!", "fail": "✗", "error": "✗", "pending": "·", "not run": "·", "n/a": "–"}


class CheckRow(Vertical, can_focus=True):
    """One check. ``status`` is "not run", "running" or a CheckStatus value."""

    def __init__(self, check: Check) -> None:
        super().__init__(id=dom_id("check", check.id), classes="check-row")
        self.check = check
        self.status = "not run"
        self.summary = ""
        self.remedy = ""
        self.fixable = check.fix is not None
        self.overridden = ""
        self._spin: Timer | None = None
        self._frame = 0

    def compose(self) -> ComposeResult:
        yield PlainLabel(self._headline(), classes="check-head")
        yield Plain("", classes="check-summary")
        yield Plain("", classes="check-remedy")
        yield Plain("", classes="check-override")

    def _headline(self) -> str:
        if self.status == "running":
            glyph = SPINNER[self._frame % len(SPINNER)]
        else:
            glyph = GLYPHS.get(self.status, "?")
        word = "overridden" if self.overridden else self.status
        return f"{glyph} {self.check.title}  [{word}]"

    def start(self) -> None:
        """The check began: spin until its result arrives."""
        self.status = "running"
        self.summary = self.remedy = self.overridden = ""
        self._redraw()
        if self._spin is None:
            self._spin = self.set_interval(0.1, self._tick)

    def _tick(self) -> None:
        self._frame += 1
        self.query_one(".check-head", Label).update(self._headline())

    def finish(self, status: str, summary: str, remedy: str, overridden: str = "") -> None:
        if self._spin is not None:
            self._spin.stop()
            self._spin = None
        self.status = status
        self.summary = summary
        self.remedy = remedy
        self.overridden = overridden
        self._redraw()

    def _redraw(self) -> None:
        self.query_one(".check-head", Label).update(self._headline())
        show_remedy = self.status in ("warn", "fail", "error") and self.remedy and not self.overridden
        hint = ""
        if self.status in ("fail", "error") and self.fixable:
            hint = f"  [press f: {self.check.fix_label or 'fix it'}]"
        elif self.status == "warn" and not self.overridden:
            hint = "  [press o to override with a justification]"
        remedy = f"Remedy: {self.remedy}{hint}" if show_remedy else hint.strip()
        override = f"Overridden: “{self.overridden}”" if self.overridden else ""
        for selector, text in ((".check-summary", self.summary), (".check-remedy", remedy),
                               (".check-override", override)):
            widget = self.query_one(selector, Static)
            widget.update(text)
            widget.set_class(not text, "-empty")
        for css in ("-pass", "-warn", "-fail", "-error", "-running", "-overridden", "-n-a", "-not-run"):
            self.remove_class(css)
        self.add_class("-overridden" if self.overridden else f"-{self.status.replace(' ', '-').replace('/', '-')}")
        if self.has_class("verify-row"):  # a verification row shows once the deployment has read it back
            self.display = self.status != "not run"


class ChecksPanel(VerticalScroll, can_focus=False):
    """All preflight checks of a step. The rows take the focus (and scroll into view); the
    panel itself is no Tab stop, because a focused panel shows nothing focused."""

    BINDINGS = [
        Binding("down", "focus_row(1)", "Next check", show=False),
        Binding("up", "focus_row(-1)", "Previous check", show=False),
    ]

    def __init__(self, checks: tuple[Check, ...], verify: tuple[Check, ...] = ()) -> None:
        super().__init__(classes="checks-panel")
        self.checks = checks
        self.verify = verify

    def compose(self) -> ComposeResult:
        if not self.checks:
            yield Plain("This step has no preflight checks.", classes="panel-note")
        else:
            yield Plain("Press c to run the checks. Failures block the step; warnings can be overridden.",
                         id="checks-hint", classes="panel-note")
        for check in self.checks:
            yield CheckRow(check)
        if self.verify:
            # What the deployment is checked against once it is done: read back from Azure, kept
            # on screen (and in the audit log) as the evidence of what was deployed.
            with Vertical(id="verify-rows", classes="verify-rows"):
                n = len(self.verify)
                yield Plain(f"During and after the deployment, {n} check{'' if n == 1 else 's'} "
                            f"prove{'s' if n == 1 else ''} the result (read "
                            "back from Azure or from inside the cluster); their results appear here.",
                            classes="panel-note verify-heading")
                for check in self.verify:
                    row = CheckRow(check)
                    row.add_class("verify-row")
                    row.display = False
                    yield row

    def row(self, check_id: str) -> CheckRow | None:
        for row in self.query(CheckRow):
            if row.check.id == check_id:
                return row
        return None

    def rows(self) -> list[CheckRow]:
        """The preflight rows (what blocks the step); the verification rows are apart."""
        return [r for r in self.query(CheckRow) if r.parent is self]

    def verify_rows(self) -> list[CheckRow]:
        return [r for r in self.query(CheckRow) if r.parent is not self]

    def restore(self, stored: Mapping[str, Mapping[str, Any]], overrides: Mapping[str, str]) -> None:
        """Show exactly the results saved in the session: a row without a stored result goes
        back to "not run", so results the engine has cleared (new decisions) never linger."""
        for row in self.rows() + self.verify_rows():
            entry = stored.get(row.check.id)
            if entry is None:
                if row.status != "not run":
                    row.finish("not run", "", "")
                continue
            row.finish(str(entry.get("status", "")), str(entry.get("summary", "")),
                       str(entry.get("remedy", "")), overrides.get(row.check.id, ""))
        self._order()

    def mark_not_applicable(self, checks: tuple[Check, ...]) -> None:
        """Checks the decisions leave out: shown as n/a with the reason, never as a pass."""
        for check in checks:
            row = self.row(check.id)
            if row is not None:
                row.finish("n/a", check.not_applicable or "Does not apply to these decisions.", "")
        self._order()

    def _order(self) -> None:
        """The step's order, with the checks that do not apply moved to the end: a choice that
        leaves eight of eleven out must not push its one failure below the fold."""
        rows = self.rows()
        position = {c.id: i for i, c in enumerate(self.checks)}
        wanted = sorted(rows, key=lambda r: (r.status == "n/a", position.get(r.check.id, 0)))
        if wanted == rows:
            return
        anchor = self.query("#verify-rows")
        for row in wanted:
            if anchor:
                self.move_child(row, before=anchor.first())
            elif row is not self.children[-1]:
                self.move_child(row, after=self.children[-1])

    def first_attention(self) -> CheckRow | None:
        """The first row that needs the operator (failed, error or warning)."""
        return next((r for r in self.rows() if r.status in ("fail", "error", "warn") and not r.overridden), None)

    def summary_line(self, text: str) -> None:
        if self.checks:
            self.query_one("#checks-hint", Static).update(text)

    def action_focus_row(self, delta: int) -> None:
        rows = self.rows()
        if not rows:
            return
        focused = self.screen.focused
        index = rows.index(focused) if focused in rows else -1
        rows[max(0, min(len(rows) - 1, index + delta))].focus()
