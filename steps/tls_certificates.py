"""Step 2: TLS certificates for the App Gateway listener (public host) and the in-cluster
ingress (wildcard). Generated here with `cryptography`, or the operator's own listener."""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from checks import certificates as certs
from checks.certificate_files import LoadedCert
from checks.naming import dns_name_error
from steps import tls_material as tls
from wizard.azure.remedies import TUI_KEYS
from wizard.engine.contract import (Check, CheckStatus, Choice, Field, FieldKind, Finding, LocalAction, OutputSpec,
                                    StepContext, StepDefinition)

_DOMAIN = re.compile(r"^(?=.{4,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MIN_VALIDITY_DAYS, MAX_VALIDITY_DAYS = 1, 825  # 825: the longest TLS server certificate clients still accept
PARSE_CHECK_ID = "tls.listener-parses"
PARSE_CHECK_TITLE = "Listener certificate parses"

SOURCES = (
    Choice("generate", "Generate self-signed (learning)", "Like the reference: RSA 2048, SHA-256, SAN, serverAuth."),
    Choice("pfx", "Bring your own PFX", "Your organisation's certificate with its chain and private key. The "
           "ingress wildcard is still generated here."),
    Choice("pem", "Bring your own PEM", "Certificate (with chain) and an unencrypted PKCS#8 private key. The "
           "ingress wildcard is still generated here."),
)


def _domain_error(value: Any, ctx: StepContext) -> str | None:
    if not _DOMAIN.match(str(value).lower()):
        return "Enter a DNS domain like contoso.com (letters, digits, hyphens and dots; no scheme, no path)."
    return None


def _host_error(label: str, wildcard: bool) -> Callable[[Any, StepContext], str | None]:
    return lambda value, ctx: dns_name_error(str(value), label, wildcard=wildcard)


def _days(label: str) -> Callable[[Any, StepContext], str | None]:
    def check(value: Any, ctx: StepContext) -> str | None:
        if MIN_VALIDITY_DAYS <= int(value) <= MAX_VALIDITY_DAYS:
            return None
        return f"{label} must be between {MIN_VALIDITY_DAYS} and {MAX_VALIDITY_DAYS} days (got {value})."
    return check


def _exists(value: Any, ctx: StepContext) -> str | None:
    from pathlib import Path

    path = Path(str(value)).expanduser()
    return None if path.is_file() else f"No file at {path}."


def _is(source: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda answers: answers.get("listener_source", "generate") == source


def _brought(answers: Mapping[str, Any]) -> bool:
    return answers.get("listener_source", "generate") != "generate"


FIELDS: tuple[Field, ...] = (
    Field("domain", "Domain", "The default host names hang off it: bicycle.<domain> for visitors and "
          "*.aks-ingress.<domain> inside the cluster.", default="contoso.com", validators=(_domain_error,)),
    Field("listener_host", "Listener host name", "The name visitors type. App Gateway's listener answers for it "
          "and the listener certificate must cover it in its SAN. Leave it empty for bicycle.<domain>.",
          default="", required=False, placeholder="bicycle.<domain>",
          validators=(_host_error("Listener host name", wildcard=False),)),
    Field("ingress_wildcard", "Ingress wildcard", "The in-cluster ingress certificate covers one label under it; "
          "App Gateway calls the workload at bu0001a0008-00 under it. Leave it empty for *.aks-ingress.<domain>.",
          default="", required=False, placeholder="*.aks-ingress.<domain>",
          validators=(_host_error("Ingress wildcard", wildcard=True),)),
    Field("listener_source", "Listener certificate", "Traffic from the internet terminates TLS on App Gateway "
          "with this certificate; in production it must come from a public CA.", default="generate",
          kind=FieldKind.CHOICE, choices=SOURCES),
    Field("validity_days", "Validity (days)", "How long both generated certificates (listener and ingress) stay "
          "valid; a year, like the reference.", default=tls.DEFAULT_VALIDITY_DAYS, kind=FieldKind.INT,
          validators=(_days("Validity"),), visible_when=_is("generate")),
    Field("ingress_validity_days", "Ingress certificate validity (days)", "Your listener certificate keeps its "
          "own dates; the ingress wildcard is still generated here and valid this long.",
          default=tls.DEFAULT_VALIDITY_DAYS, kind=FieldKind.INT, validators=(_days("Ingress certificate validity"),),
          visible_when=_brought),
    Field("listener_pfx_path", "PFX file", "A PKCS#12 file with the certificate, its chain and the key.",
          default="", kind=FieldKind.PATH, validators=(_exists,), visible_when=_is("pfx")),
    Field("listener_pfx_password", "PFX password", "Leave it empty for a PFX without a password. Kept in the "
          "session's 0600 secret store; the audit log records only its fingerprint.", default="", secret=True,
          required=False, visible_when=_is("pfx"), placeholder="leave empty if the PFX has no password"),
    Field("listener_cert_path", "Certificate PEM", "The certificate followed by its intermediates.",
          default="", kind=FieldKind.PATH, validators=(_exists,), visible_when=_is("pem")),
    Field("listener_key_path", "Private key PEM", "Unencrypted PKCS#8 (BEGIN PRIVATE KEY): Key Vault import "
          "accepts no other form.", default="", kind=FieldKind.PATH, validators=(_exists,),
          visible_when=_is("pem")),
)


def label(field_id: str) -> str:
    """The label the operator sees for a field, so messages name fields exactly as shown."""
    return next(f.label for f in FIELDS if f.id == field_id)


_AGAIN = f"then save the decisions ({TUI_KEYS['save']}) and run the checks again ({TUI_KEYS['checks']})"

# Decision holding the unusable input → what to do about it. PEM has no password, so no PEM
# remedy mentions one; each names the one field to change.
REMEDY_FOR_FIELD: dict[str, str] = {
    "listener_pfx_path": "Choose a complete PFX (PKCS#12) file with the certificate and its private key in "
                         f"\"{label('listener_pfx_path')}\", or, if you have PEM files, set "
                         f"\"{label('listener_source')}\" to Bring your own PEM; {_AGAIN}.",
    "listener_pfx_password": f"Type the PFX's password in \"{label('listener_pfx_password')}\" (leave it empty only "
                             f"for a PFX without one); {_AGAIN}.",
    "listener_cert_path": f"Fix the file in \"{label('listener_cert_path')}\": the certificate, then its "
                          "intermediates, each a complete -----BEGIN CERTIFICATE----- … -----END CERTIFICATE----- "
                          f"block; {_AGAIN}.",
    "listener_key_path": f"Fix the file in \"{label('listener_key_path')}\": one unencrypted PKCS#8 private key "
                         f"(-----BEGIN PRIVATE KEY-----) matching the certificate; {_AGAIN}.",
}


def _parses(ctx: StepContext) -> Finding:
    """The one check that reports an unusable file. Every other listener check depends on it and
    says it could not run, instead of repeating the same failure six more times."""
    read = tls.read_listener(ctx)
    if read is None:  # unreachable while applies_when holds; never report a pass unchecked
        return _nothing_to_check("Parse")
    source = str(ctx.answers.get("listener_source"))
    if read.problem is not None:
        field_id = read.field or ""
        known = field_id in REMEDY_FOR_FIELD
        remedy = REMEDY_FOR_FIELD[field_id] if known else f"Fix the {source.upper()} files; {_AGAIN}."
        return Finding.fail(str(read.problem), remedy, format=source, field=field_id,
                            field_label=label(field_id) if known else None)
    assert read.certificate is not None
    summary = certs.certificate_summary(read.certificate.leaf)
    return Finding.ok(f"Read {summary.get('subject')} from your {source.upper()}.", format=source, **summary)


def _nothing_to_check(name: str) -> Finding:
    return Finding(CheckStatus.ERROR, f"{name}: there is no certificate of yours to check; the wizard generates it.",
                   {}, "")


def _listener_check(name: str, fn: Callable[[LoadedCert, StepContext], Finding],
                    needs_key: bool = False) -> Callable[[StepContext], Finding]:
    """Run ``fn`` on the operator's listener certificate. These checks apply only to a
    certificate the operator brings (``BRING_YOUR_OWN``); generated ones are checked after
    they are written (see ``verify``). When the material did not load, the parse check has
    already said why; this one says only that it could not run (ERROR: not checked)."""

    def run(ctx: StepContext) -> Finding:
        read = tls.read_listener(ctx)
        if read is None:
            return _nothing_to_check(name)
        if read.certificate is None or (needs_key and read.problem is not None):
            field_id = read.field or ""
            shown = label(field_id) if field_id in REMEDY_FOR_FIELD else "the certificate files"
            return Finding(CheckStatus.ERROR,
                           f"Not checked: \"{shown}\" could not be used, so there is nothing to check yet "
                           f"(see \"{PARSE_CHECK_TITLE}\").",
                           {"not_run_because": PARSE_CHECK_ID, "field": field_id},
                           f"Fix what \"{PARSE_CHECK_TITLE}\" reports; this check runs again with the others.")
        return fn(read.certificate, ctx)

    return run


BRING_YOUR_OWN = dict(applies_when=_brought, not_applicable="Checks a certificate you bring; the generated one "
                      "is checked after it is written (Run tab).")
PFX_ONLY = dict(applies_when=_is("pfx"), not_applicable="Checks a PFX you bring; the PFX the wizard exports is "
                "built to fit (at most 16 KB, the 3DES encryption every App Gateway upload accepts).")


def _check_hosts(ctx: StepContext) -> Finding:
    """The names fit together. The cluster step makes the wildcard's zone (aks-ingress.<domain>)
    a private DNS zone linked to the spoke: a listener host inside it would not resolve to App
    Gateway from inside the network, and the public and internal certificates would overlap."""
    h = tls.hosts(ctx)
    zone = h.ingress_wildcard.removeprefix("*.")
    evidence = {"public_host": h.public, "ingress_wildcard": h.ingress_wildcard, "backend_host": h.backend,
                "private_zone": zone}
    if h.public == zone or h.public.endswith("." + zone):
        return Finding.warn(
            f"{label('listener_host')} {h.public} lies inside {zone}, the zone of the {label('ingress_wildcard')}",
            f"That zone becomes a private DNS zone for the ingress, so inside the network {h.public} would not "
            f"reach App Gateway. Choose a listener host outside {zone}, or override (key {TUI_KEYS['override']}; "
            "headless: --override tls.hosts='<why>') if your DNS is planned differently.", **evidence)
    return Finding.ok(f"Listener host {h.public}; ingress {h.ingress_wildcard}; backend host {h.backend}.",
                      **evidence)


# A verification finding (by certificate check name) and the preflight check that already
# asked the operator about the same thing: a warning the operator overrode there, with a
# written justification, is accepted here instead of failing the finished step.
PREFLIGHT_OF = {"validity": "tls.listener-validity", "key_matches": "tls.listener-key",
                "rsa_strength": "tls.listener-rsa", "server_auth_eku": "tls.listener-eku",
                "pfx_size": "tls.listener-pfx-size", "pfx_encryption": "tls.listener-pfx-encryption"}


def _preflight_of(name: str) -> str | None:
    return "tls.listener-san" if name.startswith("san:") else PREFLIGHT_OF.get(name)


def _verify(part: str, key: str) -> Callable[[StepContext], Finding]:
    def run(ctx: StepContext) -> Finding:
        results = tls.verify_findings(ctx)[part]
        bad = {k: f for k, f in results.items() if f.status is not CheckStatus.PASS}
        if bad:
            worst = next(iter(bad.values()))
            concerns = tuple(c for c in (_preflight_of(k) for k in bad) if c) if part == "listener" else ()
            if len(concerns) != len(bad):
                concerns = ()  # a warning no preflight check raised cannot have been accepted
            return Finding(worst.status, "; ".join(f"{k}: {f.summary}" for k, f in bad.items()), {},
                           worst.remedy, concerns=concerns)
        return Finding.ok(f"The written {key} certificate passes every check ({', '.join(results)}).")
    return run


TLS_CERTIFICATES = StepDefinition(
    id="tls-certificates",
    title="TLS certificates",
    summary="Listener certificate for App Gateway and the ingress wildcard certificate.",
    lesson="tls-certificates.md",
    built=True,
    needs=("prerequisites",),
    fields=FIELDS,
    checks=(
        Check("tls.hosts", "Host names", _check_hosts),
        Check(PARSE_CHECK_ID, PARSE_CHECK_TITLE, _parses, **BRING_YOUR_OWN),
        Check("tls.listener-validity", "Listener not expired (warn < 30 days)",
              _listener_check("Validity", lambda c, ctx: certs.check_validity(c.leaf, tls.now())),
              **BRING_YOUR_OWN),
        Check("tls.listener-key", "Key matches certificate",
              _listener_check("Key", lambda c, ctx: certs.check_key_matches(c.leaf, c.key), needs_key=True),
              **BRING_YOUR_OWN),
        Check("tls.listener-san", "SAN covers the listener host",
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
    outputs=(OutputSpec("public_host", "Listener host"), OutputSpec("ingress_wildcard", "Ingress wildcard"),
             OutputSpec("backend_host", "Backend host (App Gateway → ingress)"),
             OutputSpec("listener_certificate_path", "Listener certificate"),
             OutputSpec("ingress_certificate_path", "Ingress certificate"),
             OutputSpec("listener_pfx_size_bytes", "Listener PFX size (bytes)")),
)
