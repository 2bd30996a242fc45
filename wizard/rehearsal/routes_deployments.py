"""Deployments at resource-group and subscription scope: create (LRO), get, operations,
validate and what-if, plus the async status and operation-result URLs the SDK polls."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

from wizard.rehearsal import deployment_schedule as sched
from wizard.rehearsal.deployment_views import current_state, deployment_body, deployment_error, operations
from wizard.rehearsal.http_types import ArmError, Request, Response, error_object, not_found
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_subscriptions import require_subscription
from wizard.rehearsal.template_evaluation import Plan, Scope, plan_template
from wizard.rehearsal.template_expressions import TemplateError
from wizard.rehearsal.template_validation import validate_plan
from wizard.rehearsal.what_if import what_if_changes

_WHAT_IF_RESULTS: dict[str, dict[str, Any]] = {}  # token -> {"polls": n, "body": result}
DEPLOY = "providers/Microsoft.Resources/deployments"


def _scope(req: Request, write: bool = False) -> tuple[str, dict[str, Any] | None, str]:
    """(subscription id, resource group or None, scope id prefix)."""
    sub = require_subscription(req, write=write)["subscriptionId"]
    rg_name = req.params.get("rg")
    if rg_name is None:
        return sub, None, f"/subscriptions/{sub}"
    rg = req.world.model.resource_group(sub, rg_name)
    if rg is None:
        raise not_found("ResourceGroup", rg_name)
    return sub, rg, rg["id"]


def _deployment_id(prefix: str, name: str) -> str:
    return f"{prefix}/{DEPLOY}/{name}"


def _plan(req: Request, sub: str, rg: dict[str, Any] | None) -> tuple[Plan, dict[str, Any]]:
    body = req.body or {}
    props = body.get("properties") or {}
    if props.get("templateLink") and not props.get("template"):
        raise ArmError(400, "InvalidTemplate", "The rehearsal backend cannot fetch linked templates; "
                       "send the template inline.")
    if rg is None and not body.get("location"):
        raise ArmError(400, "InvalidDeploymentLocation", "The deployment location must be provided for "
                       "deployments at subscription scope.")
    scope = Scope(sub, req.world.scenario.tenant_id,
                  {"name": rg["name"], "location": rg["location"], "id": rg["id"]} if rg else None,
                  req.params["name"], (rg or {}).get("location") or body.get("location"))
    try:
        plan = plan_template(props.get("template"), props.get("parameters") or {}, scope, req.world.model.resource)
    except TemplateError as exc:
        raise ArmError(400, exc.code, exc.message, target=exc.target) from exc
    details = validate_plan(plan, req.world, sub)
    if details:
        raise ArmError(400, "InvalidTemplateDeployment",
                       f"The template deployment '{req.params['name']}' is not valid according to the validation "
                       f"procedure. The tracking id is '{uuid.uuid4()}'. See inner errors for details.", details)
    return plan, props


def _template_hash(template: Any) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return str(int.from_bytes(digest[:8], "big"))


def put_deployment(req: Request) -> Response:
    sub, rg, prefix = _scope(req, write=True)
    dep_id = _deployment_id(prefix, req.params["name"])
    existing = req.world.model.deployment(dep_id)
    if existing is not None and current_state(existing) == "Running":
        raise ArmError(409, "DeploymentActive", f"Unable to edit or replace deployment '{req.params['name']}': "
                       "previous deployment from '" + sched.iso_time(existing["startWall"]) + "' is still active "
                       "(expiration time is '" + sched.iso_time(existing["startWall"] + 86400) + "'). Please see "
                       "https://aka.ms/arm-deploy-resources for usage details.")
    plan, props = _plan(req, sub, rg)
    fired = req.world.faults.take("PUT", req.path, ("lro_failed", "slow_lro"))
    factor = 1.0
    fail = next((f for f in fired if f.kind == "lro_failed"), None)
    for fault in fired:
        if fault.kind == "slow_lro":
            factor *= fault.factor
    fail_type, fail_error = None, None
    if fail is not None:
        fail_type = fail.resource_type or next((r.type for r in plan.resources), None)
        target = next((r.id for r in plan.resources if r.type.lower() == (fail_type or "").lower()), "")
        fail_error = {"code": "ResourceDeploymentFailure", "target": target,
                      "message": "The resource write operation failed to complete successfully, because it "
                                 "reached terminal provisioning state 'Failed'.",
                      "details": [{"code": fail.code or "InternalServerError", "target": target,
                                   "message": fail.message or "An unexpected error occured while processing the "
                                   "network profile of the resource. Please try again later."}]}
    entries = [{"id": r.id, "type": r.type, "name": r.name, "depends_on": r.depends_on, "state": r.state,
                "nested_in": r.nested_in} for r in plan.resources]
    run_id = uuid.uuid4().hex.upper()[:20]
    record = {
        "id": dep_id, "name": req.params["name"], "location": (req.body or {}).get("location"),
        "startWall": time.time(), "pace": req.world.pace, "runId": run_id,
        "schedule": sched.build_schedule(entries, factor, fail_type, fail_error), "applied": [],
        "correlationId": str(uuid.uuid4()), "templateHash": _template_hash(props.get("template")),
        "parameters": plan.parameters, "outputs": plan.outputs, "mode": props.get("mode", "Incremental"),
        "providers": _providers(plan), "finished": False,
    }
    req.world.model.put_deployment(record)
    status_url = f"{req.world.base_url}{dep_id}/operationStatuses/{run_id}?api-version={req.query.get('api-version', '')}"
    return Response(201, deployment_body(record, "Accepted"),
                    {"Azure-AsyncOperation": status_url, "Retry-After": "0"})


def _providers(plan: Plan) -> list[dict[str, Any]]:
    by_ns: dict[str, set[str]] = {}
    for res in plan.resources:
        ns, _, rest = res.type.partition("/")
        by_ns.setdefault(ns, set()).add(rest)
    return [{"namespace": ns, "resourceTypes": [{"resourceType": t} for t in sorted(types)]}
            for ns, types in by_ns.items()]


def _record(req: Request) -> dict[str, Any]:
    _, _, prefix = _scope(req)
    record = req.world.model.deployment(_deployment_id(prefix, req.params["name"]))
    if record is None:
        raise ArmError(404, "DeploymentNotFound", f"Deployment '{req.params['name']}' could not be found.")
    return record


def get_deployment(req: Request) -> Response:
    if req.method == "HEAD":
        try:
            _record(req)
        except ArmError:
            return Response(404)
        return Response(204)
    return Response(200, deployment_body(_record(req)))


def list_operations(req: Request) -> Response:
    return Response(200, {"value": operations(_record(req))})


def get_operation(req: Request) -> Response:
    for op in operations(_record(req)):
        if op["operationId"].lower() == req.params["op"].lower():
            return Response(200, op)
    raise ArmError(404, "DeploymentOperationNotFound", f"Deployment operation '{req.params['op']}' could not be found.")


def operation_status(req: Request) -> Response:
    record = _record(req)
    if record.get("runId") != req.params["run"]:
        return Response(200, {"status": "Succeeded"})  # an older run: it finished long ago
    state = current_state(record)
    body: dict[str, Any] = {"status": state}
    if state == "Failed":
        body["error"] = deployment_error(record)
    return Response(200, body, {"Retry-After": "0"})


def validate(req: Request) -> Response:
    sub, rg, prefix = _scope(req)
    try:
        plan, props = _plan(req, sub, rg)
    except ArmError as exc:
        return Response(400, {"error": exc.error_object()})
    return Response(200, {
        "id": _deployment_id(prefix, req.params["name"]), "name": req.params["name"],
        "type": "Microsoft.Resources/deployments",
        "properties": {"provisioningState": "Succeeded", "timestamp": sched.iso_time(time.time()),
                       "correlationId": str(uuid.uuid4()), "mode": props.get("mode", "Incremental"),
                       "templateHash": _template_hash(props.get("template")), "parameters": plan.parameters,
                       "providers": _providers(plan), "dependencies": [],
                       "validatedResources": [{"id": r.id} for r in plan.resources]}})


def what_if(req: Request) -> Response:
    sub, rg, prefix = _scope(req)
    token = uuid.uuid4().hex
    try:
        plan, _ = _plan(req, sub, rg)
        groups = [(sub, rg["name"])] if rg else []
        result: dict[str, Any] = {"status": "Succeeded",
                                  "properties": {"changes": what_if_changes(plan, req.world, groups)}}
    except ArmError as exc:
        result = {"status": "Failed", "error": error_object(exc.code, exc.message, exc.details, exc.target)}
    _WHAT_IF_RESULTS[token] = {"polls": 0, "body": result}
    location = f"{req.world.base_url}/subscriptions/{sub}/operationresults/{token}?api-version={req.query.get('api-version', '')}"
    return Response(202, None, {"Location": location, "Retry-After": "0"})


def what_if_result(req: Request) -> Response:
    entry = _WHAT_IF_RESULTS.get(req.params["token"])
    if entry is None:
        raise ArmError(404, "OperationNotFound", "The operation result could not be found or has expired.")
    entry["polls"] += 1
    if entry["polls"] == 1:
        return Response(202, None, {"Location": f"{req.world.base_url}{req.path}?{_query(req)}", "Retry-After": "0"})
    if entry["body"].get("status") == "Failed":
        return Response(400, {"error": entry["body"]["error"]})
    return Response(200, entry["body"])


def _query(req: Request) -> str:
    return "&".join(f"{k}={v}" for k, v in req.query.items())


def list_deployments(req: Request) -> Response:
    _, _, prefix = _scope(req)
    records = req.world.model.deployments_under(f"{prefix}/{DEPLOY}/")
    return Response(200, {"value": [deployment_body(r) for r in records]})


def register(router: Router) -> None:
    for scope in ("/subscriptions/{sub}/resourcegroups/{rg}", "/subscriptions/{sub}"):
        base = f"{scope}/{DEPLOY}"
        router.add("GET", base, list_deployments)
        router.add("PUT", f"{base}/{{name}}", put_deployment)
        router.add("GET,HEAD", f"{base}/{{name}}", get_deployment)
        router.add("GET", f"{base}/{{name}}/operations", list_operations)
        router.add("GET", f"{base}/{{name}}/operations/{{op}}", get_operation)
        router.add("GET", f"{base}/{{name}}/operationStatuses/{{run}}", operation_status)
        router.add("POST", f"{base}/{{name}}/validate", validate)
        router.add("POST", f"{base}/{{name}}/whatIf", what_if)
    legacy = "/subscriptions/{sub}/resourcegroups/{rg}/deployments/{name}/operations"  # the SDK's path
    router.add("GET", legacy, list_operations)
    router.add("GET", legacy + "/{op}", get_operation)
    router.add("GET", "/subscriptions/{sub}/operationresults/{token}", what_if_result)
