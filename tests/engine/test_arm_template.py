"""A step's groups composed into one subscription-scoped deployment, as Bicep modules are, and
what ARM can and cannot see of it before it runs. Checked against ARM's documented behaviour:
a nested deployment whose parameter uses reference() to something the same deployment creates
is short-circuited by preflight and not expanded by what-if (NestedDeploymentShortCircuited,
"parameter that was not fully evaluated (e.g. contains a reference() function)", deployments
spec validate examples; what-if adds https://aka.ms/WhatIfEvalStopped)."""

from __future__ import annotations

from typing import Any, Callable

from wizard.engine import arm, nested_preview
from wizard.engine.arm_template import compose, group_outputs, nested_name
from wizard.engine.contract import ArmDeployment, GroupTemplate, StepContext

RG_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def _vnet_template() -> dict[str, Any]:
    return {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", "parameters": {"cidr": {"type": "string"}},
            "resources": [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "vnet-a",
                           "location": "eastus2",
                           "properties": {"addressSpace": {"addressPrefixes": ["[parameters('cidr')]"]}}}],
            "outputs": {"vnetId": {"type": "string",
                                   "value": "[resourceId('Microsoft.Network/virtualNetworks', 'vnet-a')]"}}}


def _consumer_template() -> dict[str, Any]:
    return {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0",
            "parameters": {"peerId": {"type": "string"}, "secret": {"type": "secureString"}},
            "resources": [{"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
                           "name": "nsg-b", "location": "eastus2", "tags": {"peer": "[parameters('peerId')]"},
                           "properties": {"securityRules": []}}],
            "outputs": {"seen": {"type": "string", "value": "[parameters('peerId')]"}}}


def _action() -> ArmDeployment:
    def fixed(value: str) -> Callable[[StepContext], str]:
        return lambda ctx: value
    return ArmDeployment(
        deployment_base_name="t", location=fixed("eastus2"),
        groups=(GroupTemplate("a", fixed("rg-a"), fixed("eastus2"), lambda ctx: _vnet_template(),
                              lambda ctx: {"cidr": "10.50.0.0/16"}),
                GroupTemplate("b", fixed("rg-b"), fixed("eastus2"), lambda ctx: _consumer_template(),
                              lambda ctx: {"secret": "not-in-any-log"}, inputs=(("peerId", "a", "vnetId"),))),
        outputs=lambda groups, ctx: dict(groups))


def test_composed_template_creates_groups_and_passes_outputs(make_ctx, fresh_backend) -> None:
    backend = fresh_backend("default")
    ctx = make_ctx(backend=backend)
    composed = compose(_action(), ctx, "t-1", {"aks-wizard-session": "s"})
    assert composed.secure == {"bSecret"} and composed.groups == {"a": "rg-a", "b": "rg-b"}
    kinds = [r["type"] for r in composed.template["resources"]]
    assert kinds == ["Microsoft.Resources/resourceGroups", "Microsoft.Resources/deployments"] * 2
    consumer = composed.template["resources"][3]
    assert any(nested_name("t-1", "a") in d for d in consumer["dependsOn"])

    validated = arm.validate(ctx.azure, composed.location, "t-1", composed.template, composed.parameters)
    assert validated.diagnostics and all("NestedDeploymentShortCircuited" in d for d in validated.diagnostics)
    changes, what_if_notes = arm.what_if(ctx.azure, composed.location, "t-1", composed.template, composed.parameters)
    by_type = {c.resource_type: c.change_type for c in changes}
    assert by_type["Microsoft.Network/virtualNetworks"] == "Create"  # a new group does not stop what-if
    assert by_type["Microsoft.Resources/deployments"] == "Unsupported"  # the consumer: inputs known later
    assert "Microsoft.Network/networkSecurityGroups" not in by_type
    assert any("reference()" in n and "WhatIfEvalStopped" in n for n in what_if_notes)
    # The wizard lists what the consumer holds (not predicted by ARM) and says why once.
    shown, referenced = nested_preview.expand(changes, composed.template, "t-1")
    held = [c for c in shown if c.resource_type == "Microsoft.Network/networkSecurityGroups"]
    assert held and held[0].change_type == "Unsupported" and "evaluated when it runs" in held[0].reason
    assert held[0].resource_id.endswith("/resourceGroups/rg-b/providers/Microsoft.Network/networkSecurityGroups/"
                                        + held[0].name)
    assert "Microsoft.Resources/deployments" not in {c.resource_type for c in shown}
    notes = nested_preview.notes(validated.diagnostics, what_if_notes, referenced)
    assert len(notes) == 2, notes  # one per kind, however many diagnostics ARM sent
    assert "rg-a" in notes[1] and "do not exist yet" in notes[1]
    assert "evaluates 1 nested deployment (b) only when it runs" in notes[0] and "reference()" not in notes[0]

    arm.submit(ctx.azure, composed.location, "t-1", composed.template, composed.parameters, "corr-t-1")
    deadline_ops = 0
    while (status := arm.status(ctx.azure, "t-1")) is not None and status.state not in ("Succeeded", "Failed"):
        deadline_ops += 1
        assert deadline_ops < 2000
    assert status is not None and status.state == "Succeeded", status
    assert status.correlation_id == "corr-t-1"  # the wizard's own id, saved before the PUT
    outputs = group_outputs(status.outputs)
    assert outputs["a"]["vnetId"].endswith("/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet-a")
    assert outputs["b"]["seen"] == outputs["a"]["vnetId"]
    assert any(r.endswith("/networkSecurityGroups/nsg-b") for r in status.output_resources)
    ops = arm.operations(ctx.azure, "t-1")
    assert {o.resource_name for o in ops} == {"rg-a", "rg-b", "vnet-a", "nsg-b"}  # into both nested ones
    assert set(arm.nested_output_resources(ctx.azure, "t-1")) >= {o.resource_id for o in ops
                                                                   if "/providers/" in o.resource_id}
    nested = ctx.azure.deployments().deployments.get("rg-b", nested_name("t-1", "b")).as_dict()
    assert nested["properties"]["parameters"]["secret"] == {"type": "SecureString"}  # ARM echoes only the type
    for name in ("rehearsal-journal.jsonl", "rehearsal-model.json"):
        assert "not-in-any-log" not in (backend.state_dir / name).read_text(), name
