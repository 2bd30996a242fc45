"""The shared state every route handler sees: scenario, model, faults and clock settings."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.rehearsal.faults import FaultPlan
from wizard.rehearsal.model_store import SubscriptionModel
from wizard.rehearsal.scenario import Scenario


@dataclass
class World:
    scenario: Scenario
    model: SubscriptionModel
    faults: FaultPlan
    pace: float
    base_url: str = ""
    # The key the rehearsal signs its tokens with: a route that receives a token in a body
    # (run command's clusterToken) verifies it as the Kubernetes API server would.
    signing_key: bytes = b""
    # The key secret values are sealed with (vault_data): only the App Gateway front end reads them.
    vault_key: bytes = b""

    def azure_minutes_to_real(self, minutes: float) -> float:
        return minutes * 60.0 / self.pace
