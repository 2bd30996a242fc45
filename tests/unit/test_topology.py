"""The network map puts the cluster step's pieces in the spoke subnets they occupy, with how far
the cluster step got; before its decisions the subnets carry their routing only."""

from __future__ import annotations

from steps.spoke import SPOKE
from steps.topology import topology


def _spoke_answers() -> dict[str, object]:
    return {f.id: f.default for f in SPOKE.fields if not callable(f.default)} | {
        "vnet_name": "vnet-spoke", "resource_group": "rg-spoke", "location": "eastus2", "dns": "firewall"}


def test_the_cluster_occupies_its_subnets_once_decided() -> None:
    spoke = {"answers": _spoke_answers(), "status": "done"}
    before = {s.name: s.note for s in topology({"spoke": spoke}).networks[1].subnets}
    assert before["snet-clusternodes"] == "→ firewall" and before["snet-applicationgateway"] == ""
    cluster = {"answers": {"cluster_name": "aks-1", "registry_name": "acr1", "key_vault_name": "kv-1"},
               "status": "done", "outputs": {"jumpbox": "vmss-jumpboxes"}}
    after = {s.name: s.note for s in topology({"spoke": spoke, "cluster": cluster}).networks[1].subnets}
    assert after["snet-clusternodes"] == "→ firewall; AKS aks-1 nodes (deployed)"
    assert after["snet-applicationgateway"] == "App Gateway apw-aks-1 (deployed)"
    assert "acr1" in after["snet-privatelinkendpoints"] and "kv-1" in after["snet-privatelinkendpoints"]
    assert after["snet-management-ops"].endswith("jump box (deployed)")
