"""ARM deployment calls through the real SDK (azure-mgmt-resource-deployments).

Every function works on the REST-shaped JSON of the SDK's hybrid models (``as_dict()``),
which is the shape ARM documents and the shape the audit log records."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping

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


def _call(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except AzureCallFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - every SDK/network error becomes an AzureFailure
        raise AzureCallFailed(from_exception(exc, what)) from exc


def _body(template: Mapping[str, Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    return {"properties": {"mode": "Incremental", "template": template,
                           "parameters": {k: {"value": v} for k, v in parameters.items()}}}


def ensure_resource_group(azure: AzureContext, name: str, location: str, tags: Mapping[str, str]) -> bool:
    """Create the group if missing. Returns True when it was created now."""
    rg_client = azure.resources().resource_groups
    exists = _call(name, rg_client.check_existence, name)
    if not exists:
        _call(name, rg_client.create_or_update, name, {"location": location, "tags": dict(tags)})
    return not exists


def validate(azure: AzureContext, rg: str, name: str, template: Mapping[str, Any],
             parameters: Mapping[str, Any]) -> None:
    poller = _call(name, azure.deployments().deployments.begin_validate, rg, name, _body(template, parameters))
    result = _call(name, poller.result).as_dict()
    error = result.get("error") or (result.get("properties") or {}).get("error")
    if error:
        raise AzureCallFailed(from_error_body({"error": error}, name))


def what_if(azure: AzureContext, rg: str, name: str, template: Mapping[str, Any],
            parameters: Mapping[str, Any]) -> tuple[PlannedChange, ...]:
    poller = _call(name, azure.deployments().deployments.begin_what_if, rg, name, _body(template, parameters))
    result = _call(name, poller.result).as_dict()
    if result.get("error"):
        raise AzureCallFailed(from_error_body({"error": result["error"]}, name))
    changes = (result.get("properties") or {}).get("changes") or result.get("changes") or []
    return tuple(_planned(change) for change in changes)


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


def _planned(change: Mapping[str, Any]) -> PlannedChange:
    rid = str(change.get("resourceId", ""))
    parts = rid.split("/providers/")[-1].split("/") if "/providers/" in rid else []
    types = [parts[0]] + [parts[i] for i in range(1, len(parts), 2)] if parts else []
    rtype = "/".join(types)
    return PlannedChange(change_type=str(change.get("changeType", "Unsupported")), resource_id=rid,
                         resource_type=rtype, name=rid.rsplit("/", 1)[-1],
                         deltas=tuple(_flatten_deltas(list(change.get("delta") or []))))


def submit(azure: AzureContext, rg: str, name: str, template: Mapping[str, Any],
           parameters: Mapping[str, Any]) -> None:
    """Send the PUT only; progress is followed by ``status``/``operations`` so a restarted
    wizard follows the same deployment the same way (re-attach)."""
    _call(name, azure.deployments().deployments.begin_create_or_update, rg, name,
          _body(template, parameters), polling=False)


@dataclass(frozen=True)
class DeploymentStatus:
    state: str
    id: str
    correlation_id: str
    duration: str
    outputs: dict[str, Any]
    failure: AzureFailure | None


def status(azure: AzureContext, rg: str, name: str) -> DeploymentStatus | None:
    """The deployment as ARM sees it, or None when ARM has never heard of it."""
    deployments = azure.deployments().deployments
    if not _call(name, deployments.check_existence, rg, name):
        return None
    body = _call(name, deployments.get, rg, name).as_dict()
    props = body.get("properties") or {}
    error = props.get("error")
    outputs = {k: (v or {}).get("value") for k, v in (props.get("outputs") or {}).items()}
    return DeploymentStatus(
        state=str(props.get("provisioningState", "Unknown")), id=str(body.get("id", "")),
        correlation_id=str(props.get("correlationId", "")), duration=str(props.get("duration", "")),
        outputs=outputs,
        failure=from_error_body({"error": error}, name, correlation_id=str(props.get("correlationId", "")))
        if error else None,
    )


def operations(azure: AzureContext, rg: str, name: str) -> tuple[OperationState, ...]:
    ops = _call(name, lambda: list(azure.deployments().deployment_operations.list(rg, name)))
    out: list[OperationState] = []
    for op in ops:
        props = op.as_dict().get("properties") or {}
        target = props.get("targetResource") or {}
        if not target:
            continue
        message = props.get("statusMessage") or {}
        error = message.get("error") if isinstance(message, Mapping) else None
        out.append(OperationState(
            resource_type=str(target.get("resourceType", "")), resource_name=str(target.get("resourceName", "")),
            state=str(props.get("provisioningState", "")), duration_s=_iso_duration(str(props.get("duration", ""))),
            error=_operation_error(error) if isinstance(error, Mapping) else "",
        ))
    return tuple(sorted(out, key=lambda o: (o.resource_type, o.resource_name)))


def _operation_error(error: Mapping[str, Any]) -> str:
    """ARM wraps a resource's real error in ResourceDeploymentFailure; show the innermost."""
    inner = from_error_body({"error": error}).innermost()
    return f"{inner.code}: {inner.message}"


def _iso_duration(text: str) -> float:
    """Parse ARM's ISO-8601 durations like PT1M2.5S (days never occur for one resource)."""
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
