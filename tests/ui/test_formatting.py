"""Small text formatters and rules of the UI (no app needed)."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

from wizard.engine.events import DeploySnapshot, OperationState
from wizard.session.store import SessionSummary
from wizard.ui.screens.audit_view import detail_text, short_summary
from wizard.ui.screens.journal_view import short_path
from wizard.ui.screens.welcome import unfinished
from wizard.ui.status import WARNING_OPEN, nav_phrase, short_phrase, shown_status
from wizard.ui.widgets import step_hints
from wizard.ui.widgets.cells import format_size, wrap_cell
from wizard.ui.widgets.run_panel import elapsed_since, format_value, humanize, progress_of, run_timing, short_type


def test_journal_paths_keep_what_tells_calls_apart() -> None:
    path = "/subscriptions/2d6f9a1b/resourcegroups/rg-hub/providers/Microsoft.Resources/deployments/hub-1/operations"
    assert short_path(path) == "/…/rg:rg-hub/Microsoft.Resources/deployments/hub-1/operations"
    assert short_path("/subscriptions/2d6f9a1b/providers/Microsoft.Compute/usages") == "/…/Microsoft.Compute/usages"
    assert short_path("/v1.0/me") == "/v1.0/me"


def test_outputs_read_as_words_not_python_reprs() -> None:
    assert humanize("backend_host") == "Backend host"
    assert humanize("listener_pfx_size") == "Listener PFX size"
    shown = format_value({"subject": "CN=bicycle.contoso.com", "sha256_fingerprint": "sha256:ab", "sans": ["a", "b"]})
    assert shown == "subject: CN=bicycle.contoso.com; SHA-256 fingerprint: sha256:ab; SANs: a, b"
    assert "{" not in shown and "[" not in shown


def test_nested_file_names_are_shown_as_the_files_are_named() -> None:
    shown = format_value({"tls-certificates.listener.pfx": "sha256:9c4b", "tls-certificates.ingress.key": "sha256:1f"})
    assert "tls-certificates.listener.pfx: sha256:9c4b" in shown
    assert "tls certificates" not in shown


def test_sizes_carry_a_unit() -> None:
    assert format_value(2375, "listener_pfx_size") == "2375 bytes (2.3 KiB)"
    assert format_size(512) == "512 bytes"
    assert format_size(3 * 1024 * 1024) == "3145728 bytes (3.0 MiB)"
    assert format_value(2375, "validity_days") == "2375"  # only size keys are byte counts
    from wizard.ui.widgets.cells import output_label

    assert output_label("listener_pfx_size_bytes") == "Listener PFX size"  # the unit is in the value
    assert format_value(2375, "listener_pfx_size_bytes") == "2375 bytes (2.3 KiB)"


def test_long_cells_wrap_at_separators_and_lose_nothing() -> None:
    path = "/home/avery/.local/share/aks-wizard/sessions/20260115-093000-c0ffee/certs/appgw-listener.crt"
    wrapped = wrap_cell(path, 30)
    assert all(len(line) <= 30 for line in wrapped.splitlines())
    assert wrapped.replace("\n", "") == path
    assert wrapped.splitlines()[0].endswith("/")  # breaks after a folder, not mid-word
    words = wrap_cell("subject: O=Contoso Bicycle,CN=bicycle.contoso.com", 20)
    assert all(len(line) <= 20 for line in words.splitlines())
    assert "".join(words.split()) == "".join("subject: O=Contoso Bicycle,CN=bicycle.contoso.com".split())


def test_a_yaml_value_keeps_its_indentation_when_it_wraps() -> None:
    doc = "#cloud-config\nusers:\n  - name: opsuser01\n    ssh_authorized_keys:\n      - ssh-ed25519 " + "A" * 60
    lines = wrap_cell(doc, 40).split("\n")
    assert lines[:4] == ["#cloud-config", "users:", "  - name: opsuser01", "    ssh_authorized_keys:"]
    assert all(line.startswith("      ") for line in lines[4:]) and all(len(line) <= 40 for line in lines)
    assert "".join(line.strip() for line in lines[4:]).replace(" ", "") == "-ssh-ed25519" + "A" * 60  # nothing lost


def test_resource_types_drop_only_the_microsoft_prefix() -> None:
    assert short_type("Microsoft.Network/azureFirewalls") == "Network/azureFirewalls"
    assert short_type("Contoso.Things/widgets") == "Contoso.Things/widgets"


def test_progress_counts_operations_done_against_expected() -> None:
    ops = (OperationState("t", "a", "Succeeded"), OperationState("t", "b", "Running"),
           OperationState("t", "c", "Failed"))
    assert progress_of(DeploySnapshot("d", "Running", 3.0, ops, expected_resources=12)) == (2, 12)
    assert progress_of(DeploySnapshot("d", "Running", 3.0, (), expected_resources=0)) == (0, 1)
    assert progress_of(DeploySnapshot("d", "Succeeded", 9.0, ops[:1], expected_resources=12)) == (12, 12)


def test_elapsed_counts_from_the_stored_start_not_from_re_attaching() -> None:
    now = datetime(2026, 1, 15, 9, 30, 0, tzinfo=timezone.utc)
    assert elapsed_since("2026-01-15T09:25:30Z", now) == 270.0
    assert elapsed_since("", now) is None and elapsed_since("yesterday", now) is None
    assert elapsed_since("2026-01-15T09:31:00Z", now) == 0.0  # a clock ahead never shows negative time


def test_a_lone_open_warning_is_not_shown_as_a_failure() -> None:
    warned = {"p.providers": {"status": "warn"}, "p.rbac": {"status": "pass"}}
    assert shown_status("checks failed", warned, {}) == WARNING_OPEN
    assert shown_status("checks failed", warned, {"p.providers": "registering takes minutes"}) == "checks failed"
    failed = {**warned, "p.quota": {"status": "fail"}}
    assert shown_status("checks failed", failed, {}) == "checks failed"
    assert shown_status("checked", warned, {}) == "checked"
    assert short_phrase(WARNING_OPEN) == "warning" and len(short_phrase("previewed")) <= 7


def test_navigator_names_the_steps_it_waits_on_by_number() -> None:
    assert nav_phrase("waiting", [1]) == "waiting on step 1"
    assert nav_phrase("waiting", [1, 2]) == "waiting on steps 1, 2"
    assert len(nav_phrase("waiting", [1, 2])) <= 22
    assert short_phrase("not built") == ""


def test_check_lines_count_what_is_stored() -> None:
    counts = step_hints.count_checks([("pass", False), ("warn", False), ("warn", True), ("fail", False),
                                      ("error", False), ("n/a", False), ("not run", False)])
    assert (counts.passed, counts.warnings, counts.failed, counts.not_applicable, counts.open_warnings) == (1, 2, 2, 1, 1)
    assert step_hints.checks_line(counts) == "Checks: 1 passed, 2 warnings, 2 failed, 1 not applicable."
    assert step_hints.checks_line(step_hints.count_checks([("not run", False)])).startswith("Press c")
    text = step_hints.after_checks(counts, blocking=True, fixable=True, has_action=True)
    assert "press f" in text.lower() and "with o" in text  # a failure to fix and a warning to accept
    only_warning = step_hints.count_checks([("pass", False), ("warn", False)])
    text = step_hints.after_checks(only_warning, blocking=True, fixable=False, has_action=True)
    assert "with o" in text and "failed check" not in text


def test_idle_hints_name_the_next_key() -> None:
    assert "ctrl+s" in step_hints.idle_hint("ready", decided=False, has_checks=True, has_action=True)
    assert "press c" in step_hints.idle_hint("ready", decided=True, has_checks=True, has_action=True).lower()
    assert "press n" in step_hints.idle_hint("done", True, True, True).lower()
    assert "press r" in step_hints.idle_hint("failed", True, True, True).lower()
    assert "press x" in step_hints.idle_hint("checked", True, True, has_action=False).lower()


def test_audit_detail_shows_characters_not_escapes() -> None:
    record = SimpleNamespace(seq=7, ts="2026-01-15T09:30:00Z", kind="check.result", step="prerequisites",
                             data={"summary": "96 free ≥ 40", "nested": {"ok": "✓"}})
    shown = detail_text(record)
    assert "≥" in shown and "\\u2265" not in shown and "✓" in shown
    assert '  "nested": {' in shown  # indented, so the structure reads
    assert "≥" in short_summary({"summary": "96 free ≥ 40"})


def test_a_mode_flag_offers_only_unfinished_sessions_of_that_mode() -> None:
    def summary(sid: str, mode: str, status: str, created: str) -> SessionSummary:
        return SessionSummary(sid, mode, created, status, "hub", "/x")

    sessions = [summary("a", "rehearsal", "in progress", "2026-01-14"), summary("b", "live", "in progress", "2026-01-15"),
                summary("c", "rehearsal", "completed", "2026-01-16"), summary("d", "rehearsal", "failed", "2026-01-17")]
    assert [s.id for s in unfinished(sessions, "rehearsal")] == ["d", "a"]  # newest first
    assert [s.id for s in unfinished(sessions, "live")] == ["b"]


def test_two_wrapped_columns_share_the_width_to_keep_the_table_short() -> None:
    from wizard.ui.widgets.cells import best_split, line_count

    pairs = [("fw-eastus2", "Network/azureFirewalls"), ("pip-fw-eastus2-00", "Network/publicIPAddresses"),
             ("fw-policies-eastus2/DefaultApplicationRuleCollectionGroup", "Network/firewallPolicies/ruleCollectionGroups")]
    width = best_split(pairs, 45)
    lines = sum(max(line_count(a, width), line_count(b, 45 - width)) for a, b in pairs)
    fixed_ratio = 45 * 11 // 20
    assert lines <= sum(max(line_count(a, fixed_ratio), line_count(b, 45 - fixed_ratio)) for a, b in pairs)
    assert line_count("Network/publicIPAddresses", 45 - width) == 1  # a short type stays on one line


def test_an_interrupted_deployment_always_has_a_key_to_follow_it() -> None:
    from wizard.ui.widgets.step_keys import ViewFacts, allowed

    assert allowed("reattach", ViewFacts(status="running", interrupted=True))
    assert not allowed("reattach", ViewFacts(status="running", interrupted=True, busy=True))  # already following
    assert not allowed("reattach", ViewFacts(status="running", interrupted=False))
    assert "press t" in step_hints.idle_hint("running", True, True, True, interrupted=True)


def test_run_timing_uses_azure_clock_of_the_resource_table() -> None:
    """The summary and the per-resource times use ARM's clock; a rehearsal (ARM's clock
    faster) says so with the wall time, live (the clocks agree) does not."""
    assert run_timing(12.0, None, True) == "took 0:12"
    assert run_timing(12.0, None, False) == "0:12 since it started"
    rehearsal = run_timing(9.0, 540.0, True)
    assert rehearsal == "took 9:00 (Azure time; 0:09 here)"
    assert run_timing(601.0, 600.0, True) == "took 10:00"  # live: a second of polling lag is not a difference
    assert run_timing(30.0, 1800.0, False) == "30:00 since it started (Azure time; 0:30 here)"
