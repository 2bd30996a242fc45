"""Compose a step's resource-group templates into one subscription-scoped template.

This is what Bicep does for ``targetScope = 'subscription'`` with modules: each resource
group becomes a ``Microsoft.Resources/resourceGroups`` resource, and its template an inline
nested deployment (``expressionEvaluationOptions.scope: inner``) into that group, taking its
parameters from the outer template's and handing its outputs back through
``reference(...).outputs``. One deployment then covers every group, so ARM's validate and
what-if see the whole step, and the resource groups are created by the approved deployment,
never before it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from wizard.engine.contract import ArmDeployment, StepContext

SUBSCRIPTION_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
RESOURCES_API = "2025-04-01"  # Microsoft.Resources resourceGroups and deployments (published, see assets/azure)
# The tags that say which session and step made a group. A later step deploying into a group
# that has them keeps them: the group is still the earlier step's, and its PUT changes nothing.
PROVENANCE = ("aks-wizard-session", "aks-wizard-step")


@dataclass(frozen=True)
class Composed:
    location: str
    template: dict[str, Any]
    parameters: dict[str, Any]  # outer parameter name -> value
    secure: frozenset[str]  # outer parameter names whose values must never be shown or logged
    groups: dict[str, str]  # group key -> resource group name


def outer_name(key: str, name: str) -> str:
    """The outer parameter carrying a group's parameter: ``hub`` + ``location`` -> ``hubLocation``."""
    return f"{key}{name[:1].upper()}{name[1:]}"


def nested_name(deployment: str, key: str) -> str:
    return f"{deployment}-{key}"


def _group_id(group: str) -> str:
    return f"[subscriptionResourceId('Microsoft.Resources/resourceGroups', '{group}')]"


def _nested_id(group: str, name: str) -> str:
    return f"[resourceId('{group}', 'Microsoft.Resources/deployments', '{name}')]"


def compose(action: ArmDeployment, ctx: StepContext, deployment: str, tags: Mapping[str, str],
            existing_tags: Mapping[str, Mapping[str, str]] | None = None) -> Composed:
    """``existing_tags``: the tags of groups that exist already, kept beside the wizard's."""
    parameters: dict[str, Any] = {}
    declared: dict[str, Any] = {}
    secure: set[str] = set()
    resources: list[dict[str, Any]] = []
    outputs: dict[str, Any] = {}
    groups = [g for g in action.groups if g.included(ctx)]
    names = {g.key: g.resource_group(ctx) for g in groups}
    made: set[str] = set()
    for group in groups:
        inner = group.template(ctx)
        inner_params = inner.get("parameters", {}) or {}
        passed: dict[str, Any] = {}
        for name, value in group.parameters(ctx).items():
            outer = outer_name(group.key, name)
            kind = str((inner_params.get(name) or {}).get("type", "string"))
            declared[outer] = {"type": kind}
            parameters[outer] = value
            passed[name] = {"value": f"[parameters('{outer}')]"}
            if kind.lower() in ("securestring", "secureobject"):
                secure.add(outer)
        rg = names[group.key]
        nested = nested_name(deployment, group.key)
        for name, source, output in group.inputs:
            ref = _nested_id(names[source], nested_name(deployment, source))[1:-1]
            passed[name] = {"value": f"[reference({ref}, '{RESOURCES_API}').outputs.{output}.value]"}
        if rg.lower() not in made:  # two groups of a step may share a resource group; ARM wants it once
            made.add(rg.lower())
            resources.append({"type": "Microsoft.Resources/resourceGroups", "apiVersion": RESOURCES_API, "name": rg,
                              "location": group.location(ctx),
                              "tags": _tags(dict((existing_tags or {}).get(rg, {})), tags)})
        after = dict.fromkeys(list(group.depends_on) + [source for _, source, _ in group.inputs])
        depends = [_group_id(rg)] + [_nested_id(names[k], nested_name(deployment, k)) for k in after] \
            + list(group.after_resources(ctx) if callable(group.after_resources) else group.after_resources)
        resources.append({"type": "Microsoft.Resources/deployments", "apiVersion": RESOURCES_API, "name": nested,
                          "resourceGroup": rg, "dependsOn": depends,
                          "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                                         "parameters": passed, "template": inner}})
        if inner.get("outputs"):  # ARM has no 'outputs' for a template that declares none
            outputs[group.key] = {"type": "object",
                                  "value": f"[reference({_nested_id(rg, nested)[1:-1]}, '{RESOURCES_API}').outputs]"}
    if action.subscription_resources:
        resources.extend(action.subscription_resources(ctx))
    if action.subscription_outputs:
        outputs["subscription"] = {"type": "object", "value": dict(action.subscription_outputs(ctx))}
    template = {"$schema": SUBSCRIPTION_SCHEMA, "contentVersion": "1.0.0.0", "parameters": declared,
                "resources": resources, "outputs": outputs}
    return Composed(action.location(ctx), template, parameters, frozenset(secure), names)


def _tags(existing: Mapping[str, str], wizard: Mapping[str, str]) -> dict[str, str]:
    """The group's own tags, the step's beside them, and the provenance it already carries."""
    return {**existing, **wizard, **{k: existing[k] for k in PROVENANCE if k in existing}}


def group_types(action: ArmDeployment, ctx: StepContext) -> dict[str, set[str]]:
    """Resource group -> the resource types the step deploys there that an "Allowed resource
    types" assignment judges: its mode is Indexed ("only resource types that support 'tags' and
    'location'"), so child types, nested deployments and extension resources (role assignments
    and other Microsoft.Authorization types) are left out."""
    out: dict[str, set[str]] = {}
    for group in (g for g in action.groups if g.included(ctx)):
        types = {str(r.get("type", "")) for r in group.template(ctx).get("resources", []) if isinstance(r, Mapping)
                 and "scope" not in r}
        out.setdefault(group.resource_group(ctx), set()).update(
            t for t in types if t.count("/") == 1 and not t.lower().startswith(("microsoft.authorization/",
                                                                                 "microsoft.resources/")))
    return out


def group_outputs(outer: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Outer outputs (one object per group, ARM's ``{name: {type, value}}``) as plain values."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in outer.items():
        inner = value if isinstance(value, Mapping) else {}
        out[key] = {name: (v or {}).get("value") if isinstance(v, Mapping) else v for name, v in inner.items()}
    return out
