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
from checks.certificate_files import (PART_CERTIFICATE, PART_KEY, PART_PASSWORD, PART_PFX, CertificateFileError,
                                      LoadedCert, export_pfx, generate_self_signed, load_pem, load_pem_certificates,
                                      load_pfx, pem_certificate_only)
from wizard.engine.contract import PlannedChange, ProgressSink, StepContext

LISTENER_PFX = "tls-certificates.listener.pfx"
INGRESS_KEY = "tls-certificates.ingress.key"
INGRESS_PEM = "tls-certificates.ingress.pem"
PASSWORD_SECRET = "tls-certificates.listener_pfx_password"


DEFAULT_LISTENER_LABEL = "bicycle"  # reference: bicycle.<domain>
DEFAULT_INGRESS_ZONE = "aks-ingress"  # reference: *.aks-ingress.<domain>
BACKEND_LABEL = "bu0001a0008-00"  # the reference workload's host under the ingress wildcard
DEFAULT_VALIDITY_DAYS = 365


@dataclass(frozen=True)
class Hosts:
    """The names the two certificates must serve. ``listener`` and ``ingress`` are the operator's
    choices; empty means the reference names under ``domain``, so changing the domain moves them."""

    domain: str
    listener: str = ""
    ingress: str = ""

    @property
    def public(self) -> str:
        """The App Gateway listener host: what visitors type, what the listener SAN must cover."""
        return self.listener or f"{DEFAULT_LISTENER_LABEL}.{self.domain}"

    @property
    def ingress_wildcard(self) -> str:
        return self.ingress or f"*.{DEFAULT_INGRESS_ZONE}.{self.domain}"

    @property
    def backend(self) -> str:
        """The host App Gateway sends to the ingress controller (reference BU0001A0008): one label
        under the wildcard, so the wildcard certificate covers it."""
        return f"{BACKEND_LABEL}.{self.ingress_wildcard.removeprefix('*.')}"


def hosts(ctx: StepContext) -> Hosts:
    answers = ctx.answers
    return Hosts(str(answers.get("domain") or "contoso.com").lower(),
                 str(answers.get("listener_host") or "").strip().lower().rstrip("."),
                 str(answers.get("ingress_wildcard") or "").strip().lower().rstrip("."))


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# Which decision holds each input a CertificateFileError can be about, per listener source.
FIELD_FOR_PART: dict[str, dict[str, str]] = {
    "pfx": {PART_PFX: "listener_pfx_path", PART_PASSWORD: "listener_pfx_password"},
    "pem": {PART_CERTIFICATE: "listener_cert_path", PART_KEY: "listener_key_path"},
}


@dataclass(frozen=True)
class ListenerRead:
    """The operator's listener material, as far as it could be read.

    ``problem`` is the one sentence saying why it cannot be used (None when everything loaded) and
    ``field`` the decision to change. ``certificate`` is what did load: None when no certificate
    could be parsed, or, with PEM, the certificates without a key when only the key file is bad,
    so checks about the certificate itself still run and only the key check waits."""

    certificate: LoadedCert | None
    problem: CertificateFileError | None = None
    field: str | None = None


def _read(ctx: StepContext, field_id: str, part: str) -> bytes:
    path = Path(str(ctx.answers.get(field_id) or "")).expanduser()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CertificateFileError(f"Cannot read {path}: {exc.strerror or exc}.", part) from exc


def read_listener(ctx: StepContext) -> ListenerRead | None:
    """Read the listener certificate the operator brings, or None when the wizard generates it.
    Never raises for a bad file: every problem comes back as ``ListenerRead.problem``."""
    source = str(ctx.answers.get("listener_source", "generate"))
    if source == "generate":
        return None
    fields = FIELD_FOR_PART.get(source, FIELD_FOR_PART["pem"])
    if source == "pfx":
        try:
            data = _read(ctx, fields[PART_PFX], PART_PFX)
            password = ctx.secrets.get(PASSWORD_SECRET) if ctx.secrets else None
            return ListenerRead(load_pfx(data, password or None))
        except CertificateFileError as exc:
            return ListenerRead(None, exc, fields.get(exc.part, fields[PART_PFX]))
    try:
        cert_pem = _read(ctx, fields[PART_CERTIFICATE], PART_CERTIFICATE)
        certs = load_pem_certificates(cert_pem)
    except CertificateFileError as exc:
        return ListenerRead(None, exc, fields[PART_CERTIFICATE])
    try:
        return ListenerRead(load_pem(cert_pem, _read(ctx, fields[PART_KEY], PART_KEY)))
    except CertificateFileError as exc:
        return ListenerRead(pem_certificate_only(certs), exc, fields.get(exc.part, fields[PART_KEY]))


def load_listener(ctx: StepContext) -> LoadedCert | None:
    """The operator's own listener certificate, or None when the wizard generates it.
    Raises CertificateFileError with a clear sentence when the files are unusable."""
    read = read_listener(ctx)
    if read is None:
        return None
    if read.problem is not None:
        raise read.problem
    assert read.certificate is not None
    return read.certificate


def validity_days(ctx: StepContext) -> tuple[int, int]:
    """(listener, ingress) validity for the certificates the wizard generates. With a certificate
    of the operator's, only the ingress wildcard is generated, and its field is the one shown."""
    answers = ctx.answers
    listener = int(answers.get("validity_days") or DEFAULT_VALIDITY_DAYS)
    if answers.get("listener_source", "generate") == "generate":
        return listener, listener
    return listener, int(answers.get("ingress_validity_days") or DEFAULT_VALIDITY_DAYS)


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
    listener_days, ingress_days = validity_days(ctx)
    cert_dir = Path(ctx.session_dir) / "certs"
    cert_dir.mkdir(parents=True, exist_ok=True)
    store: Any = ctx.secrets

    progress("Preparing the App Gateway listener certificate…", 0.1)
    loaded = load_listener(ctx)
    if loaded is None:
        generated = generate_self_signed(h.public, [h.public], "Contoso Bicycle", days=listener_days)
        listener_cert, listener_pem = generated.cert, generated.cert_pem
        pfx = generated.pfx_bytes(None)
        origin = "generated"
    else:
        if loaded.key is None:
            raise CertificateFileError("The listener certificate has no private key; App Gateway needs one.",
                                       PART_KEY)
        listener_cert = loaded.leaf
        from cryptography.hazmat.primitives import serialization

        listener_pem = loaded.leaf.public_bytes(serialization.Encoding.PEM)
        # Key Vault references carry no password: store a passwordless copy (in the 0600 store).
        pfx = export_pfx(loaded.key, loaded.leaf, loaded.chain, None)
        origin = f"imported {loaded.source}"
    (cert_dir / "appgw-listener.crt").write_bytes(listener_pem)
    pfx_fp = store.put(LISTENER_PFX, pfx)

    progress("Generating the ingress wildcard certificate…", 0.6)
    ingress = generate_self_signed(h.ingress_wildcard, [h.ingress_wildcard], "Contoso AKS Ingress",
                                   days=ingress_days, is_ca=True)
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
        "listener_pfx_size_bytes": len(pfx),
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
