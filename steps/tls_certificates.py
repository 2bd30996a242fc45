"""Step 2: TLS certificates for the App Gateway listener (public host) and the in-cluster
ingress (wildcard). Generated here with `cryptography`, or the operator's own listener."""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from checks import certificates as certs
from checks.certificate_files import CertificateFileError, LoadedCert
from steps import tls_material as tls
from wizard.engine.contract import (Check, CheckStatus, Choice, Field, FieldKind, Finding, LocalAction, OutputSpec,
                                    StepContext, StepDefinition)

_DOMAIN = re.compile(r"^(?=.{4,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

SOURCES = (
    Choice("generate", "Generate self-signed (learning)", "Like the reference: RSA 2048, SHA-256, SAN, serverAuth."),
    Choice("pfx", "Bring your own PFX", "Your organisation's certificate with its chain and private key."),
    Choice("pem", "Bring your own PEM", "Certificate (with chain) and an unencrypted PKCS#8 private key."),
)


def _domain_error(value: Any, ctx: StepContext) -> str | None:
    if not _DOMAIN.match(str(value).lower()):
        return "Enter a DNS domain like contoso.com (letters, digits, hyphens and dots; no scheme, no path)."
    return None


def _days(value: Any, ctx: StepContext) -> str | None:
    return None if 1 <= int(value) <= 825 else "Validity must be between 1 and 825 days."


def _exists(value: Any, ctx: StepContext) -> str | None:
    from pathlib import Path

    path = Path(str(value)).expanduser()
    return None if path.is_file() else f"No file at {path}."


def _is(source: str) -> Callable[[Any], bool]:
    return lambda answers: answers.get("listener_source") == source


def _listener_check(name: str, fn: Callable[[LoadedCert, StepContext], Finding]) -> Callable[[StepContext], Finding]:
    """Run ``fn`` on the operator's listener certificate. These checks apply only to a
    certificate the operator brings (``BRING_YOUR_OWN``); generated ones are checked after
    they are written (see ``verify``)."""

    def run(ctx: StepContext) -> Finding:
        try:
            loaded = tls.load_listener(ctx)
        except CertificateFileError as exc:
            return Finding.fail(str(exc), "Fix the file or password in the decisions, then re-run the checks.")
        except ValueError as exc:
            return Finding.fail(f"The certificate could not be read: {exc}", "Check the file format and password.")
        if loaded is None:  # unreachable while applies_when holds; never report a pass unchecked
            return Finding(CheckStatus.ERROR, f"{name}: there is no certificate of yours to check; the wizard "
                           "generates it.", {}, "")
        return fn(loaded, ctx)

    return run


def _parses(loaded: LoadedCert, ctx: StepContext) -> Finding:
    summary = certs.certificate_summary(loaded.leaf)
    return Finding.ok(f"Read {summary.get('subject')} from your {loaded.source.upper()}.", **summary)


def _brought(answers: Mapping[str, Any]) -> bool:
    return answers.get("listener_source", "generate") != "generate"


BRING_YOUR_OWN = dict(applies_when=_brought, not_applicable="Checks a certificate you bring; the generated one "
                      "is checked after it is written (Run tab).")
PFX_ONLY = dict(applies_when=_is("pfx"), not_applicable="Checks a PFX you bring; the PFX the wizard exports is "
                "built to fit (at most 16 KB, the 3DES encryption every App Gateway upload accepts).")


def _check_domain(ctx: StepContext) -> Finding:
    h = tls.hosts(ctx)
    return Finding.ok(f"Listener host {h.public}; ingress {h.ingress_wildcard}; backend host {h.backend}.",
                      public_host=h.public, ingress_wildcard=h.ingress_wildcard, backend_host=h.backend)


def _verify(part: str, key: str) -> Callable[[StepContext], Finding]:
    def run(ctx: StepContext) -> Finding:
        results = tls.verify_findings(ctx)[part]
        bad = {k: f for k, f in results.items() if f.status is not CheckStatus.PASS}
        if bad:
            worst = next(iter(bad.values()))
            return Finding(worst.status, "; ".join(f"{k}: {f.summary}" for k, f in bad.items()), {},
                           worst.remedy)
        return Finding.ok(f"The written {key} certificate passes every check ({', '.join(results)}).")
    return run


TLS_CERTIFICATES = StepDefinition(
    id="tls-certificates",
    title="TLS certificates",
    summary="Listener certificate for App Gateway and the ingress wildcard certificate.",
    lesson="tls-certificates.md",
    built=True,
    needs=("prerequisites",),
    fields=(
        Field("domain", "Domain", "The public host is bicycle.<domain> and the ingress wildcard *.aks-ingress.<domain>; "
              "both names are baked into App Gateway and the ingress routes.", default="contoso.com",
              validators=(_domain_error,)),
        Field("listener_source", "Listener certificate", "Traffic from the internet terminates TLS on App Gateway "
              "with this certificate; in production it must come from a public CA.", default="generate",
              kind=FieldKind.CHOICE, choices=SOURCES),
        Field("validity_days", "Validity (days)", "Self-signed certificates for learning; a year like the "
              "reference.", default=365, kind=FieldKind.INT, validators=(_days,)),
        Field("listener_pfx_path", "PFX file", "A PKCS#12 file with the certificate, its chain and the key.",
              default="", kind=FieldKind.PATH, validators=(_exists,), visible_when=_is("pfx")),
        Field("listener_pfx_password", "PFX password", "Kept in the session's 0600 secret store; the audit log "
              "records only its fingerprint.", default="", secret=True, required=False, visible_when=_is("pfx")),
        Field("listener_cert_path", "Certificate PEM", "The certificate followed by its intermediates.",
              default="", kind=FieldKind.PATH, validators=(_exists,), visible_when=_is("pem")),
        Field("listener_key_path", "Private key PEM", "Unencrypted PKCS#8 (BEGIN PRIVATE KEY): Key Vault import "
              "accepts no other form.", default="", kind=FieldKind.PATH, validators=(_exists,),
              visible_when=_is("pem")),
    ),
    checks=(
        Check("tls.hosts", "Host names", _check_domain),
        Check("tls.listener-parses", "Listener certificate parses", _listener_check("Parse", _parses),
              **BRING_YOUR_OWN),
        Check("tls.listener-validity", "Listener not expired (warn < 30 days)",
              _listener_check("Validity", lambda c, ctx: certs.check_validity(c.leaf, tls.now())),
              **BRING_YOUR_OWN),
        Check("tls.listener-key", "Key matches certificate",
              _listener_check("Key", lambda c, ctx: certs.check_key_matches(c.leaf, c.key)),
              **BRING_YOUR_OWN),
        Check("tls.listener-san", "SAN covers the public host",
              _listener_check("SAN", lambda c, ctx: certs.check_san_covers(c.leaf, tls.hosts(ctx).public)),
              **BRING_YOUR_OWN),
        Check("tls.listener-rsa", "RSA key of at least 2048 bits",
              _listener_check("Key type", lambda c, ctx: certs.check_rsa_strength(c.leaf.public_key())),
              **BRING_YOUR_OWN),
        Check("tls.listener-eku", "Server authentication usage",
              _listener_check("EKU", lambda c, ctx: certs.check_server_auth_eku(c.leaf)),
              **BRING_YOUR_OWN),
        Check("tls.listener-pfx-size", "PFX at most 16 KB with its chain",
              _listener_check("Size", lambda c, ctx: certs.check_pfx_size(c.pfx_size or 0)), **PFX_ONLY),
        Check("tls.listener-pfx-encryption", "PFX encryption App Gateway accepts",
              _listener_check("Encryption", lambda c, ctx: certs.check_pfx_encryption(c.pfx_algorithms)),
              **PFX_ONLY),
    ),
    action=LocalAction(describe=tls.describe, run=tls.run),
    verify=(
        Check("tls.verify-listener", "Written listener certificate", _verify("listener", "listener")),
        Check("tls.verify-ingress", "Written ingress certificate", _verify("ingress", "ingress")),
    ),
    outputs=(OutputSpec("public_host", "Public host"), OutputSpec("ingress_wildcard", "Ingress wildcard"),
             OutputSpec("listener_certificate_path", "Listener certificate"),
             OutputSpec("ingress_certificate_path", "Ingress certificate")),
)
