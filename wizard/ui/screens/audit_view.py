"""The audit log of the open session, and whether its hash chain verifies.

Read-only. Records come from ``session.audit.records()``; the footer line is the result of
``wizard.audit.verify.verify_log`` against the head saved in the session state, i.e. the same
check ``aks-wizard audit verify`` runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import Worker, WorkerState

from wizard.ui import stylesheets
from wizard.ui.widgets.plain import Plain

DETAIL_LIMIT = 20000  # characters of one record's data; more is left to ``aks-wizard audit export``
SUMMARY_KEYS = ("check", "field", "status", "summary", "justification", "deployment", "resource_group", "mode")


def short_summary(data: Any, limit: int = 80) -> str:
    """A few telling values of a record's data, one line."""
    if not isinstance(data, dict):
        return str(data)[:limit]
    parts = [f"{key}={data[key]}" for key in SUMMARY_KEYS if key in data and data[key] not in (None, "")]
    if "value" in data and "field" in data:
        parts.append(f"value={data['value']}")
    text = " ".join(str(p) for p in parts) or json.dumps(data, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def verify_line(path: Path, head: dict[str, Any]) -> str:
    """Run the chain verification and describe the result in one sentence."""
    try:
        from wizard.audit.record import AuditHead
        from wizard.audit.verify import verify_log
    except ImportError:
        return "Chain verification is not available in this build."
    expected = None
    if head:
        try:
            expected = AuditHead(int(head["seq"]), str(head["hash"]))
        except (KeyError, TypeError, ValueError):
            expected = None
    report = verify_log(path, expected)
    if report.ok:
        return f"✓ Hash chain intact: {report.records} records verified up to the saved head."
    return f"✗ Chain broken at seq {report.first_bad_seq} (line {report.line}): {report.reason}"


class AuditScreen(Screen[None]):
    """Every audit record: seq, time, kind, step, summary; Enter shows the full record."""

    CSS_PATH = stylesheets.VIEWERS

    BINDINGS = [Binding("escape,u,q", "app.pop_screen", "Back"), Binding("v", "reload", "Re-verify")]

    def __init__(self, workspace: Any) -> None:
        super().__init__()
        self.workspace = workspace
        self.records: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="audit"):
            yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="audit-detail-box"):  # focusable: long records scroll with the keys
                yield Plain("", id="audit-detail")
            yield Plain("Verifying…", id="audit-verify")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def on_resize(self, event: events.Resize) -> None:
        if self.records:
            self.call_after_refresh(self._draw)  # the summary column takes what the width leaves

    def action_reload(self) -> None:
        self.query_one("#audit-verify", Static).update("Verifying…")
        self.load()

    @work(thread=True, exit_on_error=False, exclusive=True, name="audit", group="audit",
          description="Reading and verifying the audit log")
    def load(self) -> tuple[list[Any], str]:
        session = self.workspace.session
        records = session.audit.records()
        return records, verify_line(session.audit.path, session.state.audit_head)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "audit":
            return
        status = self.query_one("#audit-verify", Static)
        if event.state == WorkerState.ERROR:
            status.update(f"✗ Could not read the audit log: {event.worker.error}")
        elif event.state == WorkerState.SUCCESS:
            records, line = event.worker.result
            self.records = records
            self._draw()
            status.update(line)
            status.set_class(line.startswith("✗"), "-bad")
            if records:
                self.query_one("#audit-table", DataTable).move_cursor(row=len(records) - 1)

    def _draw(self) -> None:
        """One row per record; the summary is shortened to the width that is left (with an
        ellipsis), so the table never scrolls sideways - the detail below has it all."""
        table = self.query_one("#audit-table", DataTable)
        cursor = table.cursor_row
        records = self.records
        kind_width = max((len(r.kind) for r in records), default=4)
        step_width = max((len(r.step or "") for r in records), default=4)
        fixed = max(3, len(str(len(records)))) + 8 + kind_width + step_width + 10 + 2  # padding, scrollbar
        summary_width = max(20, table.size.width - fixed)
        table.clear(columns=True)
        table.add_column("Seq", key="seq")
        table.add_column("Time", key="time")
        table.add_column("Kind", width=kind_width, key="kind")
        table.add_column("Step", width=step_width, key="step")
        table.add_column("Summary", width=summary_width, key="summary")
        for record in records:
            table.add_row(str(record.seq), record.ts[11:19], record.kind, record.step or "",
                          short_summary(record.data, summary_width), key=str(record.seq))
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        index = event.cursor_row
        if 0 <= index < len(self.records):
            self.query_one("#audit-detail", Static).update(detail_text(self.records[index]))
            self.query_one("#audit-detail-box", VerticalScroll).scroll_home(animate=False)


def detail_text(record: Any) -> str:
    """A record in full: the JSON as written (≥, ✓ and “quotes” as themselves, not
    ``\\u2265`` escapes), indented so its structure reads."""
    body = json.dumps(record.data, indent=2, default=str, ensure_ascii=False)
    if len(body) > DETAIL_LIMIT:
        body = body[:DETAIL_LIMIT] + "\n… (cut here; aks-wizard audit export has the whole record)"
    step = f"  step {record.step}" if record.step else ""
    return f"seq {record.seq}  {record.ts}  {record.kind}{step}\n{body}"
