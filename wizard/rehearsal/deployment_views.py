"""How a stored deployment record looks to the SDK: DeploymentExtended, operations, status.

One record holds the whole schedule of a submission, nested deployments included (each
entry knows the nested deployment that declares it). A nested deployment is shown as ARM
shows a Bicep module: a deployment of its own, in its resource group, listed and readable
from the moment it starts, whose operations are the resources it declares. A ``View`` is
either the submitted deployment or one of its nested deployments."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from wizard.rehearsal import deployment_schedule as sched
from wizard.rehearsal.template_evaluation import DEPLOYMENT_TYPE

FAILED_MESSAGE = ("At least one resource deployment operation failed. Please list deployment operations for "
                  "details. Please see https://aka.ms/arm-deployment-operations for usage details.")


@dataclass(frozen=True)
class View:
    record: dict[str, Any]  # the submitted deployment's record
    entry: dict[str, Any] | None = None  # the nested deployment's schedule entry; None for the top

    @property
    def id(self) -> str:
        return str(self.entry["id"] if self.entry else self.record["id"])

    @property
    def name(self) -> str:
        return str(self.entry["name"].split("/")[-1] if self.entry else self.record["name"])

    @property
    def key(self) -> str | None:
        return self.entry["id"].lower() if self.entry else None


def elapsed_azure(record: dict[str, Any], now: float | None = None) -> float:
    return ((time.time() if now is None else now) - record["startWall"]) * record["pace"]


def _children(view: View) -> list[dict[str, Any]]:
    key = view.key
    return [e for e in view.record["schedule"] if (e.get("nested_in") or "").lower() == (key or "")
            or (key is None and not e.get("nested_in"))]


def _descendants(view: View) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in _children(view):
        out.append(entry)
        if entry["type"].lower() == DEPLOYMENT_TYPE:
            out.extend(_descendants(View(view.record, entry)))
    return out


def entry_states(record: dict[str, Any], elapsed: float | None = None) -> dict[str, str]:
    """State of every started entry (lower-case id -> Running/Succeeded/Failed). A nested
    deployment runs from its first resource's start until its own entry completes, and has
    failed once a resource inside it failed and nothing inside it still runs."""
    when = elapsed_azure(record) if elapsed is None else elapsed
    states = {e["id"].lower(): s for e, s in sched.resource_states(record["schedule"], when)}
    for entry in record["schedule"]:  # the planner lists inner deployments before those holding them
        if entry["type"].lower() != DEPLOYMENT_TYPE or states.get(entry["id"].lower()) == "Succeeded":
            continue
        inner = [states.get(e["id"].lower()) for e in _children(View(record, entry))]
        if "Running" in inner:
            states[entry["id"].lower()] = "Running"
        elif "Failed" in inner:
            states[entry["id"].lower()] = "Failed"
        elif any(inner):
            states[entry["id"].lower()] = "Running"
    return states


def current_state(view: View | dict[str, Any]) -> str:
    view = view if isinstance(view, View) else View(view)
    record = view.record
    if view.entry is None:
        if record.get("finished"):
            return str(record["finalState"])
        state, _ = sched.deployment_state(record["schedule"], elapsed_azure(record))
        return state
    found = entry_states(record).get(view.key or "")
    if found is None:
        return "Failed" if record.get("finished") and record.get("finalState") == "Failed" else "Accepted"
    if found == "Running" and record.get("finished"):
        return "Failed"
    return found


def _failure_of(view: View, states: dict[str, str]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    for entry in _children(view):
        if states.get(entry["id"].lower()) != "Failed":
            continue
        if entry["type"].lower() == DEPLOYMENT_TYPE:
            errors.append({"code": "DeploymentFailed", "target": entry["id"], "message": FAILED_MESSAGE,
                           "details": _failure_of(View(view.record, entry), states)})
        elif entry.get("error"):
            errors.append(entry["error"])
    return errors


def deployment_error(view: View | dict[str, Any]) -> dict[str, Any]:
    view = view if isinstance(view, View) else View(view)
    return {"code": "DeploymentFailed", "target": view.id, "message": FAILED_MESSAGE,
            "details": _failure_of(view, entry_states(view.record))}


def _span(view: View) -> tuple[float, float]:
    """(start, end) in Azure seconds from submission; end is now while running."""
    record = view.record
    inside = _descendants(view) if view.entry else record["schedule"]
    start = min((e["start"] for e in inside), default=0.0) if view.entry else 0.0
    if current_state(view) in ("Succeeded", "Failed"):
        if view.entry is None and record.get("finished"):
            return start, float(record.get("finishAzureSeconds", 0.0))
        ends = [e["end"] for e in inside] + ([view.entry["end"]] if view.entry else [])
        return start, min(max(ends, default=0.0), elapsed_azure(record))
    return start, elapsed_azure(record)


def output_resources(view: View) -> list[dict[str, str]]:
    """What ARM lists as the deployment's outputResources: everything it deployed,
    nested deployments' resources and created resource groups included."""
    return [{"id": e["id"]} for e in _descendants(view) if e["type"].lower() != DEPLOYMENT_TYPE]


def deployment_body(view: View | dict[str, Any], state_override: str | None = None) -> dict[str, Any]:
    view = view if isinstance(view, View) else View(view)
    record = view.record
    state = state_override or current_state(view)
    start, end = _span(view)
    props: dict[str, Any] = {
        "templateHash": record.get("templateHash", "") if view.entry is None else "",
        "parameters": record.get("parameters", {}) if view.entry is None else view.entry.get("parameters", {}),
        "mode": record.get("mode", "Incremental"), "provisioningState": state,
        "timestamp": sched.iso_time(record["startWall"] + end / record["pace"]),
        "duration": sched.iso_duration(end - start), "correlationId": record.get("correlationId"),
        "providers": record.get("providers", []), "dependencies": [],
    }
    if state == "Succeeded":
        outputs = record.get("outputs", {}) if view.entry is None else \
            view.entry["state"].get("properties", {}).get("outputs", {})
        if outputs:  # as ARM: no outputs key for a template without outputs
            props["outputs"] = outputs
        props["outputResources"] = output_resources(view)
    if state == "Failed":
        props["error"] = deployment_error(view)
    body: dict[str, Any] = {"id": view.id, "name": view.name, "type": "Microsoft.Resources/deployments",
                            "properties": props}
    if record.get("location") and view.entry is None:
        body["location"] = record["location"]
    return body


def operation_id(record: dict[str, Any], resource_id: str) -> str:
    return hashlib.sha256(f"{record.get('runId')}|{resource_id.lower()}".encode()).hexdigest()[:16].upper()


def operations(view: View | dict[str, Any]) -> list[dict[str, Any]]:
    """One operation per started resource the deployment itself declares (a nested
    deployment is one operation here; its resources are operations of that deployment)."""
    view = view if isinstance(view, View) else View(view)
    record = view.record
    elapsed = elapsed_azure(record)
    states = entry_states(record, elapsed)
    out = []
    for entry in _children(view):
        state = states.get(entry["id"].lower())
        if state is None:
            continue
        done = state != "Running"
        azure_end = min(entry["end"], elapsed) if done else elapsed
        op_id = operation_id(record, entry["id"])
        props: dict[str, Any] = {
            "provisioningOperation": "Create", "provisioningState": state,
            "timestamp": sched.iso_time(record["startWall"] + azure_end / record["pace"]),
            "duration": sched.iso_duration(max(azure_end - entry["start"], 0.0)),
            "trackingId": op_id.lower(), "serviceRequestId": op_id.lower(),
            "targetResource": {"id": entry["id"], "resourceType": entry["type"],
                               "resourceName": entry["name"]},
        }
        if state == "Succeeded":
            props["statusCode"] = "OK"
            props["statusMessage"] = {"status": "Succeeded"}
        elif state == "Failed":
            props["statusCode"] = "Conflict"
            error = entry.get("error") if entry["type"].lower() != DEPLOYMENT_TYPE else deployment_error(
                View(record, entry))
            props["statusMessage"] = {"status": "Failed", "error": error}
        out.append({"id": f"{view.id}/operations/{op_id}", "operationId": op_id, "properties": props})
    return out


def find_view(records: list[dict[str, Any]], deployment_id: str) -> View | None:
    """The deployment with this id: a submitted one, or a nested one that has started."""
    key = deployment_id.lower()
    for record in records:
        if record["id"].lower() == key:
            return View(record)
    for record in records:
        for entry in record.get("schedule", []):
            if entry["id"].lower() == key and entry["type"].lower() == DEPLOYMENT_TYPE:
                if key in entry_states(record):  # a nested deployment exists once it has started
                    return View(record, entry)
    return None


def views_under(records: list[dict[str, Any]], prefix: str) -> list[View]:
    """Every deployment (submitted or nested and started) whose id starts with ``prefix``."""
    low = prefix.lower()
    out = [View(r) for r in records if r["id"].lower().startswith(low)]
    for record in records:
        started = entry_states(record)
        for entry in record.get("schedule", []):
            if entry["type"].lower() == DEPLOYMENT_TYPE and entry["id"].lower().startswith(low) \
                    and entry["id"].lower() in started:
                out.append(View(record, entry))
    return out
