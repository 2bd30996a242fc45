"""A warning the operator overrode before approving does not fail the step afterwards.

Found by a new user: a bring-your-own certificate that expires in 9 days was overridden and
approved, then post-deploy verification failed the step on the very same warning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from checks.certificate_files import generate_self_signed
from wizard.engine.contract import CheckStatus
from wizard.session.state import StepStatus

from tests.engine.flow import decide_and_check, finish_prerequisites, open_workspace, records_of


def _pem_expiring_in(tmp_path: Path, days_left: int) -> tuple[Path, Path]:
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=365 - days_left)
    cert = generate_self_signed("bicycle.contoso.com", ["bicycle.contoso.com"], "Contoso Bicycle", days=365,
                                now=start)
    cert_path, key_path = tmp_path / "listener.crt", tmp_path / "listener.key"
    cert_path.write_bytes(cert.cert_pem)
    key_path.write_bytes(cert.key_pem)
    return cert_path, key_path


def test_overridden_expiry_warning_is_accepted_by_verification(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        cert_path, key_path = _pem_expiring_in(tmp_path, 9)
        runner = decide_and_check(ws, "tls-certificates", listener_source="pem", listener_cert_path=str(cert_path),
                                  listener_key_path=str(key_path))
        assert runner.state.checks["tls.listener-validity"]["status"] == CheckStatus.WARN.value
        reason = "Lab only: the real certificate is renewed next week by the PKI team"
        runner.override("tls.listener-validity", reason)
        runner.preview()
        runner.approve()
        runner.deploy()
        assert runner.state.status == StepStatus.DONE
        accepted = records_of(ws.session.dir, "check.accepted", "tls-certificates")
        assert accepted and accepted[0]["data"]["check"] == "tls.verify-listener"
        assert accepted[0]["data"]["justifications"] == {"tls.listener-validity": reason}


def test_a_warning_nobody_overrode_still_fails_verification(tmp_path: Path) -> None:
    """The same certificate without an override (the preflight result is forced to pass here, the
    way a certificate that changed on disk after the checks would slip through): verification
    must not accept what the operator never accepted."""
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        cert_path, key_path = _pem_expiring_in(tmp_path, 9)
        runner = decide_and_check(ws, "tls-certificates", listener_source="pem", listener_cert_path=str(cert_path),
                                  listener_key_path=str(key_path))
        runner.state.checks["tls.listener-validity"]["status"] = CheckStatus.PASS.value  
        runner.preview()
        runner.approve()
        try:
            runner.deploy()
        except Exception:  # noqa: BLE001 - the failure is what we assert on
            pass
        assert runner.state.status == StepStatus.FAILED
        assert not records_of(ws.session.dir, "check.accepted")
