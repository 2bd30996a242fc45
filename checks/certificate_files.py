"""Make and read the TLS certificate files the AKS baseline needs (walkthrough.md §2).

Two certificates: the App Gateway listener (a PFX, stored passwordless in Key Vault because a
Key Vault reference has no password field) and the ingress wildcard (PEM cert + key, imported
into Key Vault, whose import only takes an unencrypted PKCS#8 key). Generation mirrors the
reference's OpenSSL commands; loading turns every format problem into one clear sentence.

Objects here hold private keys. They are kept out of ``repr`` so a stray log line cannot leak
them; only ``checks.certificates.certificate_summary`` output belongs in the audit log.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from checks.pkcs12_asn1 import TAG_SEQUENCE, Asn1Error, declared_size, pfx_protection

if TYPE_CHECKING:  # cryptography loads when a certificate is made or read, not with the step list (start-up)
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
    from cryptography.hazmat.primitives.serialization import KeySerializationEncryption

CLOCK_SKEW = dt.timedelta(minutes=5)  # back-date not_before so a slow clock elsewhere still accepts it
PFX_KDF_ROUNDS = 2048  # OpenSSL's -legacy default iteration count


# Which input a CertificateFileError is about, so a step can point at the one field to change.
PART_PFX = "pfx"  # the PFX file itself
PART_PASSWORD = "password"  # the PFX opens, but not with the password given (or none was given)
PART_CERTIFICATE = "certificate"  # the certificate PEM
PART_KEY = "key"  # the private key PEM


class CertificateFileError(ValueError):
    """A certificate file cannot be used; the message says why and how to fix it.

    ``part`` names the input at fault (one of the ``PART_*`` values). Without it a caller can
    only say "fix the file or the password", which is wrong for PEM, where there is no password."""

    def __init__(self, message: str, part: str = PART_CERTIFICATE) -> None:
        super().__init__(message)
        self.part = part


@dataclass(frozen=True)
class GeneratedCert:
    """A freshly generated certificate and its RSA key (never audited; see module docstring)."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey = field(repr=False)

    @property
    def cert_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        """PKCS#8 unencrypted: the only key form Key Vault certificate import accepts."""
        from cryptography.hazmat.primitives import serialization

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
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    if password:
        encryption: KeySerializationEncryption = (
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
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

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
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        protection = pfx_protection(data)
    except Asn1Error:
        raise CertificateFileError(_not_a_pfx(data), PART_PFX) from None
    attempts = [(None, False), (password.encode(), True)] if password else [(None, False)]
    for secret, protected in attempts:
        try:
            bundle = pkcs12.load_pkcs12(data, secret)
        except ValueError:
            continue
        if bundle.cert is None:
            raise CertificateFileError("The PFX holds no certificate with a matching private key.", PART_PFX)
        return LoadedCert(
            leaf=bundle.cert.certificate, key=bundle.key,
            chain=tuple(c.certificate for c in bundle.additional_certs), source="pfx",
            pfx_size=len(data), pfx_algorithms=protection.algorithms, pfx_mac=protection.mac,
            password_protected=protected)
    if password:
        raise CertificateFileError("The PFX password is wrong (the empty password did not open it either).",
                                   PART_PASSWORD)
    raise CertificateFileError("This PFX is password-protected; enter its password.", PART_PASSWORD)


def _not_a_pfx(data: bytes) -> str:
    """Why bytes that fail the PKCS#12 walk are unusable: a PFX that was cut off (it declares more
    bytes than it holds), PEM text given where a PFX was expected, or something else entirely."""
    size = declared_size(data)
    if data[:1] == bytes([TAG_SEQUENCE]) and size is not None and size > len(data):
        return (f"The PFX file is cut off: it declares {size:,} bytes but holds only {len(data):,}. "
                "Download or copy it again, in binary mode (a text-mode transfer damages it too).")
    if data.lstrip().startswith(b"-----BEGIN"):
        return ("This file is PEM text (it starts with -----BEGIN), not a PFX (PKCS#12) file. Give the "
                "certificate and key as PEM instead, or convert them: openssl pkcs12 -export -legacy "
                "-in cert.pem -inkey key.pem -out listener.pfx")
    return ("This file is not a PFX (PKCS#12) file. Export the certificate with its private key as "
            ".pfx/.p12, or give the certificate and key as PEM.")


_PEM_KEY = re.compile(rb"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----")
_BASE64 = re.compile(rb"[A-Za-z0-9+/=]*")
_RECOPY = "Copy or export it again from its source."

# Key PEM header → why Key Vault import refuses it. The fix is the same command for all.
_UNSUPPORTED_KEY_HEADERS: dict[bytes, str] = {
    b"RSA PRIVATE KEY": "is in the traditional PKCS#1 format (BEGIN RSA PRIVATE KEY)",
    b"EC PRIVATE KEY": "is in the traditional SEC1 format (BEGIN EC PRIVATE KEY)",
    b"ENCRYPTED PRIVATE KEY": "is encrypted (BEGIN ENCRYPTED PRIVATE KEY)",
}
_TO_PKCS8 = "Convert it with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem"


@dataclass(frozen=True)
class _BlockKind:
    """A PEM block type: its label, how to name it in a sentence, and how to parse its DER body."""

    label: str
    noun: str
    parses: Callable[[bytes], object]


def _der_certificate(der: bytes) -> object:
    from cryptography import x509

    return x509.load_der_x509_certificate(der)


def _der_key(der: bytes) -> object:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_der_private_key(der, None)


_CERTIFICATE_BLOCK = _BlockKind("CERTIFICATE", "certificate", _der_certificate)
_KEY_BLOCK = _BlockKind("PRIVATE KEY", "private key", _der_key)


def pem_block_problem(pem: bytes, kind: _BlockKind = _CERTIFICATE_BLOCK) -> str | None:
    """Say what is wrong with the first damaged block of ``kind``, or None when every block reads.

    ``cryptography`` reports a damaged block as "Unable to load PEM file" or an ASN.1 parse error,
    and a learner then hunts for a missing BEGIN line that is right there. What actually happens is
    one of: the block is cut off (no END line), its text is not base64, or its base64 decodes to
    fewer bytes than the structure inside declares (lines lost while copying)."""
    begin, end = f"-----BEGIN {kind.label}-----".encode(), f"-----END {kind.label}-----".encode()
    total = pem.count(begin)
    pos = 0
    for index in range(1, total + 1):
        start = pem.find(begin, pos)
        body_start = start + len(begin)
        stop = pem.find(end, body_start)
        following = pem.find(b"-----BEGIN", body_start)
        name = f"The {kind.noun}" if total == 1 else f"{kind.noun.capitalize()} {index} of {total}"
        if stop == -1 or -1 < following < stop:
            return (f"{name} in the PEM is cut off: its {begin.decode()} line is there, but the "
                    f"{end.decode()} line that must close it is missing, so the file was truncated. {_RECOPY}")
        problem = _body_problem(pem, body_start, stop, kind)
        if problem:
            return f"{name} in the PEM is damaged: its {begin.decode()} block is there, but {problem}. {_RECOPY}"
        pos = stop + len(end)
    return None


def _body_problem(pem: bytes, body_start: int, stop: int, kind: _BlockKind) -> str | None:
    """What is wrong between one block's BEGIN and END lines, or None when it parses."""
    first_line = pem.count(b"\n", 0, body_start) + 1
    text = b""
    for offset, line in enumerate(pem[body_start:stop].split(b"\n")):
        line = line.strip()
        if b":" in line:  # RFC 1421 headers such as Proc-Type; never base64
            continue
        bad = len(_BASE64.match(line).group())  # type: ignore[union-attr]  # the pattern matches ""
        if bad < len(line):
            char = chr(line[bad])
            shown = "a space" if char.isspace() else repr(char)
            return (f"its body is not base64: {shown} on line {first_line + offset} is not a base64 "
                    "character (only letters, digits, '+', '/' and '=' are)")
        text += line
    if not text:
        return "its body is empty"
    try:
        der = base64.b64decode(text, validate=True)
    except binascii.Error:
        return ("its base64 body is incomplete (the number of characters is not a multiple of 4), so "
                "characters are missing")
    declared = declared_size(der)
    if der[:1] == bytes([TAG_SEQUENCE]) and declared is not None and declared > len(der):
        return (f"its base64 body decodes to {len(der):,} bytes while the {kind.noun} inside declares "
                f"{declared:,}: lines are missing, so the body is truncated")
    try:
        kind.parses(der)
    except (ValueError, TypeError):
        return (f"its base64 body decodes to {len(der):,} bytes that are not a valid {kind.noun} "
                "(the DER data inside is damaged)")
    return None


def _pem_key(pem: bytes) -> PrivateKeyTypes | None:
    headers = _PEM_KEY.findall(pem)
    if not headers:
        return None
    if len(headers) > 1:
        raise CertificateFileError("The PEM holds more than one private key; Key Vault import takes exactly one.",
                                   PART_KEY)
    reasons = [r for r in (_UNSUPPORTED_KEY_HEADERS.get(headers[0]),) if r]
    if b"Proc-Type: 4,ENCRYPTED" in pem:
        reasons.append("is encrypted (Proc-Type: 4,ENCRYPTED)")
    if not reasons and headers[0] != b"PRIVATE KEY":
        reasons.append(f"has an unexpected header (BEGIN {headers[0].decode()})")
    if reasons:
        raise CertificateFileError(f"The private key {' and '.join(reasons)}; Key Vault import needs an unencrypted "
                                   f"PKCS#8 key (BEGIN PRIVATE KEY). {_TO_PKCS8}", PART_KEY)
    problem = pem_block_problem(pem, _KEY_BLOCK)
    if problem:
        raise CertificateFileError(problem, PART_KEY)
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise CertificateFileError(f"The private key cannot be read: {exc}.", PART_KEY) from None


def _no_certificate(pem: bytes) -> str:
    """Why PEM input holds no certificate block at all, with the conversion that usually helps."""
    if pem[:1] == bytes([TAG_SEQUENCE]):
        return ("No PEM certificate found: this file is binary (DER), not PEM text. Convert it with: "
                "openssl x509 -inform der -in cert.cer -out cert.pem")
    if b"-----BEGIN PKCS7-----" in pem:
        return ("No PEM certificate found: this is a PKCS#7 bundle (BEGIN PKCS7). Extract the certificates "
                "with: openssl pkcs7 -print_certs -in bundle.p7b -out cert.pem")
    if _PEM_KEY.search(pem):
        return "No PEM certificate found: this file holds a private key but no -----BEGIN CERTIFICATE----- block."
    return "No PEM certificate found: the file has no -----BEGIN CERTIFICATE----- line."


def load_pem_certificates(cert_pem: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM file, or CertificateFileError saying which block is unusable and how."""
    if b"-----BEGIN CERTIFICATE-----" not in cert_pem:
        raise CertificateFileError(_no_certificate(cert_pem), PART_CERTIFICATE)
    problem = pem_block_problem(cert_pem)
    if problem:
        raise CertificateFileError(problem, PART_CERTIFICATE)
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificates(cert_pem)
    except ValueError as exc:  # every block decodes, yet the file as a whole does not: say what we know
        raise CertificateFileError(f"The certificate PEM cannot be read: {exc}.", PART_CERTIFICATE) from None


def pem_certificate_only(certs: list[x509.Certificate]) -> LoadedCert:
    """A LoadedCert without a key, for checks that need only the certificate when the key is unusable."""
    return LoadedCert(leaf=certs[0], key=None, chain=tuple(certs[1:]), source="pem")


def load_pem(cert_pem: bytes, key_pem: bytes | None = None) -> LoadedCert:
    """Open PEM input: certificate(s), and the key either in ``key_pem`` or in the same file as
    the reference's combined PEM. The leaf is the certificate matching the key, else the first."""
    certs = load_pem_certificates(cert_pem)
    key = _pem_key(key_pem) if key_pem is not None else _pem_key(cert_pem)
    if key_pem is not None and key is None:
        raise CertificateFileError("The key file holds no PEM private key (expected -----BEGIN PRIVATE KEY-----).",
                                   PART_KEY)
    leaf = certs[0]
    if key is not None:
        leaf = next((c for c in certs if c.public_key() == key.public_key()), certs[0])
    return LoadedCert(leaf=leaf, key=key, chain=tuple(c for c in certs if c is not leaf), source="pem")


def load_any(data: bytes, password: str | None = None, key_pem: bytes | None = None) -> LoadedCert:
    """PEM if the bytes look like PEM text, PFX otherwise: operators rarely know which they have."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return load_pem(data, key_pem)
    return load_pfx(data, password)
