"""Properties a provider accepts but never returns (write-only): the rehearsal drops them
before it keeps anything, as Azure does, so a secret sent in a template (a Key Vault secret's
value from a secureString parameter) lands in no file of the rehearsal's state. From the REST
specifications: ``SecretProperties.value`` (keyvault.json: "The value of the secret. NOTE:
'value' will never be returned from the service")."""

from __future__ import annotations

import copy
from typing import Any, Mapping

WRITE_ONLY: dict[str, tuple[str, ...]] = {
    "microsoft.keyvault/vaults/secrets": ("value",),
}


def strip(rtype: str, body: Mapping[str, Any] | None) -> Any:
    """A copy of ``body`` without its type's write-only properties (``properties.<name>``)."""
    if body is None:
        return None
    drop = WRITE_ONLY.get(rtype.lower())
    if not drop:
        return body
    out = copy.deepcopy(dict(body))
    props = out.get("properties")
    if isinstance(props, dict):
        for name in drop:
            props.pop(name, None)
    return out
