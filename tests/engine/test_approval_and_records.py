"""Nothing changes before approval, and every change is recorded well enough for cleanup and
for a reviewer: the three built steps run headless against the rehearsal, then the journal
(every request the backend served) and the audit log are read back."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from wizard.rehearsal.api_versions import load_catalog, path_type

from tests.engine.flow import audit_records, journal, only_session_dir, run_cli

READS = re.compile(r"/(validate|whatIf)$", re.IGNORECASE)


def _when(ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _is_write(entry: dict) -> bool:
    if entry["method"] in ("PUT", "PATCH", "DELETE"):
        return True
    return entry["method"] == "POST" and not READS.search(entry["path"])


def test_headless_rehearsal_writes_nothing_before_each_approval(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run", "--rehearsal", "--accept-defaults", "--yes", "--pace", "3600", timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    session = only_session_dir(tmp_path)
    records = audit_records(session)
    entries = journal(session)

    # every request named a published api-version (Graph has none: its version is in the path)
    catalog = load_catalog()
    for entry in entries:
        rtype = path_type(entry["path"])
        if rtype is None:
            continue
        assert entry["query"].get("api-version"), entry["path"]
        assert entry["status"] != 400 or "ApiVersion" not in str(entry["response"]), entry

    # no write before the approval (or one-key remedy) of the step that makes it
    approvals = [_when(r["ts"]) for r in records if r["kind"] in ("preview.approved", "remedy.applied")]
    first_approval = min(approvals)
    writes = [e for e in entries if _is_write(e)]
    assert writes, "the hub deployment is a write"
    assert all(_when(e["ts"]) >= first_approval for e in writes)
    hub_approved = next(_when(r["ts"]) for r in records if r["kind"] == "preview.approved" and r["step"] == "hub")
    hub_writes = [e for e in writes if "hub-default" in e["path"]]
    assert hub_writes and all(_when(e["ts"]) >= hub_approved for e in hub_writes)
    identity_approved = next(_when(r["ts"]) for r in records
                             if r["kind"] == "preview.approved" and r["step"] == "identity")
    graph_writes = [e for e in writes if e["path"].startswith("/v1.0/")]
    assert [e["path"].split("/")[2] for e in graph_writes] == ["groups", "groups", "users", "groups", "groups"]
    assert all(_when(e["ts"]) >= identity_approved for e in graph_writes)
    assert not any(e["method"] == "PUT" and e["path"].lower().endswith("/resourcegroups/"
                   "rg-enterprise-networking-hubs-eastus2") for e in entries)  # the deployment makes the group

    # every deployment record has its correlation id; success lists what it made
    deployments = [r for r in records if r["kind"].startswith("deployment.")]
    assert deployments and all(r["data"]["correlation_id"] for r in deployments)
    succeeded = next(r for r in records if r["kind"] == "deployment.succeeded" and r["step"] == "hub")
    made = succeeded["data"]["resources"]
    assert len(made) == 13 and all({"id", "type", "existed_before"} <= set(m) for m in made)
    group = next(m for m in made if m["type"] == "Microsoft.Resources/resourceGroups")
    assert group["existed_before"] is True  # the policy step made it: cleanup counts it as the policy step's
    assert catalog.of("Microsoft.Network/azureFirewalls")


def test_preview_validate_and_what_if_share_the_recorded_correlation_id(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run", "--rehearsal", "--accept-defaults", "--yes", "--pace", "3600", timeout=120)
    assert result.returncode == 0, result.stderr
    session = only_session_dir(tmp_path)
    shown = next(r for r in audit_records(session) if r["kind"] == "preview.shown" and r["step"] == "hub")
    correlation = shown["data"]["correlation_id"]
    validated = [e for e in journal(session) if e["path"].endswith("/validate") and "hub-default" in e["path"]]
    assert len(validated) == 1 and validated[0]["status"] == 200
    assert validated[0]["response"]["properties"]["correlationId"] == correlation  # ARM filed it under ours
