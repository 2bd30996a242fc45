"""Running a step and its result: progress, per-resource table, errors, outputs.

ARM steps fill the resources table from ``DeploySnapshot``s (state, duration, name, type);
local actions report a message and a fraction; steps without an action only offer
"Complete step". The same panel shows the failure (``ErrorPanel``) or the outputs when done.

Both tables size their columns to the panel and wrap long cells (resource names, ARM types,
file paths, ids) onto more lines, so nothing is cut and nothing needs sideways scrolling;
they are rebuilt when the terminal is resized. They grow with their rows and take no focus:
the panel is the one thing that scrolls, so a long deployment reads top to bottom."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Button, DataTable, Label, ProgressBar, Static

from wizard.engine.contract import ArmDeployment, DirectoryObjects, ImageBuild, LocalAction, StepDefinition
from wizard.engine.events import DeploySnapshot, OperationState
from wizard.ui import timefmt
from wizard.ui.widgets.cells import best_split, format_value, humanize, output_label, wrap_cell
from wizard.ui.widgets.error_panel import ErrorPanel
from wizard.ui.widgets.plain import Plain, PlainLabel

__all__ = ["RunPanel", "elapsed_since", "format_value", "humanize", "run_timing"]

STATE_WIDTH = 9  # "Succeeded", "Running", "Accepted"
TIME_WIDTH = 5  # "12:30"
LABEL_MAX = 24
COMBINED_BELOW = 60  # narrower than this, a resource's type goes under its name
TERMINAL_STATES = ("Succeeded", "Failed", "Canceled")


def short_type(resource_type: str) -> str:
    """``Microsoft.Network/azureFirewalls`` -> ``Network/azureFirewalls``: every type here is
    Microsoft's, and the ten characters decide whether the type fits on one line."""
    return resource_type[len("Microsoft."):] if resource_type.startswith("Microsoft.") else resource_type


def elapsed_since(started_at: str, now: datetime | None = None) -> float | None:
    """Seconds since the stored ISO start of a deployment, or None when unknown. Used
    instead of the runner's own clock, which restarts at zero when the wizard re-attaches."""
    if not started_at:
        return None
    try:
        start = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    return max(0.0, ((now or datetime.now(timezone.utc)) - start).total_seconds())


def run_timing(wall_s: float, azure_s: float | None, finished: bool) -> str:
    """How long the deployment took (or has run), on the clock the resource table uses.

    The table's times are ARM's; a rehearsal runs ARM's clock faster, so a summary in wall
    time ("took 0:09") beside a firewall that "took 6:00" read as a contradiction. Azure's
    figure leads; the wall clock is added only when the two differ (a rehearsal)."""
    if azure_s is None:
        elapsed = timefmt.format_duration(wall_s)
        return f"took {elapsed}" if finished else f"{elapsed} since it started"
    azure = timefmt.format_duration(azure_s)
    text = f"took {azure}" if finished else f"{azure} since it started"
    if abs(azure_s - wall_s) > max(5.0, 0.2 * wall_s):
        text += f" (Azure time; {timefmt.format_duration(wall_s)} here)"
    return text


def progress_of(snapshot: DeploySnapshot) -> tuple[int, int]:
    """(resources finished, resources expected) - what the bar and its percentage show."""
    done = sum(1 for op in snapshot.operations if op.state in ("Succeeded", "Failed"))
    total = max(snapshot.expected_resources, len(snapshot.operations), 1)
    if snapshot.state == "Succeeded":
        done = total
    return min(done, total), total


def deployment_share(step: StepDefinition) -> float:
    """How much of the step's one progress scale its deployment fills: all of it, except
    where an image build follows (``ImageBuild.deployment_share``)."""
    return step.action.deployment_share if isinstance(step.action, ImageBuild) else 1.0


class RunPanel(VerticalScroll):
    """The Run tab of a step. Focusable, so the log and tables scroll with the keys."""

    def __init__(self, step: StepDefinition) -> None:
        super().__init__(classes="run-panel")
        self.step = step
        self._log: list[str] = []
        self._verified: list[tuple[str, str]] = []
        self._operations: dict[str, OperationState] = {}
        self._outputs: list[tuple[str, str]] = []
        self._labels: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        action = self.step.action
        if action is None:
            intro = "This step deploys nothing. When the checks pass, press x to complete it."
        elif isinstance(action, LocalAction):
            intro = "This step works on local files. Approve the preview (a) to run it."
        elif isinstance(action, DirectoryObjects):
            intro = ("Approve the preview (a) to create or adopt the directory objects through Microsoft Graph, "
                     "one by one.")
        elif isinstance(action, ImageBuild):
            intro = ("Approve the preview (a) to deploy, resource by resource; the image build follows, and you can "
                     "work on other steps while it runs.")
        else:
            intro = "Approve the preview (a) to deploy. Progress appears here, resource by resource."
        yield Plain(intro, id="run-intro", classes="panel-note")
        if action is None:
            yield Button("Complete step  (x)", id="complete-step", variant="primary")
        yield ProgressBar(total=100, show_eta=False, id="run-progress")
        yield PlainLabel("", id="run-elapsed")
        if isinstance(action, (ArmDeployment, ImageBuild)):
            resources: DataTable[Any] = DataTable(id="run-resources", cursor_type="none", zebra_stripes=True)
            resources.can_focus = False
            yield resources
        yield Plain("", id="run-log")
        error = ErrorPanel(id="run-error")
        error.display = False
        yield error
        yield PlainLabel("Outputs", id="outputs-title")
        outputs: DataTable[Any] = DataTable(id="run-outputs", cursor_type="none", show_cursor=False)
        outputs.can_focus = False
        yield outputs

    def on_mount(self) -> None:
        for selector in ("#run-progress", "#outputs-title", "#run-outputs", "#run-resources"):
            for widget in self.query(selector):
                widget.display = False  # empty until there is something to show: no Tab stop

    def on_resize(self, event: events.Resize) -> None:
        if self._operations:
            self._draw_resources()
        if self._outputs:
            self._draw_outputs()

    def _width(self) -> int:
        """The width tables may use: the panel's content, less a scrollbar even before one
        shows (the rows about to be added may be what brings it)."""
        return max(30, self.content_region.width - self.styles.scrollbar_size_vertical)

    # -- progress ------------------------------------------------------------------------
    def _bar(self, done: float | None, total: float | None) -> None:
        """A determinate bar with a true percentage, or an indeterminate one with no
        percentage at all ("--%" reads like a fault)."""
        bar = self.query_one("#run-progress", ProgressBar)
        bar.display = True
        bar.set_class(total is None, "-indeterminate")
        if total is None:
            bar.update(total=None)
        else:
            bar.update(total=total, progress=done or 0)

    def show_snapshot(self, snapshot: DeploySnapshot, started_at: str = "",
                      labels: Mapping[str, str] | None = None) -> None:
        """``labels``: resource id (lower case) -> what the preview called it (a policy's
        displayName where the resource's name is a GUID)."""
        self._labels = dict(labels or {})
        done, total = progress_of(snapshot)
        share = deployment_share(self.step)
        self._bar(done * share, total)
        since_start = elapsed_since(started_at)
        wall = snapshot.elapsed_s if since_start is None else since_start
        timing = run_timing(wall, snapshot.azure_s, snapshot.state in TERMINAL_STATES)
        self.query_one("#run-elapsed", Label).update(
            f"{snapshot.deployment_name}: {snapshot.state} — {done} of {total} resources — {timing}")
        for op in snapshot.operations:
            self._operations[f"{op.resource_type}/{op.resource_name}"] = op
        self._draw_resources()

    def _draw_resources(self) -> None:
        tables = self.query("#run-resources")
        if not tables:
            return
        table = tables.first(DataTable)
        table.display = True
        width = self._width()
        combined = width < COMBINED_BELOW
        rest = max(16, width - STATE_WIDTH - TIME_WIDTH - (6 if combined else 8))  # cell padding
        pairs = [(self._name_of(op), short_type(op.resource_type)) for op in self._operations.values()]
        name_width = rest if combined else best_split(pairs, rest)
        type_width = rest - name_width
        table.clear(columns=True)
        table.add_column("State", width=STATE_WIDTH, key="state")
        table.add_column("Time", width=TIME_WIDTH, key="time")  # Azure time, compressed in rehearsal
        table.add_column("Resource" if combined else "Name", width=name_width, key="name")
        if not combined:
            table.add_column("Type", width=type_width, key="type")
        for key, op in self._operations.items():
            name = Text(wrap_cell(self._name_of(op), name_width))
            kind = wrap_cell(short_type(op.resource_type), name_width if combined else type_width)
            if combined:
                name.append("\n" + kind, style="dim")
            if op.error:
                name.append("\n" + wrap_cell(f"✗ {op.error}", name_width), style="red")
            cells: list[Any] = [op.state, timefmt.format_duration(op.duration_s), name]
            if not combined:
                cells.append(kind)
            table.add_row(*cells, key=key, height=None)

    def _name_of(self, op: OperationState) -> str:
        label = self._labels.get(op.resource_id.lower())
        if label:
            return label
        marker = "/providers/microsoft.authorization/roleassignments/"
        if marker in op.resource_id.lower():
            # A role assignment ARM could not preview (its principal id came from an earlier
            # part of the deployment): named by what it is granted on, not by its GUID.
            scope = op.resource_id[:op.resource_id.lower().index(marker)]
            return f"role assignment on {scope.rstrip('/').rsplit('/', 1)[-1]}"
        return op.resource_name

    def show_action(self, message: str, fraction: float | None, detail: str = "") -> None:
        """A new line in the log when what the action does changes; its clock (``detail``)
        goes beside the bar, so a half-hour build does not fill the log with ticks."""
        self._bar(None if fraction is None else round(fraction * 100), None if fraction is None else 100)
        if not self._log or self._log[-1] != f"• {message}":
            self._append(message)
        if detail:  # beside the bar, above the resources: what runs now is seen without scrolling
            self.query_one("#run-elapsed", Label).update(f"{message} — {detail}")

    def show_note(self, message: str) -> None:
        """A note from the engine during a run: logged, the bar left as it is."""
        self._append(message)

    def show_verified(self, title: str, status: str) -> None:
        """One line for the whole verification, updated as each check reads the result back
        (a posture check of twenty items would otherwise push the rest of the log away); the
        checks and their evidence are in the Checks tab."""
        self._verified.append((title, status))
        passed = sum(1 for _, s in self._verified if s == "pass")
        others = [f"{t} ({s})" for t, s in self._verified if s != "pass"]
        line = (f"• Verification, read back from Azure: {passed} of {len(self._verified)} passed"
                + (f"; not passed: {', '.join(others)}" if others else "") + " — details in Checks (3).")
        if self._log and self._log[-1].startswith("• Verification, read back from Azure:"):
            self._log[-1] = line
        else:
            self._log.append(line)
        self.query_one("#run-log", Static).update("\n".join(self._log[-12:]))

    def _append(self, message: str) -> None:
        self._log.append(f"• {message}")
        self.query_one("#run-log", Static).update("\n".join(self._log[-12:]))

    def show_running(self, text: str) -> None:
        self.query_one("#run-error", ErrorPanel).clear()
        self.query_one("#run-intro", Static).update(text)

    # -- result --------------------------------------------------------------------------
    def show_outputs(self, outputs: Mapping[str, Any]) -> None:
        labels = {spec.key: spec.label for spec in self.step.outputs}
        self._outputs = [(labels.get(key) or output_label(key), format_value(value, key))
                         for key, value in outputs.items()]
        bar = self.query_one("#run-progress", ProgressBar)
        if bar.display:
            self._bar(100, 100)
        self.query_one("#run-intro", Static).update("Done. These outputs feed the later steps.")
        self.query_one("#outputs-title").display = True
        self._draw_outputs()
        if self.step.action is None:
            self.query_one("#complete-step").display = False

    def _draw_outputs(self) -> None:
        table = self.query_one("#run-outputs", DataTable)
        table.display = True
        width = self._width()
        longest = max((len(label) for label, _ in self._outputs), default=6)
        label_width = max(6, min(LABEL_MAX, longest, (width - 4) * 2 // 5))  # labels wrap before values do
        value_width = width - label_width - 4  # 4: the padding of two cells
        table.clear(columns=True)
        table.add_column("Output", width=label_width, key="output")
        table.add_column("Value", width=value_width, key="value")
        for label, value in self._outputs:
            # Text, not str: a DataTable reads a str as markup, and "[resourceId(...)]" or a YAML
            # list in a value would be taken for a style tag and vanish.
            table.add_row(Text(wrap_cell(label, label_width)), Text(wrap_cell(value, value_width)), height=None)

    def reset_log(self) -> None:
        self._log.clear()
        self._verified.clear()
        self._operations.clear()
        self.query_one("#run-log", Static).update("")
