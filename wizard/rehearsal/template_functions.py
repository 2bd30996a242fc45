"""What ARM template functions mean, and walking a JSON value to evaluate its expressions.

Only the functions the baseline templates and lessons use are here. An unknown function is
an ``InvalidTemplate`` error naming it, so a template that would fail in Azure fails in
rehearsal too rather than silently producing nonsense."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from wizard.rehearsal.resource_ids import ResourceIdError, resource_id
from wizard.rehearsal.template_expressions import (Call, Literal, Member, Node, TemplateError,
                                                    is_expression, parse_expression, unescape_literal)

ReferenceResolver = Callable[[str, bool], Any]


@dataclass
class EvalContext:
    """Everything an expression may read. Copied (not mutated) for each copy-loop iteration."""

    parameters: dict[str, Any]
    variables_raw: dict[str, Any]
    subscription_id: str
    tenant_id: str
    resource_group: dict[str, Any] | None
    deployment_name: str
    reference: ReferenceResolver | None = None
    copy_indices: dict[str, int] = field(default_factory=dict)
    current_loop: str | None = None
    variables_cache: dict[str, Any] = field(default_factory=dict)
    referenced_ids: list[str] = field(default_factory=list)

    def with_copy(self, loop: str, index: int) -> "EvalContext":
        indices = dict(self.copy_indices)
        indices[loop] = index
        return replace(self, copy_indices=indices, current_loop=loop)


def _fn_parameters(ctx: EvalContext, args: list[Any]) -> Any:
    name = str(args[0])
    for key, value in ctx.parameters.items():
        if key.lower() == name.lower():
            return value
    raise TemplateError(f"The template parameter '{name}' is not found.")


def _fn_variables(ctx: EvalContext, args: list[Any]) -> Any:
    name = str(args[0])
    for key in ctx.variables_raw:
        if key.lower() == name.lower():
            if key not in ctx.variables_cache:
                ctx.variables_cache[key] = evaluate_value(ctx.variables_raw[key], ctx)
            return ctx.variables_cache[key]
    raise TemplateError(f"The template variable '{name}' is not found.")


def _split_scope_args(args: list[Any]) -> tuple[list[str], str, list[str]]:
    strs = [str(a) for a in args]
    for i, value in enumerate(strs):
        if "/" in value and "." in value.split("/")[0]:
            return strs[:i], value, strs[i + 1:]
    raise TemplateError("Unable to evaluate template language function 'resourceId': no resource type given.")


def _fn_resource_id(ctx: EvalContext, args: list[Any]) -> str:
    scope, rtype, names = _split_scope_args(args)
    sub = ctx.subscription_id
    rg = ctx.resource_group["name"] if ctx.resource_group else None
    if len(scope) == 1:
        rg = scope[0]
    elif len(scope) >= 2:
        sub, rg = scope[0], scope[1]
    try:
        return resource_id(sub, rg, rtype, names)
    except ResourceIdError as exc:
        raise TemplateError(str(exc)) from exc


def _fn_subscription_resource_id(ctx: EvalContext, args: list[Any]) -> str:
    scope, rtype, names = _split_scope_args(args)
    sub = scope[0] if scope else ctx.subscription_id
    try:
        return resource_id(sub, None, rtype, names)
    except ResourceIdError as exc:
        raise TemplateError(str(exc)) from exc


def _fn_extension_resource_id(ctx: EvalContext, args: list[Any]) -> str:
    base, rtype, names = str(args[0]), str(args[1]), [str(a) for a in args[2:]]
    namespace, types = rtype.split("/")[0], rtype.split("/")[1:]
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names))
    return f"{base}/providers/{namespace}/{path}"


def _fn_unique_string(ctx: EvalContext, args: list[Any]) -> str:
    digest = hashlib.sha256("|".join(str(a) for a in args).encode()).digest()
    return base64.b32encode(digest).decode().lower()[:13]


def _fn_guid(ctx: EvalContext, args: list[Any]) -> str:
    digest = hashlib.sha256("|".join(str(a) for a in args).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def _fn_format(ctx: EvalContext, args: list[Any]) -> str:
    text = str(args[0])
    values = [_to_string(a) for a in args[1:]]
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "{" and i + 1 < len(text) and text[i + 1] == "{":
            out.append("{"); i += 2; continue
        if ch == "}" and i + 1 < len(text) and text[i + 1] == "}":
            out.append("}"); i += 2; continue
        if ch == "{":
            end = text.index("}", i)
            index = int(text[i + 1:end].split(":")[0].split(",")[0])
            out.append(values[index]); i = end + 1; continue
        out.append(ch); i += 1
    return "".join(out)


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else str(value)


def _fn_concat(ctx: EvalContext, args: list[Any]) -> Any:
    if args and all(isinstance(a, list) for a in args):
        return [item for a in args for item in a]
    return "".join(_to_string(a) for a in args)


def _fn_union(ctx: EvalContext, args: list[Any]) -> Any:
    if all(isinstance(a, dict) for a in args):
        out: dict[str, Any] = {}
        for a in args:
            out.update(copy.deepcopy(a))
        return out
    items: list[Any] = []
    for a in args:
        for item in a:
            if item not in items:
                items.append(item)
    return items


def _fn_copy_index(ctx: EvalContext, args: list[Any]) -> int:
    loop: str | None = ctx.current_loop
    offset = 0
    if args and isinstance(args[0], str):
        loop = args[0]
        offset = int(args[1]) if len(args) > 1 else 0
    elif args:
        offset = int(args[0])
    if loop is None:
        raise TemplateError("The template function 'copyIndex' is not expected at this location.")
    for key, value in ctx.copy_indices.items():
        if key.lower() == loop.lower():
            return value + offset
    raise TemplateError(f"The template function 'copyIndex' refers to an unknown copy loop '{loop}'.")


def _fn_reference(ctx: EvalContext, args: list[Any]) -> Any:
    target = str(args[0])
    full = len(args) > 2 and str(args[2]).lower() == "full"
    if "/" not in target:
        raise TemplateError(f"The template reference '{target}' is not valid: use a resource id.")
    ctx.referenced_ids.append(target)
    if ctx.reference is None:
        raise TemplateError("The template function 'reference' is not expected at this location.")
    return ctx.reference(target, full)


def _fn_resource_group(ctx: EvalContext, args: list[Any]) -> Any:
    if ctx.resource_group is None:
        raise TemplateError("The template function 'resourceGroup' is not expected at subscription scope.")
    return dict(ctx.resource_group)


def _fn_subscription(ctx: EvalContext, args: list[Any]) -> Any:
    return {"id": f"/subscriptions/{ctx.subscription_id}", "subscriptionId": ctx.subscription_id,
            "tenantId": ctx.tenant_id, "displayName": "Rehearsal Subscription"}


def _fn_length(ctx: EvalContext, args: list[Any]) -> int:
    return len(args[0]) if args[0] is not None else 0


def _fn_contains(ctx: EvalContext, args: list[Any]) -> bool:
    container, item = args[0], args[1]
    if isinstance(container, dict):
        return any(str(k).lower() == str(item).lower() for k in container)
    if isinstance(container, str):
        return str(item).lower() in container.lower()
    return item in container


def _fn_empty(ctx: EvalContext, args: list[Any]) -> bool:
    return args[0] is None or (hasattr(args[0], "__len__") and len(args[0]) == 0)


def _fn_equals(ctx: EvalContext, args: list[Any]) -> bool:
    return bool(args[0] == args[1])


def _fn_create_object(ctx: EvalContext, args: list[Any]) -> dict[str, Any]:
    if len(args) % 2:
        raise TemplateError("The template function 'createObject' needs an even number of arguments.")
    return {str(args[i]): args[i + 1] for i in range(0, len(args), 2)}


FUNCTIONS: dict[str, Callable[[EvalContext, list[Any]], Any]] = {
    "parameters": _fn_parameters,
    "variables": _fn_variables,
    "resourceid": _fn_resource_id,
    "subscriptionresourceid": _fn_subscription_resource_id,
    "extensionresourceid": _fn_extension_resource_id,
    "tenantresourceid": lambda c, a: "/providers/" + "/".join(
        [str(a[0])] + [str(x) for x in a[1:]]),
    "concat": _fn_concat,
    "format": _fn_format,
    "string": lambda c, a: _to_string(a[0]),
    "int": lambda c, a: int(a[0]),
    "bool": lambda c, a: a[0] if isinstance(a[0], bool) else str(a[0]).lower() == "true",
    "json": lambda c, a: json.loads(a[0]),
    "tolower": lambda c, a: str(a[0]).lower(),
    "toupper": lambda c, a: str(a[0]).upper(),
    "trim": lambda c, a: str(a[0]).strip(),
    "replace": lambda c, a: str(a[0]).replace(str(a[1]), str(a[2])),
    "split": lambda c, a: str(a[0]).split(str(a[1]) if not isinstance(a[1], list) else a[1][0]),
    "substring": lambda c, a: str(a[0])[int(a[1]):(int(a[1]) + int(a[2])) if len(a) > 2 else None],
    "startswith": lambda c, a: str(a[0]).lower().startswith(str(a[1]).lower()),
    "endswith": lambda c, a: str(a[0]).lower().endswith(str(a[1]).lower()),
    "equals": _fn_equals,
    "not": lambda c, a: not a[0],
    "and": lambda c, a: all(a),
    "or": lambda c, a: any(a),
    "empty": _fn_empty,
    "length": _fn_length,
    "contains": _fn_contains,
    "first": lambda c, a: a[0][0] if a[0] else None,
    "last": lambda c, a: a[0][-1] if a[0] else None,
    "skip": lambda c, a: a[0][int(a[1]):],
    "take": lambda c, a: a[0][:int(a[1])],
    "range": lambda c, a: list(range(int(a[0]), int(a[0]) + int(a[1]))),
    "coalesce": lambda c, a: next((x for x in a if x is not None), None),
    "createarray": lambda c, a: list(a),
    "array": lambda c, a: a[0] if isinstance(a[0], list) else [a[0]],
    "createobject": _fn_create_object,
    "union": _fn_union,
    "min": lambda c, a: min(a[0] if len(a) == 1 and isinstance(a[0], list) else a),
    "max": lambda c, a: max(a[0] if len(a) == 1 and isinstance(a[0], list) else a),
    "add": lambda c, a: int(a[0]) + int(a[1]),
    "sub": lambda c, a: int(a[0]) - int(a[1]),
    "mul": lambda c, a: int(a[0]) * int(a[1]),
    "div": lambda c, a: int(a[0]) // int(a[1]),
    "mod": lambda c, a: int(a[0]) % int(a[1]),
    "less": lambda c, a: a[0] < a[1],
    "greater": lambda c, a: a[0] > a[1],
    "lessorequals": lambda c, a: a[0] <= a[1],
    "greaterorequals": lambda c, a: a[0] >= a[1],
    "true": lambda c, a: True,
    "false": lambda c, a: False,
    "null": lambda c, a: None,
    "uniquestring": _fn_unique_string,
    "guid": _fn_guid,
    "base64": lambda c, a: base64.b64encode(str(a[0]).encode()).decode(),
    "utcnow": lambda c, a: dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
    "resourcegroup": _fn_resource_group,
    "subscription": _fn_subscription,
    "tenant": lambda c, a: {"tenantId": c.tenant_id, "id": f"/tenants/{c.tenant_id}"},
    "deployment": lambda c, a: {"name": c.deployment_name, "properties": {}},
    "environment": lambda c, a: {"name": "AzureCloud", "suffixes": {"storage": "core.windows.net",
                                                                   "keyvaultDns": ".vault.azure.net"}},
    "copyindex": _fn_copy_index,
    "reference": _fn_reference,
}


def evaluate_node(node: Node, ctx: EvalContext) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Member):
        base = evaluate_node(node.base, ctx)
        key = evaluate_node(node.key, ctx)
        return _member(base, key)
    name = node.name.lower()
    if name == "if":  # lazy, so the untaken branch may reference things that do not exist
        if len(node.args) != 3:
            raise TemplateError("The template function 'if' expects 3 arguments.")
        return evaluate_node(node.args[1] if evaluate_node(node.args[0], ctx) else node.args[2], ctx)
    fn = FUNCTIONS.get(name)
    if fn is None:
        raise TemplateError(f"The template function '{node.name}' is not valid. Please see "
                            "https://aka.ms/arm-functions for usage details.")
    args = [evaluate_node(a, ctx) for a in node.args]
    try:
        return fn(ctx, args)
    except TemplateError:
        raise
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        raise TemplateError(f"Unable to evaluate template language function '{node.name}': {exc}.") from exc


def _member(base: Any, key: Any) -> Any:
    if isinstance(base, dict):
        for k, v in base.items():
            if str(k).lower() == str(key).lower():
                return v
        raise TemplateError(f"The language expression property '{key}' doesn't exist, available properties "
                            f"are '{', '.join(base)}'.")
    if isinstance(base, list) and isinstance(key, int):
        if not -len(base) <= key < len(base):
            raise TemplateError(f"The language expression array index '{key}' is out of bounds.")
        return base[key]
    raise TemplateError(f"The language expression property '{key}' cannot be evaluated.")


def evaluate_string(text: str, ctx: EvalContext) -> Any:
    if is_expression(text):
        return evaluate_node(parse_expression(text[1:-1]), ctx)
    return unescape_literal(text)


def evaluate_value(value: Any, ctx: EvalContext) -> Any:
    """Evaluate every expression inside a JSON value, expanding property-level ``copy``."""
    if isinstance(value, str):
        return evaluate_string(value, ctx)
    if isinstance(value, list):
        return [evaluate_value(v, ctx) for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        loops = value.get("copy")
        for key, item in value.items():
            if key == "copy" and isinstance(loops, list):
                continue
            # ARM evaluates expression keys too: a user-assigned identity is keyed by its id
            # ("[resourceId(...)]": {}), as Bicep compiles '${identity.id}'.
            name = str(evaluate_string(key, ctx)) if is_expression(key) else key
            out[name] = evaluate_value(item, ctx)
        if isinstance(loops, list):
            for loop in loops:
                name = str(loop["name"])
                count = int(evaluate_value(loop["count"], ctx))
                out[name] = [evaluate_value(loop["input"], ctx.with_copy(name, i)) for i in range(count)]
        return out
    return value
