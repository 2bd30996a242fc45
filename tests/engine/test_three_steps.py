"""The three built steps through the real engine, real SDK clients and the rehearsal backend
over HTTPS: decisions, checks, preview, approval, deploy, outputs, and the audit trail."""

from __future__ import annotations

import base64
import datetime as dt
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization

from checks.certificate_files import export_pfx, generate_self_signed
from steps import tls_material
from wizard.engine.contract import CheckStatus
from wizard.engine.events import CheckFinished, PreviewReady, StepFinished
from wizard.engine.runner import MIN_JUSTIFICATION, StepBlocked
from wizard.session.state import StepStatus

try:
    from .flow import (Recorder, audit_records, decide_and_check, deploy_step, finish_prerequisites, in_order,
                       kinds, load_state, not_passing, open_workspace, records_of, verify_session)
except ImportError:  # tests/engine is not a package
    from flow import (Recorder, audit_records, decide_and_check, deploy_step, finish_prerequisites,  # type: ignore
                      in_order, kinds, load_state, not_passing, open_workspace, records_of, verify_session)


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKS_WIZARD_HOME", str(tmp_path))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _pem_body_lines(pem: bytes) -> list[str]:
    """The base64 lines of a PEM block (the key bytes themselves)."""
    return [line for line in pem.decode().splitlines() if line and not line.startswith("-----")]


# -- 1. prerequisites ------------------------------------------------------------------------
def test_prerequisites_defaults_pass_and_complete(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        sink = Recorder()
        runner = ws.runner("prerequisites", sink, poll_interval=0.01)
        assert runner.submit_decisions(runner.defaults()) == {}
        results = runner.run_checks()
        assert results and all(r.status is CheckStatus.PASS for r in results), not_passing(runner)
        assert {e.result.check_id for e in sink.of(CheckFinished)} == {c.id for c in runner.step.checks}
        outputs = runner.complete_without_action()
        assert outputs["subscription_id"] == ws.azure.subscription_id == ws.session.state.subscription_id
        assert outputs["tenant_id"] == ws.azure.tenant_id
        assert outputs["region"] == runner.state.answers["region"]
        assert ws.status_of("prerequisites") == StepStatus.DONE
        assert load_state(ws.session.dir).steps["prerequisites"].outputs == outputs
        assert [e.status for e in sink.of(StepFinished)] == [StepStatus.DONE]


def test_failed_check_blocks_missing_role(tmp_path: Path) -> None:
    with open_workspace(tmp_path, scenario="missing-role") as ws:
        runner = decide_and_check(ws, "prerequisites")
        assert runner.state.checks["prereq.rbac"]["status"] == CheckStatus.FAIL.value
        assert runner.state.checks["prereq.rbac"]["remedy"]
        assert "prereq.rbac" in runner.blocking()
        assert runner.state.status == StepStatus.CHECKS_FAILED
        with pytest.raises(StepBlocked):
            runner.preview()
        with pytest.raises(StepBlocked):
            runner.complete_without_action()
        with pytest.raises(StepBlocked, match="Only warnings"):
            runner.override("prereq.rbac", "I know what I am doing, honestly")
        assert ws.status_of("prerequisites") != StepStatus.DONE
        assert not records_of(ws.session.dir, "step.completed")


# -- 2. tls-certificates ---------------------------------------------------------------------
def test_tls_generated_certificates_keep_keys_secret(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        sink = Recorder()
        runner = decide_and_check(ws, "tls-certificates", sink)
        assert runner.blocking() == []
        # checks of a certificate the operator brings are left out, said so, never passed unchecked
        left_out = {c.id for c in runner.not_applicable_checks()}
        assert {"tls.listener-parses", "tls.listener-key", "tls.listener-pfx-size"} <= left_out
        assert not left_out & set(runner.state.checks)
        reasons = {r["data"]["check"]: r["data"]["reason"]
                   for r in records_of(ws.session.dir, "check.not_applicable", "tls-certificates")}
        assert set(reasons) == left_out and all("generated" in reason or "exports" in reason
                                                 for reason in reasons.values())
        preview = runner.preview()
        assert preview.counts() == {"Create": 4}
        assert [e.preview for e in sink.of(PreviewReady)] == [preview]
        runner.approve()
        outputs = runner.deploy()
        assert ws.status_of("tls-certificates") == StepStatus.DONE
        domain = runner.state.answers["domain"]
        assert outputs["public_host"] == f"bicycle.{domain}"
        for part in ("listener", "ingress"):
            assert outputs[part]["sha256_fingerprint"].startswith("sha256:")
        assert Path(outputs["listener_certificate_path"]).is_file()
        # verification checks ran on the written material
        assert runner.state.checks["tls.verify-listener"]["status"] == CheckStatus.PASS.value
        assert runner.state.checks["tls.verify-ingress"]["status"] == CheckStatus.PASS.value

        secrets = ws.session.secrets
        root = secrets.root
        assert stat.S_IMODE(root.stat().st_mode) == 0o700
        for name in (tls_material.LISTENER_PFX, tls_material.INGRESS_KEY, tls_material.INGRESS_PEM):
            assert stat.S_IMODE(secrets.path(name).stat().st_mode) == 0o600, name
            assert outputs["stored_secrets"][name].startswith("sha256:")
        key_pem = secrets.get_bytes(tls_material.INGRESS_KEY)
        assert key_pem and b"PRIVATE KEY" in key_pem
        pfx = secrets.get_bytes(tls_material.LISTENER_PFX)
        assert pfx

        audit = (ws.session.dir / "audit.jsonl").read_text()
        state = (ws.session.dir / "state.json").read_text()
        for text in (audit, state):
            assert "PRIVATE KEY" not in text
            for line in _pem_body_lines(key_pem):
                assert line not in text
            assert base64.b64encode(pfx).decode()[:64] not in text
        # the public certificates are written outside the secret store
        assert b"PRIVATE KEY" not in Path(outputs["listener_certificate_path"]).read_bytes()


def test_tls_bring_your_own_pfx_password_never_logged(tmp_path: Path) -> None:
    password = "Pfx-Pa55word-7c1e9b"
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        cert = generate_self_signed("bicycle.contoso.com", ["bicycle.contoso.com"], "Contoso Bicycle")
        key = serialization.load_pem_private_key(cert.key_pem, None)
        pfx_path = tmp_path / "listener.pfx"
        pfx_path.write_bytes(export_pfx(key, cert.cert, [], password.encode()))

        runner = decide_and_check(ws, "tls-certificates", listener_source="pfx", listener_pfx_path=str(pfx_path),
                                  listener_pfx_password=password)
        assert runner.blocking() == [], not_passing(runner)
        parsed = runner.state.checks["tls.listener-parses"]
        assert parsed["status"] == CheckStatus.PASS.value
        assert runner.state.checks["tls.listener-pfx-encryption"]["status"] == CheckStatus.PASS.value
        assert not runner.not_applicable_checks()  # a PFX: every listener check runs
        runner.preview()
        runner.approve()
        outputs = runner.deploy()
        assert outputs["listener_origin"] == "imported pfx"
        assert outputs["listener"]["sha256_fingerprint"] == "sha256:" + cert.cert.fingerprint(hashes.SHA256()).hex()
        assert ws.session.secrets.get(tls_material.PASSWORD_SECRET) == password

        decided = [r["data"] for r in records_of(ws.session.dir, "decision.recorded", "tls-certificates")
                   if r["data"]["field"] == "listener_pfx_password"]
        assert decided and decided[0]["secret"] is True and decided[0]["value_fingerprint"].startswith("sha256:")
        for name in ("audit.jsonl", "state.json", "rehearsal-journal.jsonl"):
            path = ws.session.dir / name
            if path.exists():
                assert password not in path.read_text(), name


def test_tls_expired_pem_fails_validity_and_blocks_preview(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=400)
        cert = generate_self_signed("bicycle.contoso.com", ["bicycle.contoso.com"], "Contoso Bicycle", days=30,
                                    now=long_ago)
        cert_path, key_path = tmp_path / "listener.crt", tmp_path / "listener.key"
        cert_path.write_bytes(cert.cert_pem)
        key_path.write_bytes(cert.key_pem)
        runner = decide_and_check(ws, "tls-certificates", listener_source="pem", listener_cert_path=str(cert_path),
                                  listener_key_path=str(key_path))
        validity = runner.state.checks["tls.listener-validity"]
        assert validity["status"] == CheckStatus.FAIL.value, validity
        assert validity["remedy"]
        assert "tls.listener-validity" in runner.blocking()
        with pytest.raises(StepBlocked):
            runner.preview()
        assert runner.state.preview is None
        assert not records_of(ws.session.dir, "preview.shown")


# -- 3. hub --------------------------------------------------------------------------------
def test_hub_preview_deploy_then_nochange_and_modify(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        sink = Recorder()
        runner = decide_and_check(ws, "hub", sink)
        assert runner.blocking() == [], not_passing(runner)
        preview = runner.preview()
        created = {c.resource_type for c in preview.changes if c.change_type == "Create"}
        assert {"Microsoft.Network/azureFirewalls", "Microsoft.Network/virtualNetworks",
                "Microsoft.Network/bastionHosts", "Microsoft.Network/firewallPolicies",
                "Microsoft.OperationalInsights/workspaces"} <= created
        assert set(preview.counts()) == {"Create"}
        assert len(preview.template_sha256) == 64 and len(preview.parameters_sha256) == 64
        int(preview.template_sha256, 16), int(preview.parameters_sha256, 16)
        runner.approve()
        outputs = runner.deploy()
        assert outputs["firewall_private_ip"] == "10.200.0.4"
        for key in ("hub_vnet_id", "bastion_id", "log_analytics_id"):
            assert outputs[key].startswith(f"/subscriptions/{ws.azure.subscription_id}/resourceGroups/")
        assert ws.status_of("hub") == StepStatus.DONE
        assert runner.state.deployment.status == "succeeded"
        states = sink.deploy_states()
        assert states[-1] == "Succeeded"

        # a second preview of the same decisions changes nothing
        again = ws.runner("hub", poll_interval=0.01)
        second = again.preview()
        assert second.changes and {c.change_type for c in second.changes} == {"NoChange"}
        assert second.template_sha256 == preview.template_sha256

        # changing a decision shows Modify with the property delta
        changed = decide_and_check(ws, "hub", firewall_tier="Standard")
        third = changed.preview()
        modified = [c for c in third.changes if c.change_type == "Modify"]
        assert "Microsoft.Network/azureFirewalls" in {c.resource_type for c in modified}
        deltas = [d for c in modified for d in c.deltas]
        assert any(d.path.endswith("sku.tier") and d.before == "Premium" and d.after == "Standard" for d in deltas)
        assert third.template_sha256 != preview.template_sha256
        assert ws.status_of("hub") == StepStatus.DONE  # a new preview does not undo a finished deployment

        report = verify_session(ws.session.dir)
        assert report.ok, report.reason
        assert in_order(kinds(ws.session.dir), [
            "session.started", "decision.recorded", "check.result", "preview.shown", "preview.approved",
            "deployment.started", "deployment.succeeded", "step.completed"])
        hub_kinds = kinds(ws.session.dir, "hub")
        assert in_order(hub_kinds, ["decision.recorded", "check.result", "preview.shown",
                                    "preview.approved", "deployment.started",
                                    "deployment.succeeded", "check.result", "step.completed", "preview.shown",
                                    "decision.recorded", "check.result", "preview.shown"])
        assert hub_kinds.count("deployment.started") == 1
        assert "resource_group.ensured" not in hub_kinds  # the approved deployment creates the group itself
        succeeded = records_of(ws.session.dir, "deployment.succeeded", "hub")[0]["data"]
        made = {r["id"].rsplit("/", 1)[-1]: r for r in succeeded["resources"]}
        assert made["rg-enterprise-networking-hubs-eastus2"]["existed_before"] is False
        assert made["fw-eastus2"]["type"] == "Microsoft.Network/azureFirewalls"
        assert not any(r["existed_before"] for r in succeeded["resources"])
        assert succeeded["correlation_id"] and succeeded["resources"] == runner.state.deployment.resources
        shown = records_of(ws.session.dir, "preview.shown", "hub")
        assert shown[0]["data"]["template_sha256"] == preview.template_sha256
        started = records_of(ws.session.dir, "deployment.started", "hub")[0]["data"]
        assert started["template_sha256"] == preview.template_sha256
        assert started["parameters_sha256"] == preview.parameters_sha256
        assert started["deployment"] == f"hub-default-{ws.session.short_id}"


def test_hub_warning_override_needs_real_justification(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        runner = decide_and_check(ws, "hub", firewall_public_ips=1)
        snat = runner.state.checks["hub.snat"]
        assert snat["status"] == CheckStatus.WARN.value and snat["remedy"]
        assert runner.blocking() == ["hub.snat"]
        with pytest.raises(StepBlocked):
            runner.preview()
        with pytest.raises(StepBlocked, match=str(MIN_JUSTIFICATION)):
            runner.override("hub.snat", "  ok   ")
        assert runner.blocking() == ["hub.snat"]
        assert not records_of(ws.session.dir, "check.overridden")
        reason = "Lab hub: egress volume is tiny, one IP is enough"
        runner.override("hub.snat", reason)
        assert runner.blocking() == []
        overridden = records_of(ws.session.dir, "check.overridden", "hub")
        assert len(overridden) == 1
        assert overridden[0]["data"]["check"] == "hub.snat"
        assert overridden[0]["data"]["justification"] == reason
        assert overridden[0]["data"]["summary"] == snat["summary"]
        preview = runner.preview()
        assert preview.counts().get("Create")
        assert load_state(ws.session.dir).steps["hub"].overrides == {"hub.snat": reason}
        assert verify_session(ws.session.dir).ok
        seq = [r["kind"] for r in audit_records(ws.session.dir) if r["step"] == "hub"]
        assert in_order(seq, ["check.result", "check.overridden", "preview.shown"])
        assert json.loads((ws.session.dir / "state.json").read_text())["steps"]["hub"]["status"] == \
            StepStatus.PREVIEWED
