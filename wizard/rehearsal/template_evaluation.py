"""Turning an ARM template plus parameters into the concrete resources it would create.

The result (a ``Plan``) is what validate checks, what-if diffs and a deployment schedules.
Everything Azure would compute is computed here, once, at submission time; runtime
properties are deterministic, so ``reference()`` can already be answered for resources of
the same template (they are planned on demand, in dependency order)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from wizard.rehearsal.resource_ids import ResourceIdError, parse_resource_id, resource_id
from wizard.rehearsal.runtime_properties import enrich
from wizard.rehearsal.template_expressions import TemplateError
from wizard.rehearsal.template_functions import EvalContext, evaluate_value

Lookup = Callable[[str], "dict[str, Any] | None"]
BODY_KEYS = ("location", "sku", "zones", "tags", "kind", "identity", "properties", "plan")
DEPLOYMENT_TYPE = "microsoft.resources/deployments"
SECURE_TYPES = ("securestring", "secureobject")
PARAMETER_TYPES = {t.lower(): t for t in ("String", "SecureString", "Int", "Bool", "Object", "SecureObject", "Array")}


@dataclass(frozen=True)
class Scope:
    """Where a (possibly nested) deployment runs; ``resource_group`` None means subscription scope."""

    subscription_id: str
    tenant_id: str
    resource_group: dict[str, Any] | None
    deployment_name: str
    location: str | None = None


@dataclass
class PlannedResource:
    id: str
    type: str
    name: str
    declared: dict[str, Any]  # only what the template said (what-if compares these)
    state: dict[str, Any]  # the model resource once created (with runtime properties)
    depends_on: list[str] = field(default_factory=list)
    nested_in: str | None = None  # id of the nested deployment that declares it
    api_version: str | None = None
    target_group: str | None = None  # a nested deployment's resource group (None: the caller's scope)
    linked: bool = False  # a nested deployment whose template is linked (templateLink), not inline
    # A nested deployment's inputs that reference() resources this same deployment creates:
    # only known once the deployment runs, so ARM's preflight and what-if cannot expand it.
    runtime_inputs: list[str] = field(default_factory=list)
    parameters_echo: dict[str, Any] = field(default_factory=dict)  # a nested deployment's, secure values left out

    @property
    def location(self) -> str | None:
        loc = self.declared.get("location")
        return str(loc) if loc else None


@dataclass
class Plan:
    resources: list[PlannedResource]
    outputs: dict[str, dict[str, Any]]
    parameters: dict[str, dict[str, Any]]

    def by_id(self, rid: str) -> PlannedResource | None:
        key = rid.lower()
        return next((r for r in self.resources if r.id.lower() == key), None)


@dataclass
class _Instance:
    raw: dict[str, Any]
    ctx: EvalContext
    id: str
    type: str
    name: str
    loop: str | None
    parent_id: str | None = None
    planned: PlannedResource | None = None
    busy: bool = False


def resolve_parameters(template: dict[str, Any], provided: dict[str, Any],
                       ctx: EvalContext) -> dict[str, dict[str, Any]]:
    declared = template.get("parameters", {}) or {}
    lower = {k.lower(): k for k in declared}
    for name in provided:
        if name.lower() not in lower:
            raise TemplateError(f"The template parameters '{name}' in the parameters file are not valid; "
                                "they are not present in the original template and can therefore not be "
                                "provided at deployment time.")
    values: dict[str, dict[str, Any]] = {}
    for name, spec in declared.items():
        given = next((v for k, v in provided.items() if k.lower() == name.lower()), None)
        if given is not None:
            value = given.get("value") if isinstance(given, dict) else given
        elif "defaultValue" in spec:
            value = evaluate_value(spec["defaultValue"], ctx)
        else:
            raise TemplateError(f"Deployment template validation failed: 'The value for the template parameter "
                                f"'{name}' is not provided. Please see https://aka.ms/arm-create-parameter-file "
                                "for usage details.'.")
        allowed = spec.get("allowedValues")
        if allowed is not None and value not in allowed:
            raise TemplateError(f"Deployment template validation failed: 'The provided value '{value}' for the "
                                f"template parameter '{name}' is not valid. The parameter value is not part of "
                                f"the allowed value(s): '{','.join(map(str, allowed))}'.'.")
        ctx.parameters[name] = value
        kind = PARAMETER_TYPES.get(str(spec.get("type", "String")).lower(), str(spec.get("type", "String")))
        # ARM answers with the type's canonical spelling and never echoes a secure value.
        values[name] = {"type": kind} if kind.lower() in SECURE_TYPES else {"type": kind, "value": value}
    return values


class _Planner:
    def __init__(self, template: dict[str, Any], parameters: dict[str, Any], scope: Scope,
                 lookup: Lookup, depth: int = 0, outer_ctx: EvalContext | None = None,
                 existing: Lookup | None = None) -> None:
        if depth > 5:
            raise TemplateError("Nested deployments are deeper than the rehearsal supports (5).")
        self.template, self.scope, self.lookup, self.depth = template, scope, lookup, depth
        self.existing = existing or lookup  # what exists before the deployment (the model)
        self.ctx = outer_ctx or EvalContext(
            parameters={}, variables_raw=dict(template.get("variables", {}) or {}),
            subscription_id=scope.subscription_id, tenant_id=scope.tenant_id,
            resource_group=scope.resource_group, deployment_name=scope.deployment_name)
        self.ctx.reference = self._reference
        self.parameter_echo = {} if outer_ctx else resolve_parameters(template, parameters, self.ctx)
        self.instances: list[_Instance] = []
        self.loops: dict[str, list[str]] = {}
        self.skipped: set[str] = set()
        self.flat: list[PlannedResource] = []

    # -- expansion -----------------------------------------------------------------------
    def _rg_name(self) -> str | None:
        return self.scope.resource_group["name"] if self.scope.resource_group else None

    def _expand(self, raw: dict[str, Any], ctx: EvalContext, parent: _Instance | None) -> None:
        loop = raw.get("copy")
        contexts = [(ctx, None)]
        if isinstance(loop, dict):
            name = str(loop["name"])
            count = int(evaluate_value(loop["count"], ctx))
            contexts = [(ctx.with_copy(name, i), name) for i in range(count)]
            self.loops.setdefault(name.lower(), [])
        for ictx, loop_name in contexts:
            # ARM resolves every resource's type and name before anything is deployed, so
            # reference() may not appear in them ("not expected at this location"; ARM template
            # functions docs: only a resource's properties and the outputs may use it).
            named = replace(ictx, reference=None)
            rtype = str(evaluate_value(raw["type"], named))
            name = str(evaluate_value(raw["name"], named))
            if parent is not None and "/" not in rtype:  # a child declared inside its parent
                rtype = f"{parent.type}/{rtype}"
                name = f"{parent.name}/{name}"
            rid = self._id_for(raw, rtype, name, ictx)
            if loop_name:
                self.loops[loop_name.lower()].append(rid)
            if "condition" in raw and not evaluate_value(raw["condition"], ictx):
                self.skipped.add(rid.lower())
                continue
            inst = _Instance(raw, ictx, rid, rtype, name, loop_name, parent_id=parent.id if parent else None)
            self.instances.append(inst)
            for child in raw.get("resources", []) or []:
                self._expand(child, ictx, inst)

    def _id_for(self, raw: dict[str, Any], rtype: str, name: str, ctx: EvalContext) -> str:
        rg = self._rg_name()
        if raw.get("scope") and rtype.lower() != DEPLOYMENT_TYPE:
            # An extension resource (a role assignment, diagnostic settings) lives under the
            # resource it extends: its id is "<scope>/providers/<type>/<name>", as ARM forms it.
            scope = str(evaluate_value(raw["scope"], ctx)).rstrip("/")
            if scope.lower().startswith("/subscriptions/"):
                return f"{scope}/providers/{rtype}/{name}"
        if rtype.lower() == DEPLOYMENT_TYPE and raw.get("resourceGroup"):
            rg = str(evaluate_value(raw["resourceGroup"], ctx))
        try:
            return resource_id(self.scope.subscription_id, rg, rtype, name.split("/"))
        except ResourceIdError as exc:
            raise TemplateError(str(exc)) from exc

    # -- resolution ----------------------------------------------------------------------
    def _find_instance(self, ref: str) -> _Instance | None:
        key = ref.lower()
        for inst in self.instances:
            if inst.id.lower() == key:
                return inst
        for inst in self.instances:  # dependsOn may name a resource instead of its id
            if inst.name.lower() == key or f"{inst.type}/{inst.name}".lower() == key:
                return inst
        return None

    def _reference(self, target: str, full: bool) -> Any:
        inst = self._find_instance(target)
        state: dict[str, Any] | None
        if inst is not None:
            state = self._plan_instance(inst).state
        else:
            state = self.lookup(target)
        if state is None:
            try:
                parsed = parse_resource_id(target)
                where = f"under resource group '{parsed.resource_group}'" if parsed.resource_group else ""
                label = f"{parsed.resource_type}/{'/'.join(parsed.names)}"
            except ResourceIdError:
                where, label = "", target
            raise TemplateError(f"The Resource '{label}' {where} was not found. For more details please go to "
                                "https://aka.ms/ARMResourceNotFoundFix", code="ResourceNotFound", target=target)
        return copy.deepcopy(state) if full else copy.deepcopy(state.get("properties", {}))

    def _find_state(self, rid: str) -> dict[str, Any] | None:
        inst = self._find_instance(rid)
        if inst is not None:
            return self._plan_instance(inst).state
        return self.lookup(rid)

    def _depends_on(self, inst: _Instance) -> list[str]:
        deps: list[str] = []
        for entry in inst.raw.get("dependsOn", []) or []:
            ref = str(evaluate_value(entry, inst.ctx))
            if ref.lower() in self.loops:
                deps.extend(i for i in self.loops[ref.lower()] if i.lower() not in self.skipped)
                continue
            target = self._find_instance(ref)
            if target is not None:
                deps.append(target.id)
            elif ref.lower() not in self.skipped:
                # ARM orders only what the template itself deploys: a dependency on anything else
                # (an existing resource, or one another nested deployment makes) is refused.
                raise TemplateError(f"The resource '{ref}' is not defined in the template.",
                                    target=inst.id)
        return deps

    def _plan_instance(self, inst: _Instance) -> PlannedResource:
        if inst.planned is not None:
            return inst.planned
        if inst.busy:
            raise TemplateError(f"Circular dependency detected on resource: '{inst.id}'.", target=inst.id)
        inst.busy = True
        ctx = inst.ctx
        refs_before = len(ctx.referenced_ids)
        declared: dict[str, Any] = {}
        is_deployment = inst.type.lower() == DEPLOYMENT_TYPE
        for key in BODY_KEYS:
            if key not in inst.raw:
                continue
            if key == "properties" and is_deployment:
                props = {k: v for k, v in inst.raw["properties"].items() if k != "template"}
                declared[key] = evaluate_value(props, ctx)
                declared[key]["template"] = inst.raw["properties"].get("template")
            else:
                declared[key] = evaluate_value(inst.raw[key], ctx)
        if "location" not in declared and self.scope.resource_group and not is_deployment and "scope" not in inst.raw:
            declared.setdefault("location", self.scope.resource_group.get("location"))
        deps = self._depends_on(inst) + ([inst.parent_id] if inst.parent_id else [])
        deps += [r for r in ctx.referenced_ids[refs_before:] if self._find_instance(r) is not None]
        deps = list(dict.fromkeys(self._find_instance(d).id for d in deps if self._find_instance(d)))  # type: ignore[union-attr]
        name_tail = inst.name.split("/")[-1]
        state = {"id": inst.id, "name": name_tail, "type": inst.type}
        state.update({k: copy.deepcopy(v) for k, v in declared.items()})
        api_version = evaluate_value(inst.raw["apiVersion"], ctx) if "apiVersion" in inst.raw else None
        planned = PlannedResource(inst.id, inst.type, inst.name, declared, state, deps,
                                  api_version=str(api_version) if api_version else None)
        if is_deployment:
            planned.runtime_inputs = [r for r in dict.fromkeys(ctx.referenced_ids[refs_before:])
                                      if self._find_instance(r) is not None and self.existing(r) is None]
        if is_deployment:
            self._plan_nested(inst, planned)
        planned.state = enrich(planned.state, self._find_state)
        inst.planned = planned
        inst.busy = False
        self.flat.append(planned)
        return planned

    def _plan_nested(self, inst: _Instance, planned: PlannedResource) -> None:
        props = planned.declared.get("properties", {})
        inner_template = props.get("template")
        if not isinstance(inner_template, dict):
            planned.linked = True  # templateLink: the rehearsal cannot fetch linked templates
            return
        rg_name = inst.raw.get("resourceGroup")
        rg = self.scope.resource_group
        if rg_name:
            rg_name = str(evaluate_value(rg_name, inst.ctx))
            planned.target_group = rg_name
            state = self._find_state(resource_id(self.scope.subscription_id, None,
                                                 "Microsoft.Resources/resourceGroups", [rg_name]))
            rg = {"name": rg_name, "location": (state or {}).get("location", self.scope.location),
                  "id": f"/subscriptions/{self.scope.subscription_id}/resourceGroups/{rg_name}"}
        scope = Scope(self.scope.subscription_id, self.scope.tenant_id, rg, inst.name.split("/")[-1],
                      self.scope.location)
        inner_scope = str((props.get("expressionEvaluationOptions") or {}).get("scope", "outer")).lower()
        lookup = self._find_state
        if inner_scope == "inner":
            child = _Planner(inner_template, props.get("parameters", {}) or {}, scope, lookup, self.depth + 1,
                             existing=self.existing)
        else:
            shared = EvalContext(parameters=self.ctx.parameters, variables_raw=self.ctx.variables_raw,
                                 subscription_id=scope.subscription_id, tenant_id=scope.tenant_id,
                                 resource_group=rg, deployment_name=scope.deployment_name)
            child = _Planner(inner_template, {}, scope, lookup, self.depth + 1, outer_ctx=shared,
                             existing=self.existing)
        inner = child.run()
        for res in inner.resources:
            res.nested_in = res.nested_in or inst.id
            res.depends_on = list(dict.fromkeys(res.depends_on + planned.depends_on))
        self.flat.extend(inner.resources)
        planned.depends_on = list(dict.fromkeys(planned.depends_on + [r.id for r in inner.resources]))
        planned.state["properties"] = {"mode": props.get("mode", "Incremental"), "provisioningState": "Succeeded"}
        if inner.outputs:  # ARM has no 'outputs' at all for a template that declares none
            planned.state["properties"]["outputs"] = inner.outputs
        planned.parameters_echo = inner.parameters
        # What is kept of the nested deployment: never its evaluated parameters, which may be secure.
        planned.declared["properties"] = {k: v for k, v in props.items() if k not in ("template", "parameters")}

    def run(self) -> Plan:
        for raw in self.template.get("resources", []) or []:
            if not isinstance(raw, dict):
                raise TemplateError("The template resource definitions must be objects.")
            self._expand(raw, self.ctx, None)
        for inst in self.instances:
            self._plan_instance(inst)
        outputs: dict[str, dict[str, Any]] = {}
        for name, spec in (self.template.get("outputs", {}) or {}).items():
            if "condition" in spec and not evaluate_value(spec["condition"], self.ctx):
                continue
            outputs[name] = {"type": spec.get("type", "String"), "value": evaluate_value(spec.get("value"), self.ctx)}
        return Plan(self.flat, outputs, self.parameter_echo)


def plan_template(template: dict[str, Any], parameters: dict[str, Any] | None, scope: Scope,
                  lookup: Lookup) -> Plan:
    """Evaluate ``template``; raises TemplateError (with an ARM code) when Azure would reject it."""
    if not isinstance(template, dict) or "resources" not in template:
        raise TemplateError("The request content was invalid: the template must be an object with "
                            "'resources'.", code="InvalidRequestContent")
    return _Planner(template, dict(parameters or {}), scope, lookup).run()
