"""Running a step and its result: progress, per-resource table, errors, outputs.

ARM steps fill the resources table from ``DeploySnapshot``s (type, name, state, duration);
local actions report a message and a fraction; steps without an action only offer
"Complete step". The same panel shows the failure (``ErrorPanel``) or the outputs when done."""

from __future__ import annotations

from typing import Any, Mapping

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Button, DataTable, Label, ProgressBar, Static

from wizard.engine.contract import ArmDeployment, LocalAction, StepDefinition
from wizard.engine.events import DeploySnapshot
from wizard.ui import timefmt
from wizard.ui.widgets.error_panel import ErrorPanel
from wizard.ui.widgets.plain import Plain, PlainLabel


def humanize(key: str) -> str:
    """``backend_host`` -> ``Backend host``: outputs without a declared label still read as words."""
    return key.replace("_", " ").replace("-", " ").capitalize()


def format_value(value: Any) -> str:
    """One line per output: nested records as ``name: value; …``, lists comma-separated."""
    if isinstance(value, Mapping):
        return "; ".join(f"{humanize(str(k)).lower()}: {format_value(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value)
    return str(value)


class RunPanel(VerticalScroll):
    """The Run tab of a step."""

    def __init__(self, step: StepDefinition) -> None:
        super().__init__(classes="run-panel")
        self.step = step
        self._log: list[str] = []

    def compose(self) -> ComposeResult:
        action = self.step.action
        if action is None:
            intro = "This step deploys nothing. When the checks pass, press x to complete it."
        elif isinstance(action, LocalAction):
            intro = "This step works on local files. Approve the preview (a) to run it."
        else:
            intro = "Approve the preview (a) to deploy. Progress appears here, resource by resource."
        yield Plain(intro, id="run-intro", classes="panel-note")
        if action is None:
            yield Button("Complete step  (x)", id="complete-step", variant="primary")
        yield ProgressBar(total=100, show_eta=False, id="run-progress")
        yield PlainLabel("", id="run-elapsed")
        if isinstance(action, ArmDeployment):
            table: DataTable[str] = DataTable(id="run-resources", cursor_type="row", zebra_stripes=True)
            table.add_columns("State", "Azure time", "Name", "Type")  # as ARM reports it (compressed in rehearsal)
            yield table
        yield Plain("", id="run-log")
        error = ErrorPanel(id="run-error")
        error.display = False
        yield error
        yield PlainLabel("Outputs", id="outputs-title")
        outputs: DataTable[str] = DataTable(id="run-outputs", cursor_type="row", show_cursor=False)
        outputs.add_columns("Output", "Value")
        yield outputs

    def on_mount(self) -> None:
        self.query_one("#run-progress").display = False
        self.query_one("#outputs-title").display = False
        self.query_one("#run-outputs").display = False

    def show_snapshot(self, snapshot: DeploySnapshot) -> None:
        bar = self.query_one("#run-progress", ProgressBar)
        bar.display = True
        bar.update(progress=round(snapshot.fraction * 100))
        done = sum(1 for op in snapshot.operations if op.state in ("Succeeded", "Failed"))
        total = max(snapshot.expected_resources, len(snapshot.operations))
        self.query_one("#run-elapsed", Label).update(
            f"{snapshot.deployment_name}: {snapshot.state} — {done}/{total} resources — "
            f"elapsed {timefmt.format_duration(snapshot.elapsed_s)}")
        table = self.query_one("#run-resources", DataTable)
        for op in snapshot.operations:
            key = f"{op.resource_type}/{op.resource_name}"
            cells = (op.state + (f" ({op.error})" if op.error else ""), timefmt.format_duration(op.duration_s),
                     op.resource_name, op.resource_type)
            if key in table.rows:
                for column, value in zip(table.columns, cells):
                    table.update_cell(key, column, value)
            else:
                table.add_row(*cells, key=key)

    def show_action(self, message: str, fraction: float | None) -> None:
        bar = self.query_one("#run-progress", ProgressBar)
        bar.display = True
        if fraction is None:
            bar.update(total=None)
        else:
            bar.update(total=100, progress=round(fraction * 100))
        self._log.append(f"• {message}")
        self.query_one("#run-log", Static).update("\n".join(self._log[-12:]))

    def show_running(self, text: str) -> None:
        self.query_one("#run-error", ErrorPanel).clear()
        self.query_one("#run-intro", Static).update(text)

    def show_outputs(self, outputs: Mapping[str, Any]) -> None:
        labels = {spec.key: spec.label for spec in self.step.outputs}
        table = self.query_one("#run-outputs", DataTable)
        table.clear()
        for key, value in outputs.items():
            table.add_row(labels.get(key) or humanize(key), format_value(value))
        bar = self.query_one("#run-progress", ProgressBar)
        if bar.display:
            bar.update(total=100, progress=100)
        self.query_one("#run-intro", Static).update("Done. These outputs feed the later steps.")
        self.query_one("#outputs-title").display = True
        table.display = True
        if self.step.action is None:
            self.query_one("#complete-step").display = False

    def reset_log(self) -> None:
        self._log.clear()
        self.query_one("#run-log", Static).update("")
