"""ARM deployment calls through the real SDK (azure-mgmt-resource-deployments).

Every function works on the REST-shaped JSON of the SDK's hybrid models (``as_dict()``),
which is the shape ARM documents and the shape the audit log records."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from wizard.azure.context import AzureContext
from wizard.azure.errors import AzureFailure, from_error_body, from_exception
from wizard.engine.contract import PlannedChange, PropertyDelta
from wizard.engine.events import OperationState


class AzureCallFailed(Exception):
    """Raised with a parsed ``AzureFailure`` so callers never handle SDK exceptions."""

    def __init__(self, failure: AzureFailure) -> None:
        super().__init__("; ".join(failure.lines()))
        self.failure = failure


def sha256_json(obj: Any) -> str:
    canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def call(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the SDK; any SDK or network error comes back as AzureCallFailed (one shape)."""
    return _call(what, fn, *args, **kwargs)


def _call(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except AzureCallFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - every SDK/network error becomes an AzureFailure
        raise AzureCallFailed(from_exception(exc, what)) from exc


def _body(location: str, template: Mapping[str, Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    return {"location": location,
            "properties": {"mode": "Incremental", "template": template,
                           "parameters": {k: {"value": v} for k, v in parameters.items()}}}


@dataclass(frozen=True)
class Validated:
    """What preflight said beyond pass/fail: its diagnostics (e.g. nested deployments it
    skipped because their resource group does not exist yet) and its correlation id."""

    diagnostics: tuple[str, ...]
    correlation_id: str


def _correlated(correlation_id: str) -> dict[str, Any]:
    """The header that makes ARM file a request under the wizard's own correlation id."""
    return {"headers": {"x-ms-correlation-request-id": correlation_id}} if correlation_id else {}


def validate(azure: AzureContext, location: str, name: str, template: Mapping[str, Any],
             parameters: Mapping[str, Any], correlation_id: str = "") -> Validated:
    deployments = azure.deployments().deployments
    poller = _call(name, deployments.begin_validate_at_subscription_scope, name, _body(location, template, parameters),
                   **_correlated(correlation_id))
    result = _call(name, poller.result).as_dict()
    props = result.get("properties") or {}
    error = result.get("error") or props.get("error")
    if error:
        raise AzureCallFailed(from_error_body({"error": error}, name,
                                              correlation_id=str(props.get("correlationId", ""))))
    notes = tuple(f"{d.get('code')}: {d.get('message')}" for d in props.get("diagnostics") or [])
    return Validated(notes, str(props.get("correlationId", "")))


def what_if(azure: AzureContext, location: str, name: str, template: Mapping[str, Any],
            parameters: Mapping[str, Any], correlation_id: str = ""
            ) -> tuple[tuple[PlannedChange, ...], tuple[str, ...]]:
    """The predicted changes, and what-if's diagnostics (what it could not expand)."""
    deployments = azure.deployments().deployments
    poller = _call(name, deployments.begin_what_if_at_subscription_scope, name, _body(location, template, parameters),
                   **_correlated(correlation_id))
    result = _call(name, poller.result).as_dict()
    if result.get("error"):  # ARM answers 200 with status Failed: the template, not the call, failed
        raise AzureCallFailed(from_error_body({"error": result["error"]}, name))
    props = result.get("properties") or {}
    changes = props.get("changes") or result.get("changes") or []
    notes = tuple(f"{d.get('code')}: {d.get('message')}" for d in props.get("diagnostics") or [])
    return tuple(_planned(change) for change in changes), notes


def _flatten_deltas(deltas: list[Mapping[str, Any]], prefix: str = "") -> list[PropertyDelta]:
    out: list[PropertyDelta] = []
    for delta in deltas or []:
        path = f"{prefix}.{delta.get('path')}" if prefix else str(delta.get("path", ""))
        if delta.get("children"):
            out.extend(_flatten_deltas(delta["children"], path))
        else:
            out.append(PropertyDelta(path, str(delta.get("propertyChangeType", "Modify")),
                                     delta.get("before"), delta.get("after")))
    return out


def resource_type_of(rid: str) -> str:
    """``/subscriptions/s/resourceGroups/g/providers/A.B/x/n/y/m`` -> ``A.B/x/y``."""
    if "/providers/" not in rid:
        return "Microsoft.Resources/resourceGroups" if "/resourcegroups/" in rid.lower() else ""
    parts = rid.rsplit("/providers/", 1)[1].split("/")
    return "/".join([parts[0]] + [parts[i] for i in range(1, len(parts), 2)])


def _display_name(change: Mapping[str, Any]) -> str:
    """Policy definitions and assignments, role definitions and role assignments are named by
    GUIDs; their displayName, roleName or description is what a reader recognises (what-if
    carries it in ``after``, or ``before`` for a Delete)."""
    body = change.get("after") or change.get("before") or {}
    props = body.get("properties") if isinstance(body, Mapping) else None
    if not isinstance(props, Mapping):
        return ""
    # A description's first clause names it ("AcrPull for the kubelet identity: why…").
    return str(props.get("displayName") or props.get("roleName") or
               str(props.get("description") or "").split(": ", 1)[0] or "")


def _planned(change: Mapping[str, Any]) -> PlannedChange:
    rid = str(change.get("resourceId", ""))
    return PlannedChange(change_type=str(change.get("changeType", "Unsupported")), resource_id=rid,
                         resource_type=resource_type_of(rid), name=rid.rsplit("/", 1)[-1],
                         deltas=tuple(_flatten_deltas(list(change.get("delta") or []))),
                         reason=str(change.get("unsupportedReason") or ""), label=_display_name(change))


def submit(azure: AzureContext, location: str, name: str, template: Mapping[str, Any],
           parameters: Mapping[str, Any], correlation_id: str) -> None:
    """Send the PUT only, under a correlation id the wizard chose and saved first: ARM stamps
    it on the deployment, so a resumed wizard re-attaches only to the deployment it submitted
    (not to an older one of the same name). Progress is followed by ``status``/``operations``."""
    _call(name, azure.deployments().deployments.begin_create_or_update_at_subscription_scope, name,
          _body(location, template, parameters), polling=False, **_correlated(correlation_id))


@dataclass(frozen=True)
class DeploymentStatus:
    state: str
    id: str
    correlation_id: str
    duration: str
    outputs: dict[str, Any]
    failure: AzureFailure | None
    output_resources: tuple[str, ...] = ()


def status(azure: AzureContext, name: str) -> DeploymentStatus | None:
    """The subscription-scoped deployment as ARM sees it, or None when ARM never heard of it."""
    deployments = azure.deployments().deployments
    try:  # one GET (not HEAD then GET, which races a deployment being created)
        body = _call(name, deployments.get_at_subscription_scope, name).as_dict()
    except AzureCallFailed as exc:
        if exc.failure.status == 404:
            return None
        raise
    props = body.get("properties") or {}
    error = props.get("error")
    outputs = {k: (v or {}).get("value") for k, v in (props.get("outputs") or {}).items()}
    correlation = str(props.get("correlationId", "") or "")
    return DeploymentStatus(
        state=str(props.get("provisioningState", "Unknown")), id=str(body.get("id", "")),
        correlation_id=correlation, duration=str(props.get("duration", "")), outputs=outputs,
        failure=from_error_body({"error": error}, name, correlation_id=correlation) if error else None,
        output_resources=tuple(str(r.get("id", "")) for r in props.get("outputResources") or []),
    )


def operations(azure: AzureContext, name: str) -> tuple[OperationState, ...]:
    """Every resource operation of the deployment (its resource groups included), following
    nested deployments into their groups: a Bicep module's resources are its operations."""
    ops = azure.deployments().deployment_operations
    top = _call(name, lambda: list(ops.list_at_subscription_scope(name)))
    found = _resource_ops(azure, top, [])
    return tuple(sorted(found, key=lambda o: (o.resource_type, o.resource_name)))


def nested_deployments(azure: AzureContext, name: str) -> list[tuple[str, str]]:
    """(resource group, name) of each nested deployment that has started."""
    ops = azure.deployments().deployment_operations
    top = _call(name, lambda: list(ops.list_at_subscription_scope(name)))
    nested: list[tuple[str, str]] = []
    _resource_ops(azure, top, nested)
    return nested


def _group_of(rid: str) -> str:
    parts = rid.split("/")
    lowered = [p.lower() for p in parts]
    return parts[lowered.index("resourcegroups") + 1] if "resourcegroups" in lowered[:-1] else ""


def _resource_ops(azure: AzureContext, listed: list[Any], nested: list[tuple[str, str]],
                  depth: int = 0) -> list[OperationState]:
    out: list[OperationState] = []
    ops = azure.deployments().deployment_operations
    for op in listed:
        props = op.as_dict().get("properties") or {}
        target = props.get("targetResource") or {}
        if not target:
            continue
        rtype = str(target.get("resourceType", ""))
        rid = str(target.get("id", ""))
        if rtype.lower() == "microsoft.resources/deployments" and depth < 5:
            group, inner_name = _group_of(rid), str(target.get("resourceName", "")).rsplit("/", 1)[-1]
            if group:
                nested.append((group, inner_name))
                out.extend(_resource_ops(azure, _nested_ops(azure, group, inner_name), nested, depth + 1))
            continue
        message = props.get("statusMessage") or {}
        error = message.get("error") if isinstance(message, Mapping) else None
        out.append(OperationState(
            resource_type=rtype, resource_name=str(target.get("resourceName", "")),
            state=str(props.get("provisioningState", "")), duration_s=iso_duration_s(str(props.get("duration", ""))),
            error=_operation_error(error) if isinstance(error, Mapping) else "", resource_id=rid,
        ))
    return out


def _nested_ops(azure: AzureContext, group: str, name: str) -> list[Any]:
    """A nested deployment's operations; none yet (404) right after ARM starts it."""
    ops = azure.deployments().deployment_operations
    try:
        return list(_call(name, lambda: list(ops.list(group, name))))
    except AzureCallFailed as exc:
        if exc.failure.status == 404:
            return []
        raise


def nested_output_resources(azure: AzureContext, name: str) -> tuple[str, ...]:
    """Resource ids the nested deployments report, so the record of what a step made does not
    depend on whether the top deployment's outputResources lists module resources."""
    deployments = azure.deployments().deployments
    out: list[str] = []
    for group, nested in nested_deployments(azure, name):
        body = _call(nested, deployments.get, group, nested).as_dict()
        out.extend(str(r.get("id", "")) for r in (body.get("properties") or {}).get("outputResources") or [])
    return tuple(out)


def _operation_error(error: Mapping[str, Any]) -> str:
    """ARM wraps a resource's real error in ResourceDeploymentFailure; show the innermost."""
    inner = from_error_body({"error": error}).innermost()
    return f"{inner.code}: {inner.message}"


def iso_duration_s(text: str) -> float:
    """Parse ARM's ISO-8601 durations like PT1M2.5S (days never occur for one deployment)."""
    if not text.startswith("PT"):
        return 0.0
    total, number = 0.0, ""
    for ch in text[2:]:
        if ch.isdigit() or ch == ".":
            number += ch
        else:
            total += float(number or 0) * {"H": 3600, "M": 60, "S": 1}.get(ch, 0)
            number = ""
    return total
