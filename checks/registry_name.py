"""The cluster's container registry name: free across Azure (it becomes <name>.azurecr.io).

ACR names are global and a deleted registry's name is released, unlike Key Vault's; the only
question is whether someone holds it now. Asked before the cluster's deployment, which would
otherwise fail at the registry after twenty minutes."""

from __future__ import annotations

from wizard.engine.arm import call
from wizard.engine.contract import Finding, StepContext

REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"


def check_registry_name(ctx: StepContext, name: str) -> Finding:
    assert ctx.azure is not None
    registries = ctx.azure.container_registry().registries
    answer = call(name, registries.check_name_availability, {"name": name, "type": REGISTRY_TYPE}).as_dict()
    if answer.get("nameAvailable"):
        return Finding.ok(f"The registry name {name} is free ({name.lower()}.azurecr.io).", name=name)
    reason = str(answer.get("reason") or "")
    remedy = ("Use 5-50 letters and digits only (press 2)." if reason == "Invalid" else
              "Choose another registry name (press 2; headless: --answers with cluster.registry_name): names are "
              "unique across all of Azure.")
    return Finding.fail(f"The registry name {name} is not available ({reason}): {answer.get('message', '')}", remedy,
                        name=name, reason=reason)
