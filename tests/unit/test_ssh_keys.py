"""The jump box users' public keys: measured from the key data (RFC 4253 / RFC 8709 blobs),
not trusted from the line's first word; a private key given by mistake is refused without a
byte of it in the message."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from checks.ssh_keys import KeyProblem, login_error, parse_public_key, read_public_key


def _line(key: object, comment: str = "ops@example") -> str:
    return key.public_key().public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH).decode() + f" {comment}"


def test_an_ed25519_key_is_accepted_with_ssh_keygens_fingerprint_and_its_comment_dropped() -> None:
    key = parse_public_key(_line(ed25519.Ed25519PrivateKey.generate(), "alice@laptop"))
    assert key.kind == "ssh-ed25519" and key.bits == 256
    assert key.fingerprint.startswith("SHA256:") and "=" not in key.fingerprint
    assert "alice" not in key.line  # the comment may hold an e-mail address; only type and data are kept


def test_rsa_is_measured_from_the_modulus() -> None:
    assert parse_public_key(_line(rsa.generate_private_key(65537, 3072))).bits == 3072
    with pytest.raises(KeyProblem, match="1024 bits; Azure needs at least 2048"):
        parse_public_key(_line(rsa.generate_private_key(65537, 1024)))


def test_ecdsa_is_refused_because_azure_linux_vms_do_not_take_it() -> None:
    with pytest.raises(KeyProblem, match="not accepted by Azure"):
        parse_public_key(_line(ec.generate_private_key(ec.SECP256R1())))


def test_a_private_key_is_refused_and_none_of_it_is_echoed(tmp_path: Path) -> None:
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(ser.Encoding.PEM, ser.PrivateFormat.OpenSSH,
                                                             ser.NoEncryption()).decode()
    body = pem.splitlines()[1]
    with pytest.raises(KeyProblem) as pasted:
        read_public_key(pem)
    path = tmp_path / "id_ed25519"
    path.write_text(pem)
    with pytest.raises(KeyProblem) as from_file:
        read_public_key(str(path))
    for problem in (pasted.value, from_file.value):
        assert "private key" in str(problem) and ".pub" in str(problem)
        assert body[:16] not in str(problem)


def test_a_line_whose_type_lies_about_its_data_is_refused() -> None:
    real = _line(ed25519.Ed25519PrivateKey.generate()).split()
    with pytest.raises(KeyProblem, match="does not hold a ssh-rsa key"):
        parse_public_key(f"ssh-rsa {real[1]}")
    with pytest.raises(KeyProblem, match="not valid base64"):
        parse_public_key("ssh-ed25519 AAAA!!!")
    with pytest.raises(KeyProblem, match="one public key line, found 2"):
        parse_public_key(" ".join(real) + "\n" + " ".join(real))


def test_a_missing_file_says_what_to_give() -> None:
    with pytest.raises(KeyProblem, match="no file at .*give the path of a .pub file"):
        read_public_key("/nonexistent/id.pub")


@pytest.mark.parametrize("name, fragment", [("Ops", "not a valid Linux user name"), ("root", "already has"),
                                            ("9ops", "not a valid"), ("a" * 33, "not a valid")])
def test_login_names_follow_linux_and_leave_the_images_accounts_alone(name: str, fragment: str) -> None:
    assert fragment in (login_error(name) or "")
    assert login_error("opsuser01") is None
