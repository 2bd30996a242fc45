"""Preflight checks for TLS certificates (azure-facts.md §9, walkthrough.md §2).

Each check answers one question App Gateway, Key Vault or a browser will ask later, and says
what to do about it now, when the fix is a re-export rather than a failed deployment.
Evidence holds only public facts (names, dates, fingerprints), never key material.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any, Sequence

from checks.certificate_files import (PART_CERTIFICATE, PART_KEY, PART_PASSWORD, PART_PFX, CertificateFileError,
                                      LoadedCert, load_any)
from checks.pkcs12_asn1 import algorithm_family, algorithm_name
from wizard.engine.contract import Finding

if TYPE_CHECKING:  # cryptography loads when a check runs, not with the step list (start-up time)
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes, PrivateKeyTypes

APP_GATEWAY_V2_MAX_CERT_BYTES = 16 * 1024
MIN_RSA_BITS = 2048
KEY_VAULT_RSA_SIZES = (2048, 3072, 4096)
REEXPORT_REMEDY = ("Re-export with `openssl pkcs12 -export -legacy …` (3DES + SHA-1 MAC), "
                   "or let the wizard re-export the file for you.")

# Which input a loading error is about → what to do. PEM has no password, so only the PFX
# rows may mention one.
REMEDY_FOR_PART: dict[str, str] = {
    PART_PFX: "Export the certificate with its chain and private key again as a complete .pfx/.p12 file, or give "
              "the certificate and key as PEM.",
    PART_PASSWORD: "Give the PFX's password (a PFX exported without a password needs none).",
    PART_CERTIFICATE: "Give the certificate as complete -----BEGIN CERTIFICATE----- … -----END CERTIFICATE----- "
                      "blocks (the certificate, then its intermediates), copied or exported again from the source.",
    PART_KEY: "Give one unencrypted PKCS#8 private key (-----BEGIN PRIVATE KEY-----) that belongs to the "
              "certificate.",
}

# Signature digests a reviewer will accept (SHA-256 or stronger).
STRONG_HASHES = {"sha256", "sha384", "sha512", "sha3-256", "sha3-384", "sha3-512"}


def fingerprint(data: bytes) -> str:
    """The audit log records ``sha256:<hex>`` of a secret so two runs can be compared without
    storing the secret."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _public(key: PrivateKeyTypes | CertificatePublicKeyTypes) -> Any:
    return key.public_key() if hasattr(key, "public_key") else key


def key_description(key: PrivateKeyTypes | CertificatePublicKeyTypes) -> dict[str, Any]:
    """Key type and size for evidence; the size key says its unit, since "key size 2048" alone
    leaves a learner guessing (bits, not bytes)."""
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    public = _public(key)
    labels = ((rsa.RSAPublicKey, "RSA"), (ec.EllipticCurvePublicKey, "EC"), (dsa.DSAPublicKey, "DSA"),
              (ed25519.Ed25519PublicKey, "Ed25519"), (ed448.Ed448PublicKey, "Ed448"))
    kind = next((label for cls, label in labels if isinstance(public, cls)), type(public).__name__)
    out: dict[str, Any] = {"key_type": kind, "key_size_bits": getattr(public, "key_size", None)}
    if isinstance(public, ec.EllipticCurvePublicKey):
        out["curve"] = public.curve.name
    return out


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def dns_names(cert: x509.Certificate) -> list[str] | None:
    """SAN DNS names, or None when the certificate has no SAN extension at all (which is what
    decides whether the CN may be used as a fallback)."""
    from cryptography import x509

    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return None
    return ext.value.get_values_for_type(x509.DNSName)


def common_names(cert: x509.Certificate) -> list[str]:
    from cryptography.x509.oid import NameOID

    return [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def certificate_summary(cert: x509.Certificate) -> dict[str, Any]:
    """Public facts about a certificate, shaped for the audit log and the review screen."""
    from cryptography.hazmat.primitives import serialization

    hash_alg = cert.signature_hash_algorithm
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "sans": dns_names(cert) or [],
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "serial": format(cert.serial_number, "x"),
        "sha256_fingerprint": fingerprint(cert.public_bytes(serialization.Encoding.DER)),
        "signature_hash": hash_alg.name if hash_alg else None,
        "self_signed": cert.issuer == cert.subject,
        **key_description(cert.public_key()),
    }


def check_parses(data: bytes, password: str | None = None, key_pem: bytes | None = None) -> Finding:
    """Can the file be opened at all (PFX with empty or given password, or PKCS#8 PEM)?"""
    try:
        loaded = load_any(data, password, key_pem)
    except CertificateFileError as exc:
        return Finding.fail(str(exc), REMEDY_FOR_PART.get(exc.part, REMEDY_FOR_PART[PART_CERTIFICATE]),
                            size_bytes=len(data), part=exc.part)
    evidence = {**certificate_summary(loaded.leaf), "format": loaded.source, "chain_length": len(loaded.chain),
                "has_private_key": loaded.key is not None, "password_protected": loaded.password_protected}
    if loaded.password_protected:
        return Finding.warn(
            "The PFX opens, but only with a password",
            "A Key Vault reference from App Gateway has no password field: import the PFX as a Key Vault "
            "certificate (import takes the password) or let the wizard re-export it without one.", **evidence)
    return Finding.ok(f"Parsed {loaded.source.upper()} for {evidence['subject']}", **evidence)


def check_validity(cert: x509.Certificate, now: dt.datetime, warn_days: int = 30) -> Finding:
    """App Gateway refuses a listener certificate outside its validity window, and a certificate
    that expires next week will take the site down soon after the walkthrough ends."""
    now = _utc(now)
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    days_left = (end - now).days
    evidence = {"not_before": start.isoformat(), "not_after": end.isoformat(), "days_remaining": days_left}
    if now < start:
        return Finding.fail(f"The certificate is not valid until {start:%Y-%m-%d %H:%M} UTC",
                            "Wait until it becomes valid, or check the clock of the machine that issued it.",
                            **evidence)
    if now >= end:
        return Finding.fail(f"The certificate expired on {end:%Y-%m-%d}", "Renew or re-issue the certificate.",
                            **evidence)
    if end - now < dt.timedelta(days=warn_days):
        return Finding.warn(f"The certificate expires in {days_left} days ({end:%Y-%m-%d})",
                            "Renew it soon, and plan rotation through Key Vault.", **evidence)
    return Finding.ok(f"Valid until {end:%Y-%m-%d} ({days_left} days)", **evidence)


def check_key_matches(cert: x509.Certificate, key: PrivateKeyTypes | None) -> Finding:
    """A listener certificate without its own private key cannot terminate TLS."""
    from cryptography.hazmat.primitives import serialization

    evidence = {"certificate": fingerprint(cert.public_bytes(serialization.Encoding.DER))}
    if key is None:
        return Finding.fail("No private key was supplied with the certificate",
                            "Provide a PFX that includes the private key, or the PEM key file.", **evidence)
    if cert.public_key() != key.public_key():
        return Finding.fail("The private key does not belong to this certificate",
                            "Use the key the certificate request was made with.", **evidence)
    return Finding.ok("The private key matches the certificate", **evidence)


def hostname_matches(pattern: str, host: str) -> bool:
    """RFC 6125 matching as browsers do it: a wildcard only as the whole left-most label, covering
    exactly one label; ``*.site.com`` never covers ``site.com`` nor ``a.b.site.com``."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern == host:
        return True
    p_labels, h_labels = pattern.split("."), host.split(".")
    if p_labels[0] != "*" or len(p_labels) < 3 or "*" in ".".join(p_labels[1:]):
        return False
    return len(h_labels) == len(p_labels) and h_labels[0] != "" and h_labels[1:] == p_labels[1:]


def check_san_covers(cert: x509.Certificate, host: str) -> Finding:
    """Clients and App Gateway (for backends) check the name; the CN is only consulted when the
    certificate has no SAN, and modern browsers ignore it even then, hence the warning."""
    sans, cns = dns_names(cert), common_names(cert)
    evidence = {"host": host, "sans": sans or [], "common_names": cns}
    if sans is not None:
        if any(hostname_matches(name, host) for name in sans):
            return Finding.ok(f"{host} is covered by the certificate's SAN", **evidence)
        return Finding.fail(f"{host} is not covered by the SAN ({', '.join(sans) or 'empty'})",
                            f"Re-issue the certificate with {host} in the SAN (a wildcard covers exactly one "
                            "extra left-most label, never the bare domain).", **evidence)
    if any(hostname_matches(cn, host) for cn in cns):
        return Finding.warn(f"{host} matches only the common name; the certificate has no SAN",
                            f"Re-issue with a SAN DNS entry for {host}: browsers ignore the CN.", **evidence)
    return Finding.fail(f"{host} matches neither a SAN (there is none) nor the CN ({', '.join(cns) or 'none'})",
                        f"Re-issue the certificate with {host} in the SAN.", **evidence)


def check_rsa_strength(key: PrivateKeyTypes | CertificatePublicKeyTypes) -> Finding:
    """The reference TLS policy allows only ECDHE_RSA suites, so the listener key must be RSA,
    and Key Vault stores RSA keys of 2048, 3072 or 4096 bits."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    evidence = key_description(key)
    public = _public(key)
    if not isinstance(public, rsa.RSAPublicKey):
        return Finding.fail(
            f"The key is {evidence['key_type']}, not RSA",
            "Re-issue with an RSA 2048+ key: the reference App Gateway TLS policy only offers "
            "TLS_ECDHE_RSA_* cipher suites, which need an RSA certificate.", **evidence)
    if public.key_size < MIN_RSA_BITS:
        return Finding.fail(f"RSA {public.key_size}-bit is too weak", "Re-issue with an RSA key of at least 2048 bits.",
                            **evidence)
    if public.key_size not in KEY_VAULT_RSA_SIZES:
        return Finding.warn(f"RSA {public.key_size}-bit is strong, but Key Vault supports 2048, 3072 and 4096",
                            "Re-issue with one of the Key Vault sizes if the import is refused.", **evidence)
    return Finding.ok(f"RSA {public.key_size}-bit key", **evidence)


def check_pfx_size(size_bytes: int, limit: int = APP_GATEWAY_V2_MAX_CERT_BYTES) -> Finding:
    """App Gateway v2 rejects listener certificates over 16 KB, chain included."""
    evidence = {"size_bytes": size_bytes, "limit_bytes": limit}
    if size_bytes > limit:
        return Finding.fail(f"The PFX is {size_bytes:,} bytes; App Gateway v2 accepts at most {limit:,}",
                            "Remove certificates the client does not need (e.g. the root, duplicate "
                            "intermediates) and re-export.", **evidence)
    return Finding.ok(f"The PFX is {size_bytes:,} bytes (limit {limit:,})", **evidence)


def check_pfx_encryption(algorithms: Sequence[str] | None) -> Finding:
    """OpenSSL 3 encrypts PFX files with PBES2/AES by default; some Azure upload paths reject
    them with misleading "wrong password" errors, while 3DES/RC2 or no encryption always work."""
    if algorithms is None:
        return Finding.warn("The PFX encryption could not be read", REEXPORT_REMEDY)
    families = {algorithm_family(oid) for oid in algorithms} - {"detail"}
    evidence = {"algorithms": [algorithm_name(oid) for oid in algorithms], "oids": list(algorithms)}
    if not algorithms:
        return Finding.ok("The PFX is not encrypted (passwordless, as the reference stores it)", **evidence)
    if families <= {"legacy"}:
        return Finding.ok(f"Legacy PFX encryption ({', '.join(sorted(set(evidence['algorithms'])))})", **evidence)
    if "modern" in families:
        return Finding.warn("The PFX uses PBES2/AES (the OpenSSL 3 default)",
                            "Some Azure upload paths reject it with misleading errors. " + REEXPORT_REMEDY,
                            **evidence)
    return Finding.warn("The PFX uses an encryption algorithm the wizard does not know",
                        REEXPORT_REMEDY, **evidence)


def check_server_auth_eku(cert: x509.Certificate) -> Finding:
    """A certificate whose EKU omits serverAuth is refused by TLS clients; no EKU means any use."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        usages = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return Finding.ok("No extended key usage restriction (server use allowed)", eku=[])
    evidence = {"eku": [u.dotted_string for u in usages]}
    if {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE} & set(usages):
        return Finding.ok("The certificate allows TLS server authentication", **evidence)
    return Finding.fail("The extended key usage does not include serverAuth",
                        "Re-issue with extendedKeyUsage = serverAuth (as the reference does).", **evidence)


def check_signature_hash(cert: x509.Certificate) -> Finding:
    """SHA-1 and MD5 signatures are refused by browsers and by security reviews."""
    from cryptography.hazmat.primitives import hashes

    hash_alg = cert.signature_hash_algorithm
    name = hash_alg.name if isinstance(hash_alg, hashes.HashAlgorithm) else None
    if name in STRONG_HASHES:
        return Finding.ok(f"Signed with {name.upper()}", signature_hash=name)
    return Finding.fail(f"Signed with {name.upper() if name else 'no separate hash (e.g. Ed25519)'}",
                        "Re-issue the certificate with a SHA-256 (or stronger) RSA signature.", signature_hash=name)


def run_certificate_checks(loaded: LoadedCert, now: dt.datetime, hosts: Sequence[str]) -> dict[str, Finding]:
    """Every check for one loaded certificate, keyed by check name, so a step can show them all."""
    results = {
        "validity": check_validity(loaded.leaf, now),
        "key_matches": check_key_matches(loaded.leaf, loaded.key),
        "rsa_strength": check_rsa_strength(loaded.leaf.public_key()),
        "server_auth_eku": check_server_auth_eku(loaded.leaf),
        "signature_hash": check_signature_hash(loaded.leaf),
        **{f"san:{host}": check_san_covers(loaded.leaf, host) for host in hosts},
    }
    if loaded.source == "pfx" and loaded.pfx_size is not None:
        results["pfx_size"] = check_pfx_size(loaded.pfx_size)
        results["pfx_encryption"] = check_pfx_encryption(loaded.pfx_algorithms)
    return results
