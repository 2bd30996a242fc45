"""Key Vault's data plane in a rehearsal: secret values, sealed.

ARM never returns a secret's value (``write_only``), and the rehearsal's model file must hold
none. But the rehearsal's Application Gateway front end has to serve the listener certificate
the cluster step put into the vault, as the real gateway does through its identity. So the
value sent with a deployment is sealed on arrival, AES-256-GCM under a key that lives in its
own 0600 file of the rehearsal's state (as the token signing key does), and only the front
end unseals it, in memory. The model keeps the ciphertext and nonce, bound to the secret's id
(the associated data), so a sealed value cannot be moved to another secret."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Any

from wizard.rehearsal import tokens

KEY_FILE = "rehearsal-vault.key"
SECRET_TYPE = "microsoft.keyvault/vaults/secrets"


def load_key(state_dir: Path) -> bytes:
    return tokens.load_key(state_dir, KEY_FILE)


def seal(data: dict[str, Any], key: bytes, secret_id: str, value: str) -> None:
    """Keep ``value`` for the secret, sealed, in the model's plain data."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, value.encode(), secret_id.lower().encode())
    data.setdefault("vaultData", {})[secret_id.lower()] = {"nonce": base64.b64encode(nonce).decode(),
                                                           "sealed": base64.b64encode(sealed).decode()}


def unseal(data: dict[str, Any], key: bytes, secret_id: str) -> str | None:
    """The secret's value, or None when the rehearsal holds none for it."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    entry = (data.get("vaultData") or {}).get(secret_id.lower())
    if not entry:
        return None
    value = AESGCM(key).decrypt(base64.b64decode(entry["nonce"]), base64.b64decode(entry["sealed"]),
                                secret_id.lower().encode())
    return value.decode()
