"""Shared fixtures for unit tests: keys are generated once per session because RSA key
generation dominates the run time, and certificates are built in memory from them."""

from __future__ import annotations

import datetime as dt
from typing import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)

CertFactory = Callable[..., x509.Certificate]


@pytest.fixture(scope="session")
def fixed_now() -> dt.datetime:
    return NOW


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def weak_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
def make_cert(rsa_key: rsa.RSAPrivateKey) -> CertFactory:
    """Build a self-signed certificate; every property a check looks at is a keyword."""

    def build(cn: str = "bicycle.contoso.com", sans: list[str] | None = None, *,
              key: CertificateIssuerPrivateKeyTypes | None = None, not_before: dt.datetime | None = None,
              not_after: dt.datetime | None = None, eku: list[x509.ObjectIdentifier] | None = None,
              hash_alg: hashes.HashAlgorithm | None = None, with_san: bool = True) -> x509.Certificate:
        signing_key = key or rsa_key
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(signing_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(not_before or NOW - dt.timedelta(days=1))
                   .not_valid_after(not_after or NOW + dt.timedelta(days=365)))
        if with_san:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in (sans if sans is not None else [cn])]), False)
        if eku is not None:
            builder = builder.add_extension(x509.ExtendedKeyUsage(eku), False)
        return builder.sign(signing_key, hash_alg if hash_alg is not None else hashes.SHA256())

    return build


@pytest.fixture(scope="session")
def server_auth() -> list[x509.ObjectIdentifier]:
    return [ExtendedKeyUsageOID.SERVER_AUTH]
