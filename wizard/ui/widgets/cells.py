"""Text for table cells that must wrap rather than be cut: resource names, ARM types, file
paths and output values.

A terminal table cuts what does not fit, and a cut path or resource id is useless. These
helpers break long values where a reader expects a break - after ``/`` in a path or type,
after ``-`` or ``.`` in a name - so a DataTable row with automatic height shows all of it.
Plus how outputs read: words for keys, real names for files, units for sizes."""

from __future__ import annotations

import re
from typing import Any, Mapping

BREAK_AFTER = "/-._;,:"
ACRONYMS = {"id": "id", "ip": "IP", "ips": "IPs", "pfx": "PFX", "pem": "PEM", "tls": "TLS", "dns": "DNS",
            "vnet": "VNet", "rg": "RG", "sha256": "SHA-256", "cidr": "CIDR", "url": "URL", "uri": "URI", "sans": "SANs", "san": "SAN", "api": "API", "nsg": "NSG", "aks": "AKS", "acr": "ACR",
            "oidc": "OIDC", "waf": "WAF", "fqdn": "FQDN", "vm": "VM", "vmss": "VMSS"}
# Word pairs that are one name: "key_vault_id" reads "Key Vault id", not "Key vault id".
NAMES = {("key", "vault"): "Key Vault", ("app", "gateway"): "App Gateway", ("log", "analytics"): "Log Analytics"}
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def _split_long(token: str, width: int) -> list[str]:
    """Pieces of ``token`` no longer than ``width``: broken after the last ``/`` in reach
    (a path then reads folder by folder, a type as namespace/type), else after another
    separator in the second half, else hard at the width."""
    pieces: list[str] = []
    while len(token) > width:
        head = token[:width]
        cut = head.rfind("/") + 1
        if cut <= 1:
            cut = max((i + 1 for i, ch in enumerate(head) if ch in BREAK_AFTER), default=0)
            if cut <= width // 2:
                cut = width
        pieces.append(token[:cut])
        token = token[cut:]
    pieces.append(token)
    return pieces


def wrap_cell(text: str, width: int) -> str:
    """``text`` with line breaks so no line is longer than ``width`` (words kept whole where
    they fit, long tokens broken after separators). A line's leading spaces are kept, on its
    continuation lines too: a cloud-init document or a YAML value keeps its indentation."""
    if width < 4:
        return text
    out: list[str] = []
    for paragraph in str(text).split("\n"):
        body = paragraph.lstrip(" ")
        indent = " " * min(len(paragraph) - len(body), width // 2)
        room = width - len(indent)
        line = ""
        for word in body.split(" "):
            for piece in _split_long(word, room):
                if not line:
                    line = piece
                elif len(line) + 1 + len(piece) <= room:
                    line += " " + piece
                else:
                    out.append(indent + line)
                    line = piece
        out.append(indent + line)
    return "\n".join(out)


def _words(key: str) -> list[str]:
    raw = key.replace("_", " ").replace("-", " ").lower().split()
    out: list[str] = []
    i = 0
    while i < len(raw):
        pair = NAMES.get(tuple(raw[i:i + 2]))  # type: ignore[arg-type]
        if pair:
            out.append(pair)
            i += 2
            continue
        out.append(ACRONYMS.get(raw[i], raw[i]))
        i += 1
    return out


def humanize(key: str) -> str:
    """``backend_host`` -> ``Backend host``, ``listener_pfx_size`` -> ``Listener PFX size``:
    outputs without a declared label still read as words."""
    shown = _words(key)
    if shown and shown[0] == shown[0].lower():
        shown[0] = shown[0].capitalize()
    return " ".join(shown)


def output_label(key: str) -> str:
    """The label for an output without a declared one. A ``_bytes`` suffix is left to the
    value, which carries the unit: ``listener_pfx_size_bytes`` -> ``Listener PFX size``."""
    return humanize(key[: -len("_bytes")] if key.endswith("_bytes") and len(key) > 6 else key)


def format_size(n: int) -> str:
    """``2375`` -> ``2375 bytes (2.3 KiB)``: a size without a unit is a guess for the reader."""
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n} bytes ({n / 1024:.1f} KiB)"
    return f"{n} bytes ({n / 1024 / 1024:.1f} MiB)"


def is_size_key(key: str) -> bool:
    """Output keys the steps use for byte counts (``listener_pfx_size``, ``*_bytes``)."""
    return key.endswith("_size") or key.endswith("_bytes") or key in ("size", "bytes")


def _nested_key(key: str) -> str:
    """A key inside a nested output: words when it is an identifier, verbatim otherwise -
    a file name such as ``tls-certificates.listener.pfx`` must stay the file's real name."""
    return " ".join(_words(key)) if IDENTIFIER.match(key) else key


def format_value(value: Any, key: str = "") -> str:
    """One readable value per output: nested records as ``name: value; …``, lists
    comma-separated, byte counts with units."""
    if isinstance(value, Mapping):
        parts = [f"{_nested_key(str(k))}: {format_value(v, str(k))}" for k, v in value.items()]
        # resource ids and other long values read one per line; short ones stay on one
        return ("\n" if any(len(p) > 48 for p in parts) else "; ").join(parts)
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and not isinstance(value, bool) and is_size_key(key):
        return format_size(value)
    return str(value)


def line_count(text: str, width: int) -> int:
    return wrap_cell(text, width).count("\n") + 1


def best_split(pairs: list[tuple[str, str]], total: int, minimum: int = 10) -> int:
    """The width for the first of two wrapped columns sharing ``total`` columns: the one
    that makes the table shortest (ties go to the wider first column). Fixed ratios wrap a
    type that would have fitted beside a short name."""
    if not pairs or total < 2 * minimum:
        return max(1, total // 2)
    best_width, best_lines = total // 2, None
    for width in range(total - minimum, minimum - 1, -1):
        lines = sum(max(line_count(a, width), line_count(b, total - width)) for a, b in pairs)
        if best_lines is None or lines < best_lines:
            best_width, best_lines = width, lines
    return best_width
