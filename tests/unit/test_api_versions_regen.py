"""The api-version regeneration script maps ARM paths in a (tiny, fake) spec tree to resource types."""

from __future__ import annotations

import json
from pathlib import Path

from wizard.rehearsal.api_versions_regen import (
    newest_first,
    regenerate,
    resource_type,
    scan_specs,
    versions_from_paths,
)

RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
POLICY = f"{RG}/providers/Microsoft.Network/firewallPolicies/{{firewallPolicyName}}"
GROUP = f"{POLICY}/ruleCollectionGroups/{{ruleCollectionGroupName}}"


def _swagger(root: Path, relative: str, *paths: str) -> None:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"swagger": "2.0", "paths": {p: {} for p in paths}}), encoding="utf-8")


def _fake_specs(root: Path) -> None:
    net = "specification/network/resource-manager/Microsoft.Network"
    _swagger(root, f"{net}/stable/2019-06-01/firewallPolicy.json", POLICY)
    _swagger(root, f"{net}/stable/2020-05-01/firewallPolicy.json", POLICY, GROUP)
    _swagger(root, f"{net}/Network/preview/2026-02-01-preview/firewallPolicy.json", POLICY, GROUP)
    _swagger(root, f"{net}/stable/2020-05-01/examples/FirewallPolicyPut.json", "/ignored/{x}")
    _swagger(root, "specification/resources/resource-manager/Microsoft.Resources/subscriptions/stable/"
             "2022-12-01/subscriptions.json", "/subscriptions", "/subscriptions/{subscriptionId}/locations")


def test_resource_type_of_top_level_child_and_extension_paths() -> None:
    assert resource_type(POLICY) == "Microsoft.Network/firewallPolicies"
    assert resource_type(GROUP) == "Microsoft.Network/firewallPolicies/ruleCollectionGroups"
    assert resource_type(f"{RG}/providers/Microsoft.Network/virtualNetworks") == "Microsoft.Network/virtualNetworks"
    assert resource_type("/subscriptions/{s}/providers/Microsoft.Compute/locations/{location}/usages") \
        == "Microsoft.Compute/locations/usages"
    cluster = f"{RG}/providers/{{clusterRp}}/{{clusterResourceName}}/{{clusterName}}"
    assert resource_type(f"{cluster}/providers/Microsoft.KubernetesConfiguration/extensions/{{name}}") \
        == "Microsoft.KubernetesConfiguration/extensions"
    assert resource_type(f"{RG}/providers/{{resourceProviderNamespace}}/{{parentResourcePath}}/{{resourceType}}/"
                         "{resourceName}") == "Microsoft.Resources/resources"
    assert resource_type("/subscriptions/{subscriptionId}") == "Microsoft.Resources/subscriptions"


def test_versions_from_paths_groups_by_type_including_child_and_preview() -> None:
    found = versions_from_paths([("2019-06-01", POLICY), ("2020-05-01", POLICY), ("2020-05-01", GROUP),
                                 ("2026-02-01-preview", GROUP)])
    assert found["microsoft.network/firewallpolicies"] == {"2019-06-01", "2020-05-01"}
    assert found["microsoft.network/firewallpolicies/rulecollectiongroups"] == {"2020-05-01", "2026-02-01-preview"}


def test_newest_first_puts_stable_before_a_same_day_preview() -> None:
    assert newest_first(["2020-05-01", "2024-05-01-preview", "2024-05-01", "2023-10-02-preview"]) \
        == ["2024-05-01", "2024-05-01-preview", "2023-10-02-preview", "2020-05-01"]


def test_scan_and_regenerate_a_fake_spec_tree(tmp_path: Path) -> None:
    _fake_specs(tmp_path)
    scanned = {(version, path) for version, path, _ in scan_specs(tmp_path)}
    assert ("2026-02-01-preview", GROUP) in scanned
    assert not any(path == "/ignored/{x}" for _, path in scanned)
    current = {"about": "a", "regenerate": "r", "types": {
        "Microsoft.Network/firewallPolicies/ruleCollectionGroups": {"versions": [], "source": ""},
        "Microsoft.Resources/subscriptions": {"versions": [], "source": ""},
        "Microsoft.Example/missing": {"versions": ["2020-01-01"], "source": "kept"}}}
    out = regenerate(tmp_path, current)
    groups = out["types"]["Microsoft.Network/firewallPolicies/ruleCollectionGroups"]
    assert groups["versions"] == ["2026-02-01-preview", "2020-05-01"]
    assert groups["source"].endswith("Network/preview/2026-02-01-preview/firewallPolicy.json")
    assert out["types"]["Microsoft.Resources/subscriptions"]["versions"] == ["2022-12-01"]
    assert out["types"]["Microsoft.Example/missing"] == {"versions": ["2020-01-01"], "source": "kept"}
    assert (out["about"], out["regenerate"]) == ("a", "r")
