"""Refuse audit data that looks like a secret.

The engine is supposed to pass only fingerprints (``sha256:<hex>``) for secrets; this guard is
defence in depth, because a log that must never be edited also can never be cleaned up: a
leaked key in the audit log stays there for the life of the record. The error names *where*
the suspicious value is (its key path) and *why* it looks secret, and never echoes the value.
"""

from __future__ import annotations

import re
from typing import Any

FINGERPRINT_PREFIX = "sha256:"
"""Values under secret-named keys must start with this: the form the engine records secrets in."""

_JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")

# A key is secret-named when its *last* words are one of these, so "client_secret",
# "adminPassword" and "ssh_private_key" are caught while "secret_name", "token_expires_on" and
# "password_policy" (names and metadata a reviewer needs) are not.
_SECRET_TAILS: tuple[tuple[str, ...], ...] = (
    ("password",),
    ("passwd",),
    ("passphrase",),
    ("secret",),
    ("token",),
    ("private", "key"),
    ("privatekey",),
    ("api", "key"),
    ("apikey",),
)


def _key_words(key: str) -> tuple[str, ...]:
    """Split snake_case, kebab-case, dotted and camelCase keys into lower-case words."""
    return tuple(word.lower() for word in _WORDS.findall(key))


def is_secret_key(key: str) -> bool:
    """True when a key's name says its value is a credential."""
    words = _key_words(key)
    return any(words[-len(tail):] == tail for tail in _SECRET_TAILS if len(words) >= len(tail))


def secret_reason(text: str) -> str | None:
    """Why ``text`` looks like key material or a bearer token, or None. Content-based, so it
    applies whatever the key is called."""
    if "-----BEGIN" in text and "PRIVATE KEY" in text:
        return "it contains a PEM private key"
    if _JWT.search(text):
        return "it contains what looks like a JWT access token"
    return None


def _child_path(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if isinstance(key, str) and key.isidentifier():
        return f"{path}.{key}"
    if isinstance(key, str) and secret_reason(key):
        return f"{path}[<a key that itself looks secret>]"
    return f"{path}[{key!r}]"


def find_secret(value: Any, path: str = "data", secret_named: bool = False) -> tuple[str, str] | None:
    """Return ``(key path, why)`` for the first value that looks secret, else None.

    ``secret_named`` is inherited by list items, so putting a password in a one-element list
    (``{"password": ["..."]}``) is no loophole."""
    if isinstance(value, str):
        reason = secret_reason(value)
        if reason:
            return path, reason
        if secret_named and value and not value.startswith(FINGERPRINT_PREFIX):
            return path, (
                "its key is named like a password, secret, private key or token, and its value "
                f"is not a fingerprint ({FINGERPRINT_PREFIX}<hex>)"
            )
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            child = _child_path(path, key)
            if isinstance(key, str) and secret_reason(key):
                return child, "a key name itself looks like key material or a token"
            found = find_secret(item, child, isinstance(key, str) and is_secret_key(key))
            if found:
                return found
        return None
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = find_secret(item, _child_path(path, index), secret_named)
            if found:
                return found
    return None


def refuse_secrets(kind: str, data: dict[str, Any]) -> None:
    """Raise ``ValueError`` naming the key path if ``data`` holds something secret-looking."""
    found = find_secret(data)
    if found:
        where, why = found
        raise ValueError(
            f"refusing to write a {kind} audit record: the value at {where} looks like a secret "
            f"({why}). Record a fingerprint ({FINGERPRINT_PREFIX}<hex>) instead of the value; "
            "the audit log can never be edited, so a secret written to it could never be removed."
        )
