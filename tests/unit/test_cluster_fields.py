"""The cluster step's field validators and its template's choices, without Azure: each with a
value it refuses and one it takes."""

from __future__ import annotations

from typing import Any

import pytest

from steps import cluster_template as tpl
from steps.cluster import CLUSTER
from wizard.engine.contract import StepContext


def _error(field: str, value: Any, **answers: Any) -> str | None:
    ctx = StepContext("cluster", {"location": "eastus2", **answers}, {}, "rehearsal")
    for validator in CLUSTER.field(field).validators:
        said = validator(value, ctx)
        if said:
            return said
    return None


@pytest.mark.parametrize("field, bad, good, words", [
    ("maintenance_start", "9pm", "21:00", "HH:MM"),
    ("maintenance_start", "24:00", "23:30", "HH:MM"),
    ("kubernetes_version", "1.37.2", "1.37", "minor version only"),
    ("registry_replica_region", "eastus2", "centralus", "another region"),
    ("registry_replica_region", "Central US", "", "short region name"),
    ("key_vault_name", "kv--double", "kv-aks-1", "'--'"),
    ("registry_name", "acr-with-hyphen", "acraks1234", "letters and digits"),
    ("log_retention_days", 10, 30, "between 30 and 730"),
    ("key_vault_retention_days", 120, 7, "between 7 and 90"),
    ("cluster_name", "-aks", "aks-1", "start and end"),
])
def test_each_validator_refuses_with_why_and_takes_a_good_value(field: str, bad: Any, good: Any, words: str) -> None:
    said = _error(field, bad)
    assert said and words in said, said
    assert _error(field, good) is None


def test_a_maximum_below_the_starting_count_is_refused() -> None:
    said = _error("user_max", 1, user_count=2)
    assert said and "at least the minimum (2)" in said
    assert _error("user_max", 2, user_count=2) is None


def test_the_global_names_are_stable_and_differ_by_subscription_and_group() -> None:
    a = tpl.suffix("sub-1", "rg-bu0001a0008")
    assert a == tpl.suffix("SUB-1", "RG-BU0001A0008") and len(a) == 8
    assert a != tpl.suffix("sub-2", "rg-bu0001a0008") != tpl.suffix("sub-1", "rg-other")
