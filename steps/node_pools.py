"""The reference node pools (mspnp/aks-baseline cluster-stamp), used by the prerequisites
checks before the cluster step exists to decide them. Data, with the numbers' source."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil


@dataclass(frozen=True)
class NodePool:
    name: str
    vm_size: str
    count: int
    max_count: int
    max_surge_percent: int
    mode: str

    def vcpus_at_start(self, vcpus_per_node: int) -> int:
        return self.count * vcpus_per_node

    def vcpus_at_peak(self, vcpus_per_node: int) -> int:
        """Autoscale maximum plus upgrade surge: what an upgrade at full scale needs."""
        return (self.max_count + ceil(self.max_count * self.max_surge_percent / 100)) * vcpus_per_node


REFERENCE_POOLS: tuple[NodePool, ...] = (
    NodePool("npsystem", "Standard_D2d_v5", 3, 4, 33, "System"),
    NodePool("npuser01", "Standard_D4d_v5", 2, 5, 33, "User"),
)
