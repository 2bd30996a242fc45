"""The cluster's Key Vault name over real HTTPS (azure-mgmt-keyvault 14.1.0, api-version
2026-05-15, against the rehearsal): free names pass; a name a deleted vault holds fails before
anything is deployed and the check's fix purges it; purge protection, a name another customer
holds and an invalid name each fail with Key Vault's own reason.

Checked against Azure: the operations and paths of Vaults_CheckNameAvailability,
Vaults_ListDeleted and Vaults_PurgeDeleted (the SDK's generated operations); the write-time
ConflictError text users quote (Azure-Samples/contoso-chat#55, Azure/azure-cli#19846, where
what-if predicted a Create anyway); VaultAlreadyExists (Azure/ARO-Landing-Zone-Accelerator#28)."""

from __future__ import annotations

from pathlib import Path

from checks.key_vault_name import check_vault_name, purge_deleted
from tests.engine.flow import journal, open_workspace
from wizard.engine.contract import CheckStatus, StepContext
from wizard.rehearsal import routes_keyvault

SUB = "2d6f9a1b-4c3e-4b7a-8f15-0a9e8d7c6b51"


def _ctx(ws) -> StepContext:  # noqa: ANN001
    return StepContext("cluster", {}, {}, "rehearsal", ws.session.dir, ws.azure)


def test_a_free_name_passes(tmp_path: Path) -> None:
    with open_workspace(tmp_path) as ws:
        assert check_vault_name(_ctx(ws), "kv-aks-2941703b").status is CheckStatus.PASS


def test_a_deleted_vault_holding_the_name_fails_and_the_fix_purges_it(tmp_path: Path) -> None:
    with open_workspace(tmp_path, scenario="deleted-vault-holds-name") as ws:
        ctx = _ctx(ws)
        found = check_vault_name(ctx, "kv-aks-2941703b")
        assert found.status is CheckStatus.FAIL and "ConflictError" in found.summary and "press f" in found.remedy.lower()
        # the deployment would be refused at the vault, as Key Vault refuses it
        refused = routes_keyvault.write_error(ws.backend._world, SUB, "/x/vaults/kv-aks-2941703b", "kv-aks-2941703b")
        assert refused and refused["code"] == "ConflictError" and "deleted state" in refused["message"]
        said = purge_deleted(ctx, found)
        assert "Purged the deleted vault kv-aks-2941703b" in said
        assert any(e["method"] == "POST" and e["path"].endswith("/deletedVaults/kv-aks-2941703b/purge")
                   for e in journal(ws.session.dir))
        assert check_vault_name(ctx, "kv-aks-2941703b").status is CheckStatus.PASS


def test_purge_protection_keeps_the_name_and_the_fix_does_not_pretend(tmp_path: Path) -> None:
    with open_workspace(tmp_path, scenario="deleted-vault-holds-name") as ws:
        found = check_vault_name(_ctx(ws), "kv-aks-protected")
        assert found.status is CheckStatus.FAIL and "purge protection" in found.summary
        assert "Choose another" in found.remedy
        assert purge_deleted(_ctx(ws), found).startswith("Nothing to purge")


def test_a_name_someone_else_holds_or_an_invalid_one_fails(tmp_path: Path) -> None:
    with open_workspace(tmp_path, scenario="deleted-vault-holds-name") as ws:
        taken = check_vault_name(_ctx(ws), "kv-contoso-shared")
        assert taken.status is CheckStatus.FAIL and taken.evidence["reason"] == "AlreadyExists"
        bad = check_vault_name(_ctx(ws), "9-not--valid")
        assert bad.status is CheckStatus.FAIL and bad.evidence["reason"] == "AccountNameInvalid"
