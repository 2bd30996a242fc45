"""The TLS step's messages as an operator meets them: one unreadable file is reported once,
remedies fit the format, fields appear only where they mean something, host names are the
operator's and units are stated. Files are written to tmp_path; no Azure is involved."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Mapping

import pytest
from cryptography.hazmat.primitives import serialization

from checks.certificate_files import GeneratedCert, export_pfx, generate_self_signed, load_pfx
from steps import tls_material as tls
from steps.tls_certificates import PARSE_CHECK_ID, TLS_CERTIFICATES, label
from wizard.engine.contract import CheckStatus, Finding, StepContext
from wizard.engine.fields import validate, visible

LISTENER_CHECKS = [c for c in TLS_CERTIFICATES.checks if c.id.startswith("tls.listener-")]


class FakeSecrets:
    """The two halves of the session secret store the step uses: text secrets and bytes."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self.values: dict[str, bytes] = {k: v.encode() for k, v in (values or {}).items()}

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return value.decode() if value is not None else None

    def get_bytes(self, name: str) -> bytes | None:
        return self.values.get(name)

    def put(self, name: str, value: bytes | str) -> str:
        data = value.encode() if isinstance(value, str) else value
        self.values[name] = data
        return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def cert() -> GeneratedCert:
    return generate_self_signed("bicycle.contoso.com", ["bicycle.contoso.com"], "Contoso Bicycle")


def _ctx(answers: Mapping[str, Any], secrets: FakeSecrets | None = None, session_dir: Path | None = None
         ) -> StepContext:
    return StepContext("tls-certificates", answers, {}, "rehearsal", session_dir, None, secrets or FakeSecrets())


def _run_checks(ctx: StepContext) -> dict[str, Finding]:
    return {c.id: c.run(ctx) for c in LISTENER_CHECKS if c.applies(ctx.answers)}


def _pem_answers(tmp_path: Path, cert_pem: bytes, key_pem: bytes) -> dict[str, Any]:
    (tmp_path / "listener.crt").write_bytes(cert_pem)
    (tmp_path / "listener.key").write_bytes(key_pem)
    return {"domain": "contoso.com", "listener_source": "pem", "listener_cert_path": str(tmp_path / "listener.crt"),
            "listener_key_path": str(tmp_path / "listener.key")}


def _truncated(pem: bytes) -> bytes:
    lines = pem.decode().splitlines()
    return ("\n".join(lines[:5] + [lines[-1]]) + "\n").encode()


# -- one unreadable file, one failure ------------------------------------------------------------

def test_one_bad_pem_certificate_fails_once_and_the_rest_say_not_checked(tmp_path: Path,
                                                                         cert: GeneratedCert) -> None:
    results = _run_checks(_ctx(_pem_answers(tmp_path, _truncated(cert.cert_pem), cert.key_pem)))
    parse = results.pop(PARSE_CHECK_ID)
    assert parse.status is CheckStatus.FAIL and "truncated" in parse.summary
    assert parse.evidence["field"] == "listener_cert_path"
    assert results, "the dependent checks must still report"
    for check_id, finding in results.items():
        assert finding.status is CheckStatus.ERROR, check_id
        assert finding.summary.startswith("Not checked") and "Listener certificate parses" in finding.summary
        assert parse.summary not in finding.summary + finding.remedy, check_id  # not repeated
        assert finding.evidence["not_run_because"] == PARSE_CHECK_ID


def test_a_bad_key_file_still_lets_the_certificate_checks_run(tmp_path: Path, cert: GeneratedCert) -> None:
    results = _run_checks(_ctx(_pem_answers(tmp_path, cert.cert_pem, _truncated(cert.key_pem))))
    assert results[PARSE_CHECK_ID].status is CheckStatus.FAIL
    assert results[PARSE_CHECK_ID].evidence["field"] == "listener_key_path"
    assert results["tls.listener-key"].status is CheckStatus.ERROR
    assert label("listener_key_path") in results["tls.listener-key"].summary
    for check_id in ("tls.listener-validity", "tls.listener-san", "tls.listener-rsa", "tls.listener-eku"):
        assert results[check_id].status is CheckStatus.PASS, (check_id, results[check_id])


def test_pfx_checks_say_not_checked_for_a_cut_off_pfx(tmp_path: Path, cert: GeneratedCert) -> None:
    pfx = cert.pfx_bytes(None)
    (tmp_path / "l.pfx").write_bytes(pfx[: len(pfx) // 2])
    results = _run_checks(_ctx({"listener_source": "pfx", "listener_pfx_path": str(tmp_path / "l.pfx")}))
    assert results[PARSE_CHECK_ID].status is CheckStatus.FAIL and "cut off" in results[PARSE_CHECK_ID].summary
    assert {f.status for k, f in results.items() if k != PARSE_CHECK_ID} == {CheckStatus.ERROR}
    assert {"tls.listener-pfx-size", "tls.listener-pfx-encryption"} <= results.keys()


# -- remedies fit the format -----------------------------------------------------------------------

def test_pem_remedy_never_mentions_a_password(tmp_path: Path, cert: GeneratedCert) -> None:
    for cert_pem, key_pem in ((_truncated(cert.cert_pem), cert.key_pem), (cert.cert_pem, b"no key here")):
        parse = _run_checks(_ctx(_pem_answers(tmp_path, cert_pem, key_pem)))[PARSE_CHECK_ID]
        assert parse.status is CheckStatus.FAIL
        assert "password" not in parse.remedy.lower()
        assert label(parse.evidence["field"]) in parse.remedy


def test_pfx_password_remedy_names_the_password_field(tmp_path: Path, cert: GeneratedCert) -> None:
    key = serialization.load_pem_private_key(cert.key_pem, None)
    (tmp_path / "l.pfx").write_bytes(export_pfx(key, cert.cert, [], b"right-password"))  # type: ignore[arg-type]
    answers = {"listener_source": "pfx", "listener_pfx_path": str(tmp_path / "l.pfx")}
    wrong = FakeSecrets({tls.PASSWORD_SECRET: "wrong-password"})
    parse = _run_checks(_ctx(answers, wrong))[PARSE_CHECK_ID]
    assert parse.status is CheckStatus.FAIL and "password is wrong" in parse.summary
    assert label("listener_pfx_password") in parse.remedy
    right = FakeSecrets({tls.PASSWORD_SECRET: "right-password"})
    assert _run_checks(_ctx(answers, right))[PARSE_CHECK_ID].status is CheckStatus.PASS


def test_a_file_that_is_not_a_pfx_points_at_the_file_field(tmp_path: Path, cert: GeneratedCert) -> None:
    (tmp_path / "l.pfx").write_bytes(cert.cert_pem)
    parse = _run_checks(_ctx({"listener_source": "pfx", "listener_pfx_path": str(tmp_path / "l.pfx")}))[
        PARSE_CHECK_ID]
    assert parse.evidence["field"] == "listener_pfx_path" and label("listener_pfx_path") in parse.remedy
    assert "PEM" in parse.summary  # it says what the file actually is


# -- fields shown only where they mean something ---------------------------------------------------

def test_validity_is_asked_only_for_generated_certificates() -> None:
    validity, ingress_validity = TLS_CERTIFICATES.field("validity_days"), TLS_CERTIFICATES.field(
        "ingress_validity_days")
    assert visible(validity, {"listener_source": "generate"}) and not visible(ingress_validity,
                                                                              {"listener_source": "generate"})
    for source in ("pfx", "pem"):
        assert not visible(validity, {"listener_source": source}), source
        assert visible(ingress_validity, {"listener_source": source}), source


def test_password_placeholder_does_not_promise_a_stored_secret() -> None:
    placeholder = TLS_CERTIFICATES.field("listener_pfx_password").placeholder
    assert placeholder and "stored" not in placeholder and "keep" not in placeholder
    assert "no password" in placeholder


def test_ingress_validity_applies_when_the_listener_is_brought() -> None:
    ctx = _ctx({"listener_source": "pem", "validity_days": 90, "ingress_validity_days": 30})
    assert tls.validity_days(ctx) == (90, 30)
    assert tls.validity_days(_ctx({"listener_source": "generate", "validity_days": 90})) == (90, 90)


# -- host names are the operator's -----------------------------------------------------------------

@pytest.mark.parametrize(("field_id", "value", "expected"), [
    ("listener_host", "bicycle..contoso.com", "empty label"),
    ("listener_host", "*.contoso.com", "not at all"),
    ("listener_host", "https://bicycle.contoso.com", "URL"),
    ("listener_host", "bi_cycle.contoso.com", "'_'"),
    ("ingress_wildcard", "apps.contoso.com", "must start with '*.'"),
    ("ingress_wildcard", "*.com", "too broad"),
])
def test_host_fields_are_validated_as_dns_names(field_id: str, value: str, expected: str) -> None:
    _, errors = validate(TLS_CERTIFICATES, {field_id: value}, _ctx({}))
    assert field_id in errors and expected in errors[field_id]
    assert errors[field_id].startswith(label(field_id))


def test_host_fields_default_to_the_reference_names_under_the_domain() -> None:
    values, errors = validate(TLS_CERTIFICATES, {"domain": "fabrikam.io"}, _ctx({}))
    assert errors == {}
    h = tls.hosts(_ctx(values))
    assert (h.public, h.ingress_wildcard, h.backend) == (
        "bicycle.fabrikam.io", "*.aks-ingress.fabrikam.io", "bu0001a0008-00.aks-ingress.fabrikam.io")


def test_custom_listener_host_is_what_the_san_check_demands(tmp_path: Path, cert: GeneratedCert) -> None:
    answers = {**_pem_answers(tmp_path, cert.cert_pem, cert.key_pem), "listener_host": "shop.contoso.com"}
    san = _run_checks(_ctx(answers))["tls.listener-san"]
    assert san.status is CheckStatus.FAIL and "shop.contoso.com" in san.summary
    answers["listener_host"] = "bicycle.contoso.com"
    assert _run_checks(_ctx(answers))["tls.listener-san"].status is CheckStatus.PASS


def test_generation_uses_the_chosen_host_names_and_states_units(tmp_path: Path) -> None:
    answers = {"domain": "contoso.com", "listener_source": "generate", "validity_days": 90,
               "listener_host": "shop.fabrikam.io", "ingress_wildcard": "*.internal.fabrikam.io"}
    secrets = FakeSecrets()
    ctx = _ctx(answers, secrets, tmp_path)
    outputs = tls.run(ctx, lambda message, fraction=None: None)
    assert outputs["public_host"] == "shop.fabrikam.io" and outputs["listener"]["sans"] == ["shop.fabrikam.io"]
    assert outputs["ingress"]["sans"] == ["*.internal.fabrikam.io"]
    assert outputs["backend_host"] == "bu0001a0008-00.internal.fabrikam.io"
    assert outputs["listener"]["key_size_bits"] == 2048
    listener = load_pfx(secrets.values[tls.LISTENER_PFX])
    assert outputs["listener_pfx_size_bytes"] == len(secrets.values[tls.LISTENER_PFX])
    assert (listener.leaf.not_valid_after_utc - listener.leaf.not_valid_before_utc).days == 90
    assert all(f.status is CheckStatus.PASS for part in tls.verify_findings(ctx).values() for f in part.values())
    labels = {spec.key: spec.label for spec in TLS_CERTIFICATES.outputs}
    assert labels["listener_pfx_size_bytes"] == "Listener PFX size (bytes)"


def test_listener_host_inside_the_ingress_zone_warns() -> None:
    check = next(c for c in TLS_CERTIFICATES.checks if c.id == "tls.hosts")
    inside = check.run(_ctx({"domain": "contoso.com", "listener_host": "shop.aks-ingress.contoso.com"}))
    assert inside.status is CheckStatus.WARN
    assert "shop.aks-ingress.contoso.com" in inside.summary and label("listener_host") in inside.summary
    assert "--override tls.hosts" in inside.remedy
    assert check.run(_ctx({"domain": "contoso.com"})).status is CheckStatus.PASS
