"""The rehearsal sign-in: a TokenCredential whose tokens name the scenario's user.

The wizard reads who is signed in from the token's claims (``actor_from_token``), exactly as
it does against Entra ID. The tokens are signed with the session's rehearsal key and carry
the audience of the scope asked for, so the backend can refuse a token meant for Graph on
ARM (and the reverse), an expired token, or one it did not issue (``tokens.verify``)."""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo

from wizard.rehearsal.tokens import sign


class RehearsalCredential:
    """Implements both ``get_token`` and ``get_token_info`` so every azure-core auth policy
    version accepts it."""

    def __init__(self, oid: str, upn: str, name: str, tenant_id: str, key: bytes, lifetime_s: int = 3600) -> None:
        self._claims = {"oid": oid, "upn": upn, "name": name, "tid": tenant_id, "idtyp": "user"}
        self._key = key
        self._lifetime_s = lifetime_s

    def _token(self, scopes: tuple[str, ...]) -> tuple[str, int]:
        now = int(time.time())
        expires = now + self._lifetime_s
        audience = scopes[0].removesuffix("/.default") if scopes else "https://management.azure.com"
        claims = dict(self._claims, aud=audience, iat=now, nbf=now, exp=expires,
                      iss=f"https://sts.windows.net/{self._claims['tid']}/")
        return sign(claims, self._key), expires

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        token, expires = self._token(scopes)
        return AccessToken(token, expires)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        token, expires = self._token(scopes)
        return AccessTokenInfo(token, expires)

    def close(self) -> None:
        """Nothing to release; present because some callers close credentials."""
