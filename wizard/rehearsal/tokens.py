"""Access tokens the rehearsal issues and checks, so a forged, expired or misdirected token
is refused the way Entra-protected services refuse it.

Tokens are JWTs signed with HS256 by a key that lives only in the session's rehearsal folder
(0600). Real Entra tokens are RS256 with published keys; a symmetric key is enough here
because the issuer and the verifier are the same process, and it keeps the rehearsal in the
standard library. The wizard never verifies tokens itself: it only reads their claims to
name the actor, exactly as against Entra ID."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_FILE = "rehearsal-signing.key"
ARM_AUDIENCES = ("https://management.azure.com", "https://management.azure.com/",
                 "https://management.core.windows.net", "https://management.core.windows.net/")
GRAPH_AUDIENCES = ("https://graph.microsoft.com", "https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_key(state_dir: Path, file_name: str = KEY_FILE) -> bytes:
    """A 32-byte key of the rehearsal's state (0600), created on first use: the token signing
    key by default; a resumed rehearsal keeps it, so tokens cached by a credential stay valid
    across a restart of the backend."""
    path = Path(state_dir) / file_name
    if path.exists():
        return path.read_bytes()
    key = secrets.token_bytes(32)
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def sign(claims: dict[str, Any], key: bytes) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(mac)}"


@dataclass(frozen=True)
class TokenProblem:
    """Why a token was refused: ``kind`` is one of missing, header, malformed, signature, expired,
    audience, tenant; ``detail`` carries what the message needs (audience, expiry)."""

    kind: str
    detail: str = ""


def verify(authorization: str, key: bytes, audiences: tuple[str, ...], tenant_id: str,
           now: float | None = None) -> TokenProblem | dict[str, Any]:
    """The token's claims, or the first reason a real service would refuse it."""
    if not authorization.strip():
        return TokenProblem("missing")
    if not authorization.startswith("Bearer ") or not authorization[7:].strip():
        return TokenProblem("header")
    token = authorization[7:].strip()
    parts = token.split(".")
    if len(parts) != 3:
        return TokenProblem("malformed")
    try:
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]))
        signature = _unb64(parts[2])
    except (ValueError, json.JSONDecodeError):
        return TokenProblem("malformed")
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return TokenProblem("malformed")
    expected = hmac.new(key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if header.get("alg") != "HS256" or not hmac.compare_digest(signature, expected):
        return TokenProblem("signature")
    moment = time.time() if now is None else now
    exp, nbf = claims.get("exp"), claims.get("nbf", 0)
    if not isinstance(exp, (int, float)) or not isinstance(nbf, (int, float)):
        return TokenProblem("malformed")
    if exp <= moment or nbf > moment + 300:  # five minutes of clock skew, as Entra allows
        return TokenProblem("expired", str(exp))
    if str(claims.get("aud", "")) not in audiences:
        return TokenProblem("audience", str(claims.get("aud", "")))
    issuer = str(claims.get("iss", ""))
    if str(claims.get("tid", "")).lower() != tenant_id.lower() or issuer.rstrip("/").lower() != \
            f"https://sts.windows.net/{tenant_id}".lower():
        return TokenProblem("tenant", issuer or str(claims.get("tid", "")))
    return claims
