"""Certificate generation, loading and checks, with certificates built in memory."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from checks.certificate_files import (
    CertificateFileError, GeneratedCert, export_pfx, generate_self_signed, load_any, load_pem, load_pfx,
)
from checks.certificates import (
    certificate_summary, check_key_matches, check_parses, check_pfx_encryption, check_pfx_size, check_rsa_strength,
    check_san_covers, check_server_auth_eku, check_signature_hash, check_validity, fingerprint, hostname_matches,
    run_certificate_checks,
)
from checks.pkcs12_asn1 import Asn1Error, Tlv, children, decode_oid, pfx_protection, read_tlv
from wizard.engine.contract import CheckStatus

TRIPLE_DES = "1.2.840.113549.1.12.1.3"
RC2_40 = "1.2.840.113549.1.12.1.6"
PBES2 = "1.2.840.113549.1.5.13"
AES256 = "2.16.840.1.101.3.4.1.42"
PBKDF2 = "1.2.840.113549.1.5.12"

# cryptography no longer signs with SHA-1, so this one was made once with
# `openssl req -x509 -sha1 -newkey rsa:1024 -subj /CN=sha1.contoso.com` (valid until 2126).
SHA1_CERT_PEM = b"""-----BEGIN CERTIFICATE-----
MIICFDCCAX2gAwIBAgIUW45KMcSscvElTWr/zJIzS4USnPcwDQYJKoZIhvcNAQEF
BQAwGzEZMBcGA1UEAwwQc2hhMS5jb250b3NvLmNvbTAgFw0yNjExMjIxMDUwMzZa
GA8yMTI2MTAyOTEwNTAzNlowGzEZMBcGA1UEAwwQc2hhMS5jb250b3NvLmNvbTCB
nzANBgkqhkiG9w0BAQEFAAOBjQAwgYkCgYEAt2jjGJBgt+FrFZFYP/K5hywJBVhr
nEVHM2aYPXI9Uj86/SMIFFe3eaf7dVx1kPqC//vjHP8vf7+KGu/gnTB08jynfyb4
EhGPQM+dupYtrVM2IMkoBY8ZyCN51lw6yDHkc1PpkuovLRyhjiQDvpiUQK/k8+of
FnUHWZsvsasaBhsCAwEAAaNTMFEwHQYDVR0OBBYEFMRD0grLlyKLLMcJqf6KhJLQ
gxkbMB8GA1UdIwQYMBaAFMRD0grLlyKLLMcJqf6KhJLQgxkbMA8GA1UdEwEB/wQF
MAMBAf8wDQYJKoZIhvcNAQEFBQADgYEAYfMl10wGlGhT0S2ACWsipyKbpoLrn7vT
2pRroL81GhoEsQHEwA0hpXvcnBnzYgK8vX6dwQqFgq2CiC2SnWpsZcfRGllwx9A0
Q53CHT4Hr9x/EfMgDC5mXvYA+JmoedUwjNyxxGxJbYEq3ptVeZYcglZhrqA8d2R8
dnh+JzwmaM8=
-----END CERTIFICATE-----
"""


@pytest.fixture(scope="module")
def listener(fixed_now: dt.datetime) -> GeneratedCert:
    return generate_self_signed("bicycle.contoso.com", ["bicycle.contoso.com"], "Contoso Bicycle", now=fixed_now)


@pytest.fixture(scope="module")
def ingress(fixed_now: dt.datetime) -> GeneratedCert:
    return generate_self_signed("*.aks-ingress.contoso.com", [], "Contoso AKS Ingress", is_ca=True, now=fixed_now)


def _pem(key: rsa.RSAPrivateKey, fmt: serialization.PrivateFormat,
         enc: serialization.KeySerializationEncryption | None = None) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, enc or serialization.NoEncryption())


def _aes_pfx(gen: GeneratedCert, password: bytes) -> bytes:
    """What OpenSSL 3 writes by default: PBES2 with PBKDF2 and AES-256-CBC."""
    return pkcs12.serialize_key_and_certificates(b"x", gen.key, gen.cert, None,
                                                 serialization.BestAvailableEncryption(password))


# --- generation -----------------------------------------------------------------------------------

def test_generated_listener_matches_reference_openssl(listener: GeneratedCert, fixed_now: dt.datetime) -> None:
    cert = listener.cert
    ext = cert.extensions
    assert ext.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName) == [
        "bicycle.contoso.com"]
    assert list(ext.get_extension_for_class(x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    usage = ext.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.key_encipherment and not usage.key_cert_sign
    assert ext.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 365
    assert cert.not_valid_before_utc < fixed_now
    assert listener.key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert b"PRIVATE KEY" not in repr(listener).encode()


def test_generated_ingress_is_its_own_root_with_cn_as_san(ingress: GeneratedCert) -> None:
    assert ingress.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert ingress.cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign is True
    assert check_san_covers(ingress.cert, "bu0001a0008-00.aks-ingress.contoso.com").status is CheckStatus.PASS
    loaded = load_pem(ingress.combined_pem)
    assert loaded.key is not None and loaded.leaf == ingress.cert


@pytest.mark.parametrize(("password", "algorithms", "protected"), [
    (None, (), False),
    (b"", (), False),
    (b"s3cret", (TRIPLE_DES, TRIPLE_DES), True),
])
def test_pfx_export_round_trip(listener: GeneratedCert, password: bytes | None, algorithms: tuple[str, ...],
                               protected: bool) -> None:
    data = listener.pfx_bytes(password)
    loaded = load_pfx(data, password.decode() if password else None)
    assert loaded.leaf == listener.cert and loaded.pfx_size == len(data)
    assert loaded.pfx_algorithms == algorithms and loaded.password_protected is protected
    assert check_pfx_encryption(loaded.pfx_algorithms).status is CheckStatus.PASS
    if password:
        assert loaded.pfx_mac == "1.3.14.3.2.26"  # SHA-1 MAC, as -legacy writes


def test_export_pfx_includes_chain(listener: GeneratedCert, ingress: GeneratedCert) -> None:
    loaded = load_pfx(export_pfx(listener.key, listener.cert, [ingress.cert]))
    assert loaded.chain == (ingress.cert,)


# --- loading --------------------------------------------------------------------------------------

def test_load_openssl3_style_aes_pfx_reports_pbes2(listener: GeneratedCert) -> None:
    loaded = load_pfx(_aes_pfx(listener, b"pw"), "pw")
    assert loaded.pfx_algorithms is not None and PBES2 in loaded.pfx_algorithms and AES256 in loaded.pfx_algorithms
    finding = check_pfx_encryption(loaded.pfx_algorithms)
    assert finding.status is CheckStatus.WARN and "-legacy" in finding.remedy


@pytest.mark.parametrize(("data_kind", "password", "message"), [
    ("aes", "wrong", "password is wrong"),
    ("aes", None, "enter its password"),
    ("garbage", None, "not a PFX"),
    ("pem", "x", "not a PFX"),
])
def test_load_pfx_errors(listener: GeneratedCert, data_kind: str, password: str | None, message: str) -> None:
    data = {"aes": _aes_pfx(listener, b"pw"), "garbage": b"\x00hello", "pem": listener.cert_pem}[data_kind]
    with pytest.raises(CertificateFileError, match=message):
        load_pfx(data, password)


def test_load_pem_separate_key_and_chain(listener: GeneratedCert, ingress: GeneratedCert) -> None:
    loaded = load_pem(ingress.cert_pem + listener.cert_pem, listener.key_pem)
    assert loaded.leaf == listener.cert and loaded.chain == (ingress.cert,) and loaded.source == "pem"


@pytest.mark.parametrize(("kind", "message"), [
    ("pkcs1", "BEGIN RSA PRIVATE KEY"),
    ("encrypted_pkcs8", "is encrypted"),
    ("encrypted_pkcs1", "is encrypted"),
    ("two_keys", "more than one private key"),
    ("no_key", "holds no PEM private key"),
    ("no_cert", "No PEM certificate"),
])
def test_load_pem_requires_unencrypted_pkcs8(listener: GeneratedCert, kind: str, message: str) -> None:
    key = listener.key
    cert_pem, key_pem = listener.cert_pem, {
        "pkcs1": _pem(key, serialization.PrivateFormat.TraditionalOpenSSL),
        "encrypted_pkcs8": _pem(key, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"p")),
        "encrypted_pkcs1": _pem(key, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.BestAvailableEncryption(b"p")),
        "two_keys": listener.key_pem * 2,
        "no_key": b"nothing here",
        "no_cert": listener.key_pem,
    }[kind]
    if kind == "no_cert":
        cert_pem = b"not a certificate"
    with pytest.raises(CertificateFileError, match=message):
        load_pem(cert_pem, key_pem)


def test_load_any_detects_format(listener: GeneratedCert) -> None:
    assert load_any(listener.combined_pem).source == "pem"
    assert load_any(listener.pfx_bytes()).source == "pfx"


# --- checks ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "status"), [
    ("pfx", CheckStatus.PASS), ("pem", CheckStatus.PASS), ("protected", CheckStatus.WARN), ("junk", CheckStatus.FAIL),
])
def test_check_parses(listener: GeneratedCert, kind: str, status: CheckStatus) -> None:
    data = {"pfx": listener.pfx_bytes(), "pem": listener.combined_pem,
            "protected": listener.pfx_bytes(b"pw"), "junk": b"junk"}[kind]
    finding = check_parses(data, "pw")
    assert finding.status is status
    if status is CheckStatus.PASS:
        assert finding.evidence["has_private_key"] is True


@pytest.mark.parametrize(("start", "end", "status"), [
    (-1, 365, CheckStatus.PASS),
    (-400, -1, CheckStatus.FAIL),   # expired
    (2, 365, CheckStatus.FAIL),     # not yet valid
    (-300, 10, CheckStatus.WARN),   # expiring in 10 days
])
def test_check_validity(make_cert, fixed_now: dt.datetime, start: int, end: int, status: CheckStatus) -> None:
    cert = make_cert(not_before=fixed_now + dt.timedelta(days=start), not_after=fixed_now + dt.timedelta(days=end))
    assert check_validity(cert, fixed_now).status is status


def test_check_validity_accepts_naive_utc(make_cert, fixed_now: dt.datetime) -> None:
    assert check_validity(make_cert(), fixed_now.replace(tzinfo=None)).status is CheckStatus.PASS


@pytest.mark.parametrize(("which", "status"), [
    ("same", CheckStatus.PASS), ("other", CheckStatus.FAIL), ("none", CheckStatus.FAIL),
])
def test_check_key_matches(make_cert, rsa_key, other_rsa_key, which: str, status: CheckStatus) -> None:
    key = {"same": rsa_key, "other": other_rsa_key, "none": None}[which]
    assert check_key_matches(make_cert(), key).status is status


@pytest.mark.parametrize(("sans", "host", "status"), [
    (["bicycle.contoso.com"], "bicycle.contoso.com", CheckStatus.PASS),
    (["Bicycle.Contoso.com"], "bicycle.contoso.com.", CheckStatus.PASS),
    (["*.aks-ingress.contoso.com"], "bu0001a0008-00.aks-ingress.contoso.com", CheckStatus.PASS),
    (["*.contoso.com"], "contoso.com", CheckStatus.FAIL),          # wildcard never covers the apex
    (["*.contoso.com"], "a.b.contoso.com", CheckStatus.FAIL),      # only one label
    (["*.com"], "contoso.com", CheckStatus.FAIL),                  # too broad to honour
    (["b*.contoso.com"], "bicycle.contoso.com", CheckStatus.FAIL),  # partial wildcards are not honoured
    ([], "bicycle.contoso.com", CheckStatus.FAIL),
])
def test_check_san_covers(make_cert, sans: list[str], host: str, status: CheckStatus) -> None:
    assert check_san_covers(make_cert("ignored-cn", sans), host).status is status


@pytest.mark.parametrize(("cn", "host", "status"), [
    ("*.aks-ingress.contoso.com", "bu0001a0008-00.aks-ingress.contoso.com", CheckStatus.WARN),
    ("*.aks-ingress.contoso.com", "aks-ingress.contoso.com", CheckStatus.FAIL),
])
def test_check_san_covers_cn_fallback_only_without_san(make_cert, cn: str, host: str, status: CheckStatus) -> None:
    assert check_san_covers(make_cert(cn, with_san=False), host).status is status


def test_cn_is_ignored_when_san_exists(make_cert) -> None:
    cert = make_cert("bicycle.contoso.com", ["other.contoso.com"])
    assert check_san_covers(cert, "bicycle.contoso.com").status is CheckStatus.FAIL


def test_hostname_matches_wildcard_host_literally() -> None:
    assert hostname_matches("*.aks-ingress.contoso.com", "*.aks-ingress.contoso.com")


@pytest.mark.parametrize(("key_name", "status", "expected"), [
    ("rsa_key", CheckStatus.PASS, "RSA 2048"),
    ("weak_rsa_key", CheckStatus.FAIL, "too weak"),
    ("ec_key", CheckStatus.FAIL, "ECDHE_RSA"),
])
def test_check_rsa_strength(request: pytest.FixtureRequest, key_name: str, status: CheckStatus, expected: str) -> None:
    key = request.getfixturevalue(key_name)
    finding = check_rsa_strength(key)
    assert finding.status is status and expected in finding.summary + finding.remedy
    assert check_rsa_strength(key.public_key()).status is status


@pytest.mark.parametrize(("size", "status"), [(2400, CheckStatus.PASS), (16 * 1024, CheckStatus.PASS),
                                              (16 * 1024 + 1, CheckStatus.FAIL)])
def test_check_pfx_size(size: int, status: CheckStatus) -> None:
    assert check_pfx_size(size).status is status


@pytest.mark.parametrize(("algorithms", "status"), [
    ((), CheckStatus.PASS),
    ((RC2_40, TRIPLE_DES), CheckStatus.PASS),
    ((PBES2, PBKDF2, AES256), CheckStatus.WARN),
    (("1.2.3.4",), CheckStatus.WARN),
    (None, CheckStatus.WARN),
])
def test_check_pfx_encryption(algorithms: tuple[str, ...] | None, status: CheckStatus) -> None:
    assert check_pfx_encryption(algorithms).status is status


@pytest.mark.parametrize(("eku", "status"), [
    ([ExtendedKeyUsageOID.SERVER_AUTH], CheckStatus.PASS),
    (None, CheckStatus.PASS),
    ([ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE], CheckStatus.PASS),
    ([ExtendedKeyUsageOID.CLIENT_AUTH], CheckStatus.FAIL),
])
def test_check_server_auth_eku(make_cert, eku, status: CheckStatus) -> None:
    assert check_server_auth_eku(make_cert(eku=eku)).status is status


@pytest.mark.parametrize(("hash_alg", "status"), [(hashes.SHA256(), CheckStatus.PASS), (hashes.SHA384(), CheckStatus.PASS)])
def test_check_signature_hash(make_cert, hash_alg: hashes.HashAlgorithm, status: CheckStatus) -> None:
    assert check_signature_hash(make_cert(hash_alg=hash_alg)).status is status


def test_check_signature_hash_rejects_sha1() -> None:
    finding = check_signature_hash(x509.load_pem_x509_certificate(SHA1_CERT_PEM))
    assert finding.status is CheckStatus.FAIL and "SHA1" in finding.summary


def test_certificate_summary_holds_public_facts_only(listener: GeneratedCert) -> None:
    summary = certificate_summary(listener.cert)
    assert summary["sans"] == ["bicycle.contoso.com"] and summary["key_type"] == "RSA" and summary["key_size_bits"] == 2048
    assert summary["sha256_fingerprint"] == fingerprint(listener.cert.public_bytes(serialization.Encoding.DER))
    assert summary["serial"] == format(listener.cert.serial_number, "x")
    assert dt.datetime.fromisoformat(summary["not_after"]) == listener.cert.not_valid_after_utc
    assert "PRIVATE" not in str(summary)


def test_fingerprint_format() -> None:
    assert fingerprint(b"abc") == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_run_certificate_checks_for_reference_listener(listener: GeneratedCert, fixed_now: dt.datetime) -> None:
    results = run_certificate_checks(load_any(listener.pfx_bytes()), fixed_now, ["bicycle.contoso.com"])
    assert all(f.status is CheckStatus.PASS for f in results.values()), results
    assert {"pfx_size", "pfx_encryption", "san:bicycle.contoso.com"} <= results.keys()


# --- the DER reader -------------------------------------------------------------------------------

def test_der_reader_handles_ber_indefinite_length() -> None:
    oid = bytes.fromhex("06092a864886f70d010701")  # 1.2.840.113549.1.7.1
    tlv, end = read_tlv(b"\x30\x80" + oid + b"\x00\x00")
    assert end == 2 + len(oid) + 2 and decode_oid(children(tlv)[0]) == "1.2.840.113549.1.7.1"


@pytest.mark.parametrize("data", [b"", b"\x30\x05\x02", b"\x30\x03\x02\x01\x03", b"\x04\x80\x00\x00"])
def test_pfx_protection_rejects_non_pfx(data: bytes) -> None:
    with pytest.raises(Asn1Error):
        pfx_protection(data)


def test_decode_oid_rejects_other_tags() -> None:
    with pytest.raises(Asn1Error):
        decode_oid(Tlv(0x02, b"\x01"))


# --- damaged files: say what is actually wrong, and which input ------------------------------------

def _cut(pem: bytes, keep_lines: int, close: bool) -> bytes:
    """The first ``keep_lines`` lines of a PEM, optionally with its END line put back."""
    lines = pem.decode().splitlines()
    end = [lines[-1]] if close else []
    return ("\n".join(lines[:keep_lines] + end) + "\n").encode()


@pytest.mark.parametrize(("damage", "expected"), [
    ("no_end_line", "cut off"),
    ("lines_missing", "truncated"),
    ("not_base64", "not base64"),
    ("not_der", "DER data inside is damaged"),
    ("odd_length", "not a multiple of 4"),
])
def test_damaged_pem_certificate_block_is_described(listener: GeneratedCert, damage: str, expected: str) -> None:
    pem = listener.cert_pem
    data = {
        "no_end_line": _cut(pem, 6, close=False),
        "lines_missing": _cut(pem, 6, close=True),
        "not_base64": pem.replace(pem.splitlines()[2], b"this line is !!! garbage"),
        "not_der": b"-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
        "odd_length": b"-----BEGIN CERTIFICATE-----\nMIIC\nMII\n-----END CERTIFICATE-----\n",
    }[damage]
    with pytest.raises(CertificateFileError) as caught:
        load_pem(data, listener.key_pem)
    message = str(caught.value)
    assert expected in message
    assert "No PEM certificate found" not in message  # the BEGIN line is there: never claim it is missing
    assert "BEGIN CERTIFICATE" in message and caught.value.part == "certificate"


def test_damaged_pem_names_the_line_and_the_block(listener: GeneratedCert, ingress: GeneratedCert) -> None:
    bad_line = listener.cert_pem.splitlines()[3]
    damaged = ingress.cert_pem + listener.cert_pem.replace(bad_line, bad_line[:10] + b"#" + bad_line[11:])
    with pytest.raises(CertificateFileError) as caught:
        load_pem(damaged, listener.key_pem)
    message = str(caught.value)
    first_line_of_block_two = len(ingress.cert_pem.splitlines()) + 1
    assert "Certificate 2 of 2" in message and "'#'" in message
    assert f"line {first_line_of_block_two + 3}" in message


def test_damaged_private_key_block_is_described_as_a_key_problem(listener: GeneratedCert) -> None:
    with pytest.raises(CertificateFileError) as caught:
        load_pem(listener.cert_pem, _cut(listener.key_pem, 8, close=True))
    assert caught.value.part == "key"
    assert "private key" in str(caught.value) and "truncated" in str(caught.value)


@pytest.mark.parametrize(("data", "expected"), [
    (b"\x30\x82\x01\x00", "binary (DER)"),
    (b"-----BEGIN PKCS7-----\nMA==\n-----END PKCS7-----\n", "openssl pkcs7"),
    (b"nothing at all", "no -----BEGIN CERTIFICATE----- line"),
])
def test_pem_without_any_certificate_block_says_what_it_is(data: bytes, expected: str) -> None:
    with pytest.raises(CertificateFileError, match="No PEM certificate found") as caught:
        load_pem(data)
    assert expected in str(caught.value)


def test_cut_off_pfx_is_not_called_not_a_pfx(listener: GeneratedCert) -> None:
    data = listener.pfx_bytes()
    with pytest.raises(CertificateFileError) as caught:
        load_pfx(data[: len(data) // 2])
    assert "cut off" in str(caught.value) and f"{len(data):,} bytes" in str(caught.value)
    assert caught.value.part == "pfx"


@pytest.mark.parametrize(("password", "part"), [(None, "password"), ("wrong", "password")])
def test_pfx_password_errors_are_about_the_password(listener: GeneratedCert, password: str | None,
                                                    part: str) -> None:
    with pytest.raises(CertificateFileError) as caught:
        load_pfx(_aes_pfx(listener, b"pw"), password)
    assert caught.value.part == part


def test_check_parses_remedy_fits_the_format(listener: GeneratedCert) -> None:
    pem = check_parses(_cut(listener.cert_pem, 6, close=True) + listener.key_pem)
    assert pem.status is CheckStatus.FAIL and "truncated" in pem.summary
    assert "password" not in pem.remedy.lower()  # PEM has no password
    pfx = check_parses(_aes_pfx(listener, b"pw"), "wrong")
    assert pfx.status is CheckStatus.FAIL and "password" in pfx.remedy.lower()
