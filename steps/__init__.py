"""The twelve steps, in the documented order. This tuple is the whole registry: the TUI's
navigator, the headless runner and the resume logic all read it."""

from __future__ import annotations

from steps import not_built
from steps.bootstrap import BOOTSTRAP
from steps.cluster import CLUSTER
from steps.hub import HUB
from steps.identity import IDENTITY
from steps.jumpbox_image import JUMPBOX_IMAGE
from steps.policy import POLICY
from steps.prerequisites import PREREQUISITES
from steps.spoke import SPOKE
from steps.tls_certificates import TLS_CERTIFICATES
from steps.workload import WORKLOAD
from wizard.engine.contract import StepDefinition

REGISTRY: tuple[StepDefinition, ...] = (
    PREREQUISITES,
    TLS_CERTIFICATES,
    IDENTITY,
    POLICY,
    HUB,
    JUMPBOX_IMAGE,
    SPOKE,
    CLUSTER,
    BOOTSTRAP,
    WORKLOAD,
    not_built.BUDGET,
    not_built.CLEANUP,
)


def step_by_id(step_id: str) -> StepDefinition:
    for step in REGISTRY:
        if step.id == step_id:
            return step
    raise KeyError(step_id)
