"""Key Vault names, as strict as Azure's: global, and held for up to 90 days by a deleted vault.

- ``Vaults_CheckNameAvailability`` (POST .../providers/Microsoft.KeyVault/checkNameAvailability):
  ``nameAvailable`` false with reason ``AccountNameInvalid`` (outside Key Vault's naming rule) or
  ``AlreadyExists`` (a live vault anywhere, or a deleted one not yet purged: the name stays
  reserved, as the VaultAlreadyExists message users quote says, Azure/ARO-Landing-Zone-Accelerator#28).
- Deleted vaults: ``Vaults_ListDeleted``, ``Vaults_GetDeleted`` and ``Vaults_PurgeDeleted`` (an
  LRO answered at its Location URL). A vault with purge protection cannot be purged before its
  scheduled purge date.
- A write of a vault whose name a deleted vault holds is refused with ``ConflictError`` ("A vault
  with the same name already exists in deleted state...", Azure-Samples/contoso-chat#55,
  Azure/azure-cli#19846 - which also shows what-if predicting a Create anyway); a name another
  customer holds, with ``VaultAlreadyExists``.

Deleted vaults come from the scenario (``keyVault.deletedVaults``); someone else's names from
``keyVault.takenNames``; what a session purges is remembered in the model."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any, Mapping

from wizard.rehearsal.http_types import ArmError, Request, Response
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_subscriptions import require_subscription
from wizard.rehearsal.scenario import normalize_location

VAULT = "microsoft.keyvault/vaults"
NAME = re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")
SOFT_DELETED = ("A vault with the same name already exists in deleted state. You need to either recover or purge "
                "existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more "
                "information on soft delete.")


def _spec(world: Any) -> Mapping[str, Any]:
    return world.scenario.raw.get("keyVault") or {}


def deleted_vaults(world: Any, sub: str) -> list[dict[str, Any]]:
    """The subscription's deleted, not yet purged vaults."""
    with world.model.lock:
        purged = {n.lower() for n in world.model.data.get("purgedVaults", [])}
    return [dict(v) for v in _spec(world).get("deletedVaults", []) if str(v["name"]).lower() not in purged]


def _deleted_body(sub: str, vault: Mapping[str, Any]) -> dict[str, Any]:
    loc = normalize_location(str(vault["location"]))
    return {"id": f"/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{loc}/deletedVaults/{vault['name']}",
            "name": vault["name"], "type": "Microsoft.KeyVault/deletedVaults",
            "properties": {"vaultId": f"/subscriptions/{sub}/resourceGroups/{vault.get('resourceGroup', 'rg-old')}/"
                                      f"providers/Microsoft.KeyVault/vaults/{vault['name']}",
                           "location": loc, "deletionDate": vault.get("deletionDate"),
                           "scheduledPurgeDate": vault.get("scheduledPurgeDate"),
                           "purgeProtectionEnabled": bool(vault.get("purgeProtectionEnabled")), "tags": {}}}


def _live_elsewhere(world: Any, name: str, rid: str = "") -> bool:
    if name.lower() in {n.lower() for n in _spec(world).get("takenNames", [])}:
        return True
    with world.model.lock:
        return any(str(r.get("type", "")).lower() == VAULT and str(r.get("name", "")).lower() == name.lower()
                   and k != rid.lower() for k, r in world.model.data["resources"].items())


def check_name(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    body = req.body or {}
    name = str(body.get("name", ""))
    if str(body.get("type", "")).lower() != VAULT:
        raise ArmError(400, "InvalidRequestContent", "The type must be Microsoft.KeyVault/vaults.")
    if not NAME.match(name):
        return Response(200, {"nameAvailable": False, "reason": "AccountNameInvalid", "message":
                              f"Vault name '{name}' is invalid: 3-24 letters, digits and hyphens, starting with a "
                              "letter, ending with a letter or digit, no consecutive hyphens."})
    held = any(v["name"].lower() == name.lower() for v in deleted_vaults(req.world, sub))
    if held or _live_elsewhere(req.world, name):
        return Response(200, {"nameAvailable": False, "reason": "AlreadyExists",
                              "message": f"The vault name '{name}' is already in use."})
    return Response(200, {"nameAvailable": True})


def list_deleted(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    return Response(200, {"value": [_deleted_body(sub, v) for v in deleted_vaults(req.world, sub)]})


def _find_deleted(req: Request) -> tuple[str, dict[str, Any]]:
    sub = require_subscription(req)["subscriptionId"]
    loc, name = normalize_location(req.params["loc"]), req.params["name"]
    for vault in deleted_vaults(req.world, sub):
        if vault["name"].lower() == name.lower() and normalize_location(str(vault["location"])) == loc:
            return sub, vault
    raise ArmError(404, "DeletedVaultNotFound", f"Deleted vault '{name}' was not found in location '{loc}'.")


def get_deleted(req: Request) -> Response:
    sub, vault = _find_deleted(req)
    return Response(200, _deleted_body(sub, vault))


def purge_deleted(req: Request) -> Response:
    sub, vault = _find_deleted(req)
    require_subscription(req, write=True)
    if vault.get("purgeProtectionEnabled"):
        raise ArmError(409, "ConflictError", f"Vault '{vault['name']}' has purge protection enabled: it cannot be "
                       f"purged before {vault.get('scheduledPurgeDate', 'its scheduled purge date')}.")
    with req.world.model.lock:
        req.world.model.data.setdefault("purgedVaults", []).append(str(vault["name"]))
    token = uuid.uuid4().hex
    req.world.model.put_operation(token, {"kind": "purgeVault", "due": time.time() + 0.05})
    return Response(202, None, {"Location": _result_url(req, sub, token), "Retry-After": "0"})


def _result_url(req: Request, sub: str, token: str) -> str:
    """Key Vault answers its long-running operations under its own namespace."""
    loc = normalize_location(req.params["loc"])
    return (f"{req.world.base_url}/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{loc}/operationResults/"
            f"{token}?api-version={req.query.get('api-version', '')}")


def operation_result(req: Request) -> Response:
    require_subscription(req)
    op = req.world.model.operation(req.params["token"])
    if op is None or op.get("kind") != "purgeVault":
        raise ArmError(404, "OperationNotFound", "The operation result could not be found or has expired.")
    if time.time() < float(op["due"]):
        return Response(202, None, {"Location": _result_url(req, req.params["sub"], req.params["token"]),
                                    "Retry-After": "0"})
    return Response(200)


def write_error(world: Any, sub: str, rid: str, name: str) -> dict[str, Any] | None:
    """Key Vault's refusal of a vault write (called by the deployment engine)."""
    if any(v["name"].lower() == name.lower() for v in deleted_vaults(world, sub)):
        return {"code": "ConflictError", "message": SOFT_DELETED}
    if _live_elsewhere(world, name, rid):
        return {"code": "VaultAlreadyExists", "message": f"The vault name '{name}' is already in use. Vault names "
                "are globally unique so it is possible that the name is already taken."}
    return None


def register(router: Router) -> None:
    router.add("POST", "/subscriptions/{sub}/providers/Microsoft.KeyVault/checkNameAvailability", check_name)
    router.add("GET", "/subscriptions/{sub}/providers/Microsoft.KeyVault/deletedVaults", list_deleted)
    router.add("GET", "/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{loc}/deletedVaults/{name}",
               get_deleted)
    router.add("POST", "/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{loc}/deletedVaults/{name}/purge",
               purge_deleted)
    router.add("GET", "/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{loc}/operationResults/{token}",
               operation_result)
