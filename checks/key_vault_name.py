"""The cluster's Key Vault name: free across Azure, and not held by a deleted vault.

Deleting a resource group soft-deletes its vault, which keeps the name for 7 to 90 days; the
next deployment of the same name then fails with ``ConflictError`` ("A vault with the same
name already exists in deleted state", Azure-Samples/contoso-chat#55), and ARM's what-if
predicts a Create regardless (Azure/azure-cli#19846). That is a 20-minute cluster deployment
failing on its last resource, so the check asks Key Vault first: its name availability, and the
subscription's deleted vaults. A deleted vault without purge protection can be purged with the
check's fix (audited; it destroys that vault's keys and secrets for good), or the operator picks
another name. Purge protection makes the name unusable until the scheduled purge date."""

from __future__ import annotations

from typing import Any

from wizard.engine.arm import call
from wizard.engine.contract import Finding, StepContext

VAULT_TYPE = "Microsoft.KeyVault/vaults"


def _vaults(ctx: StepContext) -> Any:
    assert ctx.azure is not None
    return ctx.azure.key_vault().vaults


def deleted_holding(ctx: StepContext, name: str) -> dict[str, Any] | None:
    """The subscription's deleted vault of that name, or None."""
    vaults = _vaults(ctx)
    for item in call("deleted vaults", lambda: list(vaults.list_deleted())):
        body = item.as_dict()
        if str(body.get("name", "")).lower() == name.lower():
            return body
    return None


def check_vault_name(ctx: StepContext, name: str) -> Finding:
    deleted = deleted_holding(ctx, name)
    if deleted is not None:
        props = deleted.get("properties") or {}
        evidence = {"name": name, "deleted_vault": deleted.get("id"), "location": props.get("location"),
                    "scheduled_purge": props.get("scheduledPurgeDate"),
                    "purge_protection": bool(props.get("purgeProtectionEnabled"))}
        if evidence["purge_protection"]:
            return Finding.fail(f"A deleted vault with purge protection holds the name {name} until "
                                f"{evidence['scheduled_purge']}.", "Choose another Key Vault name (press 2; headless: "
                                "--answers with cluster.key_vault_name): this one cannot be freed before then.",
                                **evidence)
        return Finding.fail(f"A deleted vault ({props.get('location')}) still holds the name {name}: creating the "
                            "cluster's vault would fail with ConflictError after the rest is deployed.",
                            "Press f to purge the deleted vault (its keys and secrets are gone for good; audited), "
                            "or choose another name (press 2).", **evidence)
    vaults = _vaults(ctx)
    answer = call(name, vaults.check_name_availability, {"name": name, "type": VAULT_TYPE}).as_dict()
    if not answer.get("nameAvailable"):
        reason = str(answer.get("reason") or "")
        return Finding.fail(f"The Key Vault name {name} is not available ({reason}): {answer.get('message', '')}",
                            "Choose another name (press 2): vault names are unique across all of Azure.",
                            name=name, reason=reason)
    return Finding.ok(f"The Key Vault name {name} is free across Azure, and no deleted vault holds it.", name=name)


def purge_deleted(ctx: StepContext, finding: Finding) -> str:
    """The check's fix: purge the deleted vault that holds the name (a long-running operation)."""
    name, location = str(finding.evidence.get("name", "")), str(finding.evidence.get("location", ""))
    if not finding.evidence.get("deleted_vault") or finding.evidence.get("purge_protection"):
        return f"Nothing to purge for {name}."
    poller = call(name, _vaults(ctx).begin_purge_deleted, name, location)
    call(name, poller.result)
    return f"Purged the deleted vault {name} in {location}; the name is free again."
