"""The rehearsal sign-in: a TokenCredential whose token names the scenario's user.

The wizard reads who is signed in from the token's claims (``actor_from_token``), exactly as
it does against Entra ID, so the rehearsal token is a real JWT shape with ``alg: none``; it is
never signed because nothing but the local backend ever sees it."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class RehearsalCredential:
    """Implements both ``get_token`` and ``get_token_info`` so every azure-core auth policy
    version accepts it."""

    def __init__(self, oid: str, upn: str, name: str, tenant_id: str, lifetime_s: int = 3600) -> None:
        self._claims = {"oid": oid, "upn": upn, "name": name, "tid": tenant_id, "idtyp": "user"}
        self._lifetime_s = lifetime_s

    def _token(self, scopes: tuple[str, ...]) -> tuple[str, int]:
        now = int(time.time())
        expires = now + self._lifetime_s
        audience = scopes[0].removesuffix("/.default") if scopes else "https://management.azure.com"
        claims = dict(self._claims, aud=audience, iat=now, nbf=now, exp=expires,
                      iss=f"https://sts.windows.net/{self._claims['tid']}/")
        return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.", expires

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        token, expires = self._token(scopes)
        return AccessToken(token, expires)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        token, expires = self._token(scopes)
        return AccessTokenInfo(token, expires)

    def close(self) -> None:
        """Nothing to release; present because some callers close credentials."""
