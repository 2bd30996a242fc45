"""Small text formatters of the UI (no app needed)."""

from __future__ import annotations

from wizard.ui.screens.journal_view import short_path
from wizard.ui.widgets.run_panel import format_value, humanize


def test_journal_paths_keep_what_tells_calls_apart() -> None:
    path = "/subscriptions/2d6f9a1b/resourcegroups/rg-hub/providers/Microsoft.Resources/deployments/hub-1/operations"
    assert short_path(path) == "/…/rg:rg-hub/Microsoft.Resources/deployments/hub-1/operations"
    assert short_path("/subscriptions/2d6f9a1b/providers/Microsoft.Compute/usages") == "/…/Microsoft.Compute/usages"
    assert short_path("/v1.0/me") == "/v1.0/me"


def test_outputs_read_as_words_not_python_reprs() -> None:
    assert humanize("backend_host") == "Backend host"
    shown = format_value({"subject": "CN=bicycle.contoso.com", "sha256_fingerprint": "sha256:ab", "sans": ["a", "b"]})
    assert shown == "subject: CN=bicycle.contoso.com; sha256 fingerprint: sha256:ab; sans: a, b"
    assert "{" not in shown and "[" not in shown
