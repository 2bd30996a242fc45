"""OpenSSH public keys for the jump box users: what Azure's Linux VMs accept, read from the
key itself rather than trusted from its first word.

Azure accepts RSA keys of at least 2048 bits and Ed25519 keys for Linux VMs
(MicrosoftDocs/azure-compute-docs articles/virtual-machines/linux/mac-create-ssh-keys.md and
ssh-from-windows.md: "ECDSA keys are not supported"); the regulated reference asks for RSA
4096. A key line is ``<type> <base64 blob> [comment]``; the blob repeats the type and carries
the key (RFC 4253 section 6.6 for ``ssh-rsa``: string type, mpint e, mpint n; RFC 8709 for
``ssh-ed25519``: string type, string 32-byte key), so the size is measured, not guessed.

A private key given by mistake is refused without echoing any of it: the error names what
was given (a private key, by its armour line's kind) and where its public half usually is."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass
from pathlib import Path

MIN_RSA_BITS = 2048
ACCEPTED = ("ssh-rsa", "ssh-ed25519")
_PRIVATE_MARKERS = ("PRIVATE KEY-----", "PuTTY-User-Key-File", "SSH2 ENCRYPTED PRIVATE KEY")
# Linux login names as useradd accepts them by default (NAME_REGEX in adduser.conf), and the
# accounts an Ubuntu image already has, which cloud-init would merge into rather than create.
_LOGIN = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
RESERVED_LOGINS = frozenset({
    "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data",
    "backup", "list", "irc", "gnats", "nobody", "syslog", "messagebus", "sshd", "ubuntu", "admin", "adm",
    "systemd-network", "systemd-resolve", "systemd-timesync", "_apt", "omsagent", "nxautomation"})


class KeyProblem(ValueError):
    """Why a value is not an acceptable public key; the message never contains the value."""


@dataclass(frozen=True)
class PublicKey:
    kind: str  # ssh-rsa | ssh-ed25519
    bits: int
    line: str  # type and blob, with the comment dropped (it may hold an e-mail address)
    fingerprint: str  # SHA256:<base64>, as ssh-keygen -lf prints it

    def describe(self) -> str:
        label = "RSA" if self.kind == "ssh-rsa" else "Ed25519"
        return f"{label} {self.bits}-bit key {self.fingerprint}"


def looks_private(text: str) -> bool:
    return any(marker in text for marker in _PRIVATE_MARKERS)


def _strings(blob: bytes) -> list[bytes]:
    """The blob's length-prefixed fields (RFC 4251 section 5)."""
    out, at = [], 0
    while at < len(blob):
        if at + 4 > len(blob):
            raise KeyProblem("the key data is cut short (a field's length is incomplete)")
        (size,) = struct.unpack(">I", blob[at:at + 4])
        at += 4
        if at + size > len(blob):
            raise KeyProblem("the key data is cut short (a field is longer than what is left)")
        out.append(blob[at:at + size])
        at += size
    return out


def parse_public_key(text: str) -> PublicKey:
    """The one public key in ``text`` (a line of a ``.pub`` file), or ``KeyProblem``."""
    stripped = text.strip()
    if looks_private(stripped):
        raise KeyProblem("that is a private key, not a public one; the wizard did not keep or show it. Give the "
                         "public half instead: the file of the same name ending in .pub")
    if not stripped:
        raise KeyProblem("no key given")
    lines = [ln for ln in stripped.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) != 1:
        raise KeyProblem(f"expected one public key line, found {len(lines)}")
    parts = lines[0].split()
    if len(parts) < 2:
        raise KeyProblem("a public key line is '<type> <key data> [comment]'; this has no key data")
    kind, data = parts[0], parts[1]
    if kind.startswith("ecdsa-") or kind.startswith("sk-"):
        raise KeyProblem(f"{kind} keys are not accepted by Azure's Linux VMs; use Ed25519 or RSA "
                         f"({MIN_RSA_BITS} bits or more): ssh-keygen -t ed25519")
    if kind not in ACCEPTED:
        raise KeyProblem(f"unknown key type {kind[:20]!r}; expected ssh-ed25519 or ssh-rsa")
    try:
        blob = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise KeyProblem("the key data is not valid base64 (was the line cut or wrapped?)") from None
    fields = _strings(blob)
    if not fields or fields[0].decode("ascii", "replace") != kind:
        raise KeyProblem(f"the key data does not hold a {kind} key (its type inside says otherwise)")
    if kind == "ssh-rsa":
        if len(fields) != 3:
            raise KeyProblem("the RSA key data does not have its exponent and modulus")
        bits = int.from_bytes(fields[2], "big").bit_length()
        if bits < MIN_RSA_BITS:
            raise KeyProblem(f"this RSA key has {bits} bits; Azure needs at least {MIN_RSA_BITS} (the reference "
                             "uses 4096): ssh-keygen -t rsa -b 4096, or ssh-keygen -t ed25519")
    else:
        if len(fields) != 2 or len(fields[1]) != 32:
            raise KeyProblem("the Ed25519 key data is not a 32-byte key")
        bits = 256
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return PublicKey(kind, bits, f"{kind} {data}", f"SHA256:{digest}")


def read_public_key(value: str) -> PublicKey:
    """A key line, or the path of a file holding one (``~`` expanded)."""
    text = value.strip()
    if text.startswith(ACCEPTED) or text.startswith(("ecdsa-", "sk-")) or looks_private(text):
        return parse_public_key(text)
    path = Path(text).expanduser()
    if not path.is_file():
        raise KeyProblem(f"no file at {path} (give the path of a .pub file, or the key line itself)")
    try:
        content = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise KeyProblem(f"cannot read {path}: {exc.strerror}") from None
    try:
        return parse_public_key(content)
    except KeyProblem as exc:
        raise KeyProblem(f"{path}: {exc}") from None


def login_error(name: str) -> str | None:
    if not _LOGIN.match(name):
        return (f"login name {name[:40]!r} is not a valid Linux user name: lower-case letters, digits, '_' and '-', "
                "starting with a letter or '_', at most 32 characters")
    if name in RESERVED_LOGINS:
        return f"login name {name!r} belongs to an account the image already has; choose another (e.g. opsuser01)"
    return None
