"""How a stored deployment record looks to the SDK: DeploymentExtended, operations, status.

Kept apart from the routes so the same views serve resource-group and subscription scope."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from wizard.rehearsal import deployment_schedule as sched

FAILED_MESSAGE = ("At least one resource deployment operation failed. Please list deployment operations for "
                  "details. Please see https://aka.ms/arm-deployment-operations for usage details.")


def elapsed_azure(record: dict[str, Any], now: float | None = None) -> float:
    return ((time.time() if now is None else now) - record["startWall"]) * record["pace"]


def current_state(record: dict[str, Any]) -> str:
    if record.get("finished"):
        return str(record["finalState"])
    state, _ = sched.deployment_state(record["schedule"], elapsed_azure(record))
    return state


def deployment_error(record: dict[str, Any]) -> dict[str, Any]:
    elapsed = elapsed_azure(record)
    errors = [e["error"] for e, s in sched.resource_states(record["schedule"], elapsed) if s == "Failed"]
    return {"code": "DeploymentFailed", "message": FAILED_MESSAGE, "details": errors}


def deployment_body(record: dict[str, Any], state_override: str | None = None) -> dict[str, Any]:
    state = state_override or current_state(record)
    finished = state in ("Succeeded", "Failed")
    azure_seconds = record.get("finishAzureSeconds", 0.0) if finished and record.get("finished") else elapsed_azure(record)
    if record.get("nested"):
        azure_seconds = record["finishAzureSeconds"] - record.get("startAzureSeconds", 0.0)
    props: dict[str, Any] = {
        "templateHash": record.get("templateHash", ""), "parameters": record.get("parameters", {}),
        "mode": record.get("mode", "Incremental"), "provisioningState": state,
        "timestamp": sched.iso_time(record["startWall"] + azure_seconds / record["pace"]),
        "duration": sched.iso_duration(azure_seconds), "correlationId": record.get("correlationId"),
        "providers": record.get("providers", []), "dependencies": [],
    }
    if state == "Succeeded":
        props["outputs"] = record.get("outputs", {})
        props["outputResources"] = [{"id": e["id"]} for e in record.get("schedule", [])
                                    if e["type"].lower() != "microsoft.resources/deployments"]
    if state == "Failed":
        props["error"] = deployment_error(record)
    body: dict[str, Any] = {"id": record["id"], "name": record["name"],
                            "type": "Microsoft.Resources/deployments", "properties": props}
    if record.get("location"):
        body["location"] = record["location"]
    return body


def operation_id(record: dict[str, Any], resource_id: str) -> str:
    return hashlib.sha256(f"{record.get('runId')}|{resource_id.lower()}".encode()).hexdigest()[:16].upper()


def operations(record: dict[str, Any]) -> list[dict[str, Any]]:
    elapsed = elapsed_azure(record)
    out = []
    for entry, state in sched.resource_states(record["schedule"], elapsed):
        done = state != "Running"
        azure_end = entry["end"] if done else elapsed
        op_id = operation_id(record, entry["id"])
        props: dict[str, Any] = {
            "provisioningOperation": "Create", "provisioningState": state,
            "timestamp": sched.iso_time(record["startWall"] + azure_end / record["pace"]),
            "duration": sched.iso_duration(azure_end - entry["start"]),
            "trackingId": op_id.lower(), "serviceRequestId": op_id.lower(),
            "targetResource": {"id": entry["id"], "resourceType": entry["type"], "resourceName": entry["name"]},
        }
        if state == "Succeeded":
            props["statusCode"] = "OK"
            props["statusMessage"] = {"status": "Succeeded"}
        elif state == "Failed":
            props["statusCode"] = "Conflict"
            props["statusMessage"] = {"status": "Failed", "error": entry["error"]}
        out.append({"id": f"{record['id']}/operations/{op_id}", "operationId": op_id, "properties": props})
    return out
