"""Command palette entries for the wizard's main actions.

The palette (ctrl+p) is the discoverable twin of the footer keys: everything a learner can
do with a key is also findable by name. Only actions that apply on the current screen are
offered, using the same ``check_action`` logic as the footer."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (title, help, action as run by ``App.run_action``)
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("New rehearsal session", "Start a session against the local Azure stand-in", "app.new_session('rehearsal')"),
    ("New live session", "Sign in to Azure and start a live session", "app.new_session('live')"),
    ("Resume a session", "Pick a saved session to continue", "app.resume_picker"),
    ("Save decisions", "Validate and record this step's decisions (ctrl+s)", "screen.step('save')"),
    ("Run checks", "Run this step's preflight checks (c)", "screen.step('checks')"),
    ("Fix failing check", "Apply the one-key remedy of a failing check (f)", "screen.step('fix')"),
    ("Override warning", "Continue past a warning with a written justification (o)", "screen.override"),
    ("Preview changes", "Ask what this step would change (p)", "screen.step('preview')"),
    ("Approve and run", "Approve the preview and deploy (a)", "screen.step('approve')"),
    ("Complete step", "Finish a step that deploys nothing (x)", "screen.step('complete')"),
    ("Retry step", "Preview again after a failure; decisions are kept (r)", "screen.step('retry')"),
    ("Re-attach to the deployment", "Follow a deployment started before the wizard stopped (t)",
     "screen.step('reattach')"),
    ("Step list", "Move to the list of steps: ↑/↓ to choose, Enter to open (Escape)", "screen.focus_navigator"),
    ("Audit log", "Show the audit records and verify the hash chain (u)", "app.audit_log"),
    ("REST journal", "Show the REST calls the rehearsal served (j)", "app.journal"),
    ("Quit", "Leave the wizard; the session is saved (q)", "app.quit_wizard"),
)


class WizardCommands(Provider):
    """Offers the entries of ``COMMANDS`` that are enabled right now, and on the main screen
    one "Go to step" entry per step, found by its title."""

    def _available(self) -> list[tuple[str, str, str]]:
        out = []
        for title, help_text, action in COMMANDS + self._go_to_steps():
            target_name, _, call = action.partition(".")
            name = call.split("(")[0]
            params: tuple[object, ...] = ()
            if "(" in call:
                params = (call.split("(", 1)[1].rstrip(")").strip("'"),)
            target = self.app if target_name == "app" else self.screen
            if target.check_action(name, params) is not False and hasattr(target, f"action_{name}"):
                out.append((title, help_text, action))
        return out

    def _go_to_steps(self) -> tuple[tuple[str, str, str], ...]:
        workspace = getattr(self.screen, "workspace", None)
        if workspace is None or not hasattr(self.screen, "action_go_to_step"):
            return ()
        return tuple((f"Go to step {number}: {step.title}", step.summary + ("" if step.built else " (not built yet)"),
                      f"screen.go_to_step('{step.id}')")
                     for number, step in enumerate(workspace.registry, start=1))

    async def discover(self) -> Hits:
        for title, help_text, action in self._available():
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in self._available():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.run_action, action), help=help_text)
