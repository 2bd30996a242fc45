"""A failed step, as Azure reported it: resource, code, message, nested details, remedy.

Never a traceback: the operator sees what failed, why (in Azure's own words) and what to do,
and a Retry that keeps every decision."""

from __future__ import annotations

from typing import Any, Mapping

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Static

from wizard.azure.errors import AzureFailure
from wizard.azure.remedies import with_session
from wizard.ui.widgets.plain import Plain


def failure_from_record(record: Mapping[str, Any]) -> AzureFailure:
    """Rebuild an ``AzureFailure`` from ``as_record()`` output stored in the session."""
    return AzureFailure(code=str(record.get("code", "")), message=str(record.get("message", "")),
                        resource=str(record.get("resource", "") or ""), remedy=str(record.get("remedy", "") or ""),
                        details=tuple(failure_from_record(d) for d in record.get("details", []) or []),
                        status=record.get("status"), correlation_id=str(record.get("correlation_id", "") or ""))


class ErrorPanel(Vertical):
    """Hidden until a step fails."""

    def compose(self) -> ComposeResult:
        yield Plain("", id="error-text")
        yield Button("Retry  (r)", id="retry", variant="warning")

    def show(self, failure: AzureFailure, session_id: str | None = None) -> None:
        lines = []
        if failure.resource:
            lines.append(f"Resource: {failure.resource}")
        lines.append(f"Azure said: {failure.code}: {failure.message}")
        for detail in failure.details:
            lines.extend("  " + line for line in detail.lines())
        if failure.correlation_id:
            lines.append(f"Correlation id: {failure.correlation_id}")
        remedy = failure.remedy or failure.innermost().remedy
        if remedy:
            lines.append(f"What to do: {with_session(remedy, session_id)}")
        lines.append("Your decisions are kept. Retry previews again so you approve what will run.")
        self.query_one("#error-text", Static).update("\n".join(lines))
        self.border_title = "Step failed"
        self.display = True

    def clear(self) -> None:
        self.display = False
