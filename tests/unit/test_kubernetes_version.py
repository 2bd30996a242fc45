"""The cluster's Kubernetes version (issue 9): a minor or "newest", judged against what the
region lists (ManagedClusters_ListKubernetesVersions; shape from the 2026-08-01 spec example
KubernetesVersions_List.json, where a preview minor carries isPreview and one carries isDefault)."""

from __future__ import annotations

from checks.kubernetes_version import NEWEST, ga_minors, judge, version_error
from wizard.engine.contract import CheckStatus

LISTED = [
    {"version": "1.35", "patchVersions": {"1.35.8": {}, "1.35.9": {}}},
    {"version": "1.36", "isDefault": True, "patchVersions": {"1.36.5": {}}},
    {"version": "1.37", "patchVersions": {"1.37.1": {}, "1.37.10": {}}},
    {"version": "1.38", "isPreview": True, "patchVersions": {"1.38.0": {}}},
]


def test_newest_is_the_newest_generally_available_minor_not_the_default_nor_a_preview() -> None:
    found = judge(LISTED, NEWEST, "eastus2")
    assert found.status is CheckStatus.PASS and found.evidence["minor"] == "1.37"
    assert "1.37.10 today" in found.summary  # patches compare as numbers, not strings
    assert ga_minors(LISTED) == ["1.35", "1.36", "1.37"]


def test_a_minor_the_region_no_longer_offers_fails_and_names_what_it_does() -> None:
    found = judge(LISTED, "1.30", "eastus2")  # the regulated reference's pinned version
    assert found.status is CheckStatus.FAIL and "1.35, 1.36, 1.37" in found.summary
    assert "press 2" in found.remedy and "--answers" in found.remedy


def test_an_older_offered_minor_passes_and_says_a_newer_one_exists() -> None:
    found = judge(LISTED, "1.35", "eastus2")
    assert found.status is CheckStatus.PASS and "1.37 is newer" in found.summary


def test_a_preview_minor_is_a_warning_and_an_empty_list_a_failure() -> None:
    assert judge(LISTED, "1.38", "eastus2").status is CheckStatus.WARN
    assert judge([{"version": "1.38", "isPreview": True}], NEWEST, "qatarcentral").status is CheckStatus.FAIL


def test_the_decision_takes_a_minor_or_newest_and_explains_a_patch() -> None:
    assert version_error("newest") is None and version_error("1.36") is None
    assert "minor version only (1.36)" in str(version_error("1.36.5"))
    assert version_error("latest") is not None and version_error("v1.36") is not None
