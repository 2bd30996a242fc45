"""Read which encryption a PKCS#12 (PFX) file uses, without decrypting it.

``cryptography`` loads PFX files but does not say how they were protected, and that matters:
OpenSSL 3 exports PBES2/AES by default, which some Azure upload paths reject with misleading
"wrong password" errors, while legacy 3DES/RC2 files are accepted everywhere. Reading the
algorithm identifiers needs only the outer ASN.1 structure (RFC 7292), so this is a small
DER reader (plus BER indefinite lengths, which Windows exports use) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

OID_DATA = "1.2.840.113549.1.7.1"
OID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
OID_KEY_BAG = "1.2.840.113549.1.12.10.1.1"
OID_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
OID_PBES2 = "1.2.840.113549.1.5.13"

# OID → (name, family). "legacy" is what App Gateway and older Windows accept everywhere;
# "modern" is the OpenSSL 3 default; "detail" names the PBES2 parts.
ALGORITHMS: dict[str, tuple[str, str]] = {
    "1.2.840.113549.1.12.1.1": ("pbeWithSHAAnd128BitRC4", "legacy"),
    "1.2.840.113549.1.12.1.2": ("pbeWithSHAAnd40BitRC4", "legacy"),
    "1.2.840.113549.1.12.1.3": ("pbeWithSHAAnd3-KeyTripleDES-CBC", "legacy"),
    "1.2.840.113549.1.12.1.4": ("pbeWithSHAAnd2-KeyTripleDES-CBC", "legacy"),
    "1.2.840.113549.1.12.1.5": ("pbeWithSHAAnd128BitRC2-CBC", "legacy"),
    "1.2.840.113549.1.12.1.6": ("pbeWithSHAAnd40BitRC2-CBC", "legacy"),
    OID_PBES2: ("PBES2", "modern"),
    "1.2.840.113549.1.5.12": ("PBKDF2", "detail"),
    "2.16.840.1.101.3.4.1.2": ("aes128-CBC", "detail"),
    "2.16.840.1.101.3.4.1.22": ("aes192-CBC", "detail"),
    "2.16.840.1.101.3.4.1.42": ("aes256-CBC", "detail"),
    "1.3.14.3.2.26": ("SHA-1", "mac"),
    "2.16.840.1.101.3.4.2.1": ("SHA-256", "mac"),
    "2.16.840.1.101.3.4.2.2": ("SHA-384", "mac"),
    "2.16.840.1.101.3.4.2.3": ("SHA-512", "mac"),
}

TAG_SEQUENCE = 0x30
TAG_OCTET_STRING = 0x04
TAG_OID = 0x06
TAG_CONTEXT_0 = 0xA0


class Asn1Error(ValueError):
    """The bytes are not the ASN.1 structure a PFX file must have."""


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)


def _read_length(data: bytes, pos: int) -> tuple[int | None, int]:
    """Return (length or None for indefinite, position after the length octets)."""
    if pos >= len(data):
        raise Asn1Error("truncated length")
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0:
        return None, pos + 1
    if count > 4 or pos + 1 + count > len(data):
        raise Asn1Error("unsupported or truncated length")
    return int.from_bytes(data[pos + 1:pos + 1 + count], "big"), pos + 1 + count


def read_tlv(data: bytes, pos: int = 0) -> tuple[Tlv, int]:
    """Read one element at ``pos``; return it and the position after it. Multi-byte tags do not
    occur in PKCS#12, so they are rejected rather than supported."""
    if pos >= len(data):
        raise Asn1Error("truncated element")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise Asn1Error("multi-byte tags are not used in PKCS#12")
    length, start = _read_length(data, pos + 1)
    if length is not None:
        end = start + length
        if end > len(data):
            raise Asn1Error("element runs past the end of the data")
        return Tlv(tag, data[start:end]), end
    if not tag & 0x20:
        raise Asn1Error("indefinite length on a primitive element")
    cursor = start
    while data[cursor:cursor + 2] != b"\x00\x00":  # BER end-of-contents
        _, cursor = read_tlv(data, cursor)
    return Tlv(tag, data[start:cursor]), cursor + 2


def declared_size(data: bytes) -> int | None:
    """How many bytes the outer element says it spans (header included), or None when even its
    header cannot be read or its length is indefinite. Comparing this with ``len(data)`` tells a
    cut-off file (declares more than it holds) apart from one that is damaged inside."""
    if len(data) < 2:
        return None
    try:
        length, start = _read_length(data, 1)
    except Asn1Error:
        return None
    return None if length is None else start + length


def children(tlv: Tlv) -> list[Tlv]:
    """The elements inside a constructed element."""
    items, pos = [], 0
    while pos < len(tlv.value):
        item, pos = read_tlv(tlv.value, pos)
        items.append(item)
    return items


def decode_oid(tlv: Tlv) -> str:
    if tlv.tag != TAG_OID or not tlv.value:
        raise Asn1Error("expected an OBJECT IDENTIFIER")
    arcs, value = [], 0
    for byte in tlv.value:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def _octets(tlv: Tlv) -> bytes:
    """OCTET STRING content; BER allows it in constructed pieces, which are concatenated."""
    if tlv.tag == TAG_OCTET_STRING:
        return tlv.value
    if tlv.tag == TAG_OCTET_STRING | 0x20:
        return b"".join(_octets(piece) for piece in children(tlv))
    raise Asn1Error("expected an OCTET STRING")


def _explicit(tlv: Tlv) -> Tlv:
    """The single element inside a [0] EXPLICIT wrapper."""
    if tlv.tag != TAG_CONTEXT_0:
        raise Asn1Error("expected a [0] element")
    return children(tlv)[0]


def _algorithm(tlv: Tlv) -> list[str]:
    """OIDs of an AlgorithmIdentifier; for PBES2 also its KDF and cipher, which is where AES shows."""
    parts = children(tlv)
    oid = decode_oid(parts[0])
    if oid != OID_PBES2 or len(parts) < 2:
        return [oid]
    kdf, cipher = children(parts[1])[:2]
    return [oid, decode_oid(children(kdf)[0]), decode_oid(children(cipher)[0])]


def _bag_algorithms(safe_contents: bytes) -> list[str]:
    found: list[str] = []
    for bag in children(read_tlv(safe_contents)[0]):
        bag_id, bag_value = children(bag)[:2]
        if decode_oid(bag_id) == OID_SHROUDED_KEY_BAG:
            found += _algorithm(children(_explicit(bag_value))[0])
    return found


@dataclass(frozen=True)
class PfxProtection:
    """What protects a PFX: encryption OIDs in file order (empty = nothing encrypted) and the
    MAC digest OID (None = no MAC)."""

    algorithms: tuple[str, ...]
    mac: str | None


def pfx_protection(data: bytes) -> PfxProtection:
    """Walk PFX → authSafe → ContentInfos → SafeBags and collect every encryption algorithm:
    the certificate bag encryption (EncryptedData) and each shrouded key bag's. Any structural
    surprise becomes Asn1Error, so callers can say "not a PFX" instead of crashing."""
    try:
        return _walk_pfx(data)
    except (IndexError, Asn1Error) as exc:
        raise Asn1Error(f"not a readable PKCS#12 file ({exc or 'structure too short'})") from None


def _walk_pfx(data: bytes) -> PfxProtection:
    pfx, _ = read_tlv(data)
    if pfx.tag != TAG_SEQUENCE:
        raise Asn1Error("not a PKCS#12 file")
    parts = children(pfx)
    if len(parts) < 2:
        raise Asn1Error("not a PKCS#12 file")
    auth_type, auth_content = children(parts[1])[:2]
    if decode_oid(auth_type) != OID_DATA:
        raise Asn1Error("public-key-protected PKCS#12 files are not supported")
    found: list[str] = []
    for info in children(read_tlv(_octets(_explicit(auth_content)))[0]):
        content_type, content = children(info)[:2]
        kind = decode_oid(content_type)
        if kind == OID_DATA:
            found += _bag_algorithms(_octets(_explicit(content)))
        elif kind == OID_ENCRYPTED_DATA:
            encrypted_content_info = children(_explicit(content))[1]
            found += _algorithm(children(encrypted_content_info)[1])
    mac = None
    if len(parts) > 2:
        digest_info = children(parts[2])[0]
        mac = decode_oid(children(children(digest_info)[0])[0])
    return PfxProtection(tuple(found), mac)


def algorithm_name(oid: str) -> str:
    return ALGORITHMS.get(oid, (oid, "unknown"))[0]


def algorithm_family(oid: str) -> str:
    return ALGORITHMS.get(oid, (oid, "unknown"))[1]
