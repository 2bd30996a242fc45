"""Producing and reading the two certificates of the baseline, for the TLS step.

Kept apart from the step definition so the step file stays declarative. Private keys and
PFX files go only to the session's 0600 secret store; public certificates go to
``<session>/certs/``; outputs carry names, subjects and fingerprints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from checks import certificates as certs
from checks.certificate_files import (CertificateFileError, LoadedCert, export_pfx, generate_self_signed, load_pem,
                                      load_pfx)
from wizard.engine.contract import PlannedChange, ProgressSink, StepContext

LISTENER_PFX = "tls-certificates.listener.pfx"
INGRESS_KEY = "tls-certificates.ingress.key"
INGRESS_PEM = "tls-certificates.ingress.pem"
PASSWORD_SECRET = "tls-certificates.listener_pfx_password"


@dataclass(frozen=True)
class Hosts:
    domain: str

    @property
    def public(self) -> str:
        return f"bicycle.{self.domain}"

    @property
    def ingress_wildcard(self) -> str:
        return f"*.aks-ingress.{self.domain}"

    @property
    def backend(self) -> str:
        """The host App Gateway sends to the ingress controller (reference BU0001A0008)."""
        return f"bu0001a0008-00.aks-ingress.{self.domain}"


def hosts(ctx: StepContext) -> Hosts:
    return Hosts(str(ctx.answers.get("domain", "contoso.com")).lower())


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def load_listener(ctx: StepContext) -> LoadedCert | None:
    """The operator's own listener certificate, or None when the wizard generates it.
    Raises CertificateFileError with a clear sentence when the files are unusable."""
    source = ctx.answers.get("listener_source", "generate")
    if source == "generate":
        return None
    try:
        if source == "pfx":
            password = ctx.secrets.get(PASSWORD_SECRET) if ctx.secrets else None
            return load_pfx(Path(str(ctx.answers["listener_pfx_path"])).expanduser().read_bytes(), password or None)
        cert = Path(str(ctx.answers["listener_cert_path"])).expanduser().read_bytes()
        key = Path(str(ctx.answers["listener_key_path"])).expanduser().read_bytes()
        return load_pem(cert, key)
    except OSError as exc:
        raise CertificateFileError(f"Cannot read the certificate file: {exc.strerror} ({exc.filename}).") from exc


def describe(ctx: StepContext) -> list[PlannedChange]:
    h = hosts(ctx)
    source = ctx.answers.get("listener_source", "generate")
    listener_how = "generate self-signed" if source == "generate" else f"import your {source.upper()}"
    rows = [
        ("Create", "local/certificate", f"App Gateway listener for {h.public} ({listener_how})"),
        ("Create", "local/secret", f"{LISTENER_PFX} (passwordless PFX for Key Vault, 0600)"),
        ("Create", "local/certificate", f"Ingress wildcard {h.ingress_wildcard} (self-signed private root)"),
        ("Create", "local/secret", f"{INGRESS_KEY} and {INGRESS_PEM} (PKCS#8 key, 0600)"),
    ]
    return [PlannedChange(change, f"session/{name}", rtype, name) for change, rtype, name in rows]


def _summary(cert: Any) -> dict[str, Any]:
    return certs.certificate_summary(cert)


def run(ctx: StepContext, progress: ProgressSink) -> dict[str, Any]:
    assert ctx.secrets is not None and ctx.session_dir is not None
    h = hosts(ctx)
    days = int(ctx.answers.get("validity_days") or 365)
    cert_dir = Path(ctx.session_dir) / "certs"
    cert_dir.mkdir(parents=True, exist_ok=True)
    store: Any = ctx.secrets

    progress("Preparing the App Gateway listener certificate…", 0.1)
    loaded = load_listener(ctx)
    if loaded is None:
        generated = generate_self_signed(h.public, [h.public], "Contoso Bicycle", days=days)
        listener_cert, listener_pem = generated.cert, generated.cert_pem
        pfx = generated.pfx_bytes(None)
        origin = "generated"
    else:
        if loaded.key is None:
            raise CertificateFileError("The listener certificate has no private key; App Gateway needs one.")
        listener_cert = loaded.leaf
        from cryptography.hazmat.primitives import serialization

        listener_pem = loaded.leaf.public_bytes(serialization.Encoding.PEM)
        # Key Vault references carry no password: store a passwordless copy (in the 0600 store).
        pfx = export_pfx(loaded.key, loaded.leaf, loaded.chain, None)
        origin = f"imported {loaded.source}"
    (cert_dir / "appgw-listener.crt").write_bytes(listener_pem)
    pfx_fp = store.put(LISTENER_PFX, pfx)

    progress("Generating the ingress wildcard certificate…", 0.6)
    ingress = generate_self_signed(h.ingress_wildcard, [h.ingress_wildcard], "Contoso AKS Ingress", days=days,
                                   is_ca=True)
    (cert_dir / "ingress-wildcard.crt").write_bytes(ingress.cert_pem)
    key_fp = store.put(INGRESS_KEY, ingress.key_pem)
    pem_fp = store.put(INGRESS_PEM, ingress.combined_pem)
    progress("Certificates written.", 1.0)
    return {
        "domain": h.domain, "public_host": h.public, "ingress_wildcard": h.ingress_wildcard,
        "backend_host": h.backend, "listener_origin": origin,
        "listener": _summary(listener_cert), "ingress": _summary(ingress.cert),
        "listener_certificate_path": str(cert_dir / "appgw-listener.crt"),
        "ingress_certificate_path": str(cert_dir / "ingress-wildcard.crt"),
        "stored_secrets": {LISTENER_PFX: pfx_fp, INGRESS_KEY: key_fp, INGRESS_PEM: pem_fp},
        "listener_pfx_size": len(pfx),
    }


def written_listener(ctx: StepContext) -> LoadedCert:
    assert ctx.secrets is not None
    data = ctx.secrets.get_bytes(LISTENER_PFX)  # type: ignore[attr-defined]
    if data is None:
        raise CertificateFileError("The listener PFX is missing from the secret store.")
    return load_pfx(data, None)


def written_ingress(ctx: StepContext) -> LoadedCert:
    assert ctx.secrets is not None
    pem = ctx.secrets.get_bytes(INGRESS_PEM)  # type: ignore[attr-defined]
    if pem is None:
        raise CertificateFileError("The ingress certificate is missing from the secret store.")
    return load_pem(pem, None)


def verify_findings(ctx: StepContext) -> Mapping[str, Any]:
    h = hosts(ctx)
    return {"listener": certs.run_certificate_checks(written_listener(ctx), now(), [h.public]),
            "ingress": certs.run_certificate_checks(written_ingress(ctx), now(), [h.backend])}
