"""Make and read the TLS certificate files the AKS baseline needs (walkthrough.md §2).

Two certificates: the App Gateway listener (a PFX, stored passwordless in Key Vault because a
Key Vault reference has no password field) and the ingress wildcard (PEM cert + key, imported
into Key Vault, whose import only takes an unencrypted PKCS#8 key). Generation mirrors the
reference's OpenSSL commands; loading turns every format problem into one clear sentence.

Objects here hold private keys. They are kept out of ``repr`` so a stray log line cannot leak
them; only ``checks.certificates.certificate_summary`` output belongs in the audit log.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from checks.pkcs12_asn1 import Asn1Error, pfx_protection

CLOCK_SKEW = dt.timedelta(minutes=5)  # back-date not_before so a slow clock elsewhere still accepts it
PFX_KDF_ROUNDS = 2048  # OpenSSL's -legacy default iteration count


class CertificateFileError(ValueError):
    """A certificate file cannot be used; the message says why and how to fix it."""


@dataclass(frozen=True)
class GeneratedCert:
    """A freshly generated certificate and its RSA key (never audited; see module docstring)."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey = field(repr=False)

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        """PKCS#8 unencrypted: the only key form Key Vault certificate import accepts."""
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    @property
    def combined_pem(self) -> bytes:
        """Certificate then key in one PEM, as the reference imports the ingress certificate."""
        return self.cert_pem + self.key_pem

    def pfx_bytes(self, password: bytes | None = None, friendly_name: bytes | None = None) -> bytes:
        """Export as PKCS#12. With a password: legacy 3DES + SHA-1 MAC, which every App Gateway
        upload path accepts (OpenSSL 3's AES default is not). Without: no encryption at all, the
        passwordless PFX the reference stores in Key Vault."""
        return export_pfx(self.key, self.cert, (), password, friendly_name)


def export_pfx(key: PrivateKeyTypes, cert: x509.Certificate, chain: tuple[x509.Certificate, ...] | list[x509.Certificate],
               password: bytes | None = None, friendly_name: bytes | None = None) -> bytes:
    """Write a PFX App Gateway accepts; also used to re-export a bring-your-own file."""
    if password:
        encryption: serialization.KeySerializationEncryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(PFX_KDF_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
            .build(password))
    else:
        encryption = serialization.NoEncryption()
    return pkcs12.serialize_key_and_certificates(friendly_name, key, cert, list(chain) or None, encryption)  # type: ignore[arg-type]


def generate_self_signed(common_name: str, sans: list[str], organisation: str, days: int = 365,
                         key_size: int = 2048, is_ca: bool = False,
                         now: dt.datetime | None = None) -> GeneratedCert:
    """RSA/SHA-256 self-signed server certificate like the reference's ``openssl req -x509``.

    ``is_ca`` is for the ingress wildcard, which App Gateway trusts as its own root. With no
    ``sans`` the common name becomes the only SAN: modern clients ignore the CN."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    start = (now or dt.datetime.now(dt.timezone.utc)) - CLOCK_SKEW
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)])
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_encipherment=True, key_cert_sign=is_ca,
            content_commitment=False, data_encipherment=False, key_agreement=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in (sans or [common_name])]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    return GeneratedCert(builder.sign(key, hashes.SHA256()), key)


@dataclass(frozen=True)
class LoadedCert:
    """A bring-your-own certificate after parsing. ``pfx_algorithms`` is None when the PFX
    structure could not be read (or for PEM input); an empty tuple means "not encrypted"."""

    leaf: x509.Certificate
    key: PrivateKeyTypes | None = field(repr=False)
    chain: tuple[x509.Certificate, ...] = ()
    source: str = "pfx"  # "pfx" or "pem"
    pfx_size: int | None = None
    pfx_algorithms: tuple[str, ...] | None = None
    pfx_mac: str | None = None
    password_protected: bool = False  # a Key Vault reference cannot supply the password


def load_pfx(data: bytes, password: str | None = None) -> LoadedCert:
    """Open a PFX: the empty password first (the reference's passwordless form), then the
    operator's. The ASN.1 walk tells "not a PFX" apart from "wrong password", which
    ``cryptography`` reports with one ambiguous message."""
    try:
        protection = pfx_protection(data)
    except Asn1Error:
        raise CertificateFileError(
            "This file is not a PFX (PKCS#12) file. Export the certificate with its private key "
            "as .pfx/.p12, or give the certificate and key as PEM.") from None
    attempts = [(None, False), (password.encode(), True)] if password else [(None, False)]
    for secret, protected in attempts:
        try:
            bundle = pkcs12.load_pkcs12(data, secret)
        except ValueError:
            continue
        if bundle.cert is None:
            raise CertificateFileError("The PFX holds no certificate with a matching private key.")
        return LoadedCert(
            leaf=bundle.cert.certificate, key=bundle.key,
            chain=tuple(c.certificate for c in bundle.additional_certs), source="pfx",
            pfx_size=len(data), pfx_algorithms=protection.algorithms, pfx_mac=protection.mac,
            password_protected=protected)
    if password:
        raise CertificateFileError("The PFX password is wrong (the empty password did not open it either).")
    raise CertificateFileError("This PFX is password-protected; enter its password.")


_PEM_KEY = re.compile(rb"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----")

# Key PEM header → why Key Vault import refuses it. The fix is the same command for all.
_UNSUPPORTED_KEY_HEADERS: dict[bytes, str] = {
    b"RSA PRIVATE KEY": "is in the traditional PKCS#1 format (BEGIN RSA PRIVATE KEY)",
    b"EC PRIVATE KEY": "is in the traditional SEC1 format (BEGIN EC PRIVATE KEY)",
    b"ENCRYPTED PRIVATE KEY": "is encrypted (BEGIN ENCRYPTED PRIVATE KEY)",
}
_TO_PKCS8 = "Convert it with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem"


def _pem_key(pem: bytes) -> PrivateKeyTypes | None:
    headers = _PEM_KEY.findall(pem)
    if not headers:
        return None
    if len(headers) > 1:
        raise CertificateFileError("The PEM holds more than one private key; Key Vault import takes exactly one.")
    reasons = [r for r in (_UNSUPPORTED_KEY_HEADERS.get(headers[0]),) if r]
    if b"Proc-Type: 4,ENCRYPTED" in pem:
        reasons.append("is encrypted (Proc-Type: 4,ENCRYPTED)")
    if not reasons and headers[0] != b"PRIVATE KEY":
        reasons.append(f"has an unexpected header (BEGIN {headers[0].decode()})")
    if reasons:
        raise CertificateFileError(f"The private key {' and '.join(reasons)}; Key Vault import needs an unencrypted "
                                   f"PKCS#8 key (BEGIN PRIVATE KEY). {_TO_PKCS8}")
    try:
        return serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise CertificateFileError(f"The private key cannot be read: {exc}.") from None


def load_pem(cert_pem: bytes, key_pem: bytes | None = None) -> LoadedCert:
    """Open PEM input: certificate(s), and the key either in ``key_pem`` or in the same file as
    the reference's combined PEM. The leaf is the certificate matching the key, else the first."""
    try:
        certs = x509.load_pem_x509_certificates(cert_pem)
    except ValueError:
        raise CertificateFileError("No PEM certificate found (expected -----BEGIN CERTIFICATE-----).") from None
    key = _pem_key(key_pem) if key_pem is not None else _pem_key(cert_pem)
    if key_pem is not None and key is None:
        raise CertificateFileError("The key file holds no PEM private key (expected -----BEGIN PRIVATE KEY-----).")
    leaf = certs[0]
    if key is not None:
        leaf = next((c for c in certs if c.public_key() == key.public_key()), certs[0])
    return LoadedCert(leaf=leaf, key=key, chain=tuple(c for c in certs if c is not leaf), source="pem")


def load_any(data: bytes, password: str | None = None, key_pem: bytes | None = None) -> LoadedCert:
    """PEM if the bytes look like PEM text, PFX otherwise: operators rarely know which they have."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return load_pem(data, key_pem)
    return load_pfx(data, password)
