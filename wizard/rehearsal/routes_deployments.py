"""Deployments at resource-group and subscription scope: create (LRO), get, list, delete,
operations, validate and what-if, plus the async status URLs the SDK polls.

Nested deployments (what Bicep modules compile to) are part of their parent's record and
are readable as deployments of their own once they start (``deployment_views``)."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any, Mapping

from wizard.rehearsal import image_builder, routes_keyvault, serialized_writes, vault_data, write_only
from wizard.rehearsal import authorization_writes, cluster_rules, defender, drift, flow_log_rules, gitops, network_rules
from wizard.rehearsal import deployment_schedule as sched
from wizard.rehearsal.deployment_views import (View, current_state, deployment_body, deployment_error, find_view,
                                               operations, views_under)
from wizard.rehearsal.http_types import ArmError, Request, Response, being_deleted, error_object, not_found
from wizard.rehearsal.resource_ids import ResourceIdError, parse_resource_id
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_subscriptions import require_subscription
from wizard.rehearsal.template_evaluation import DEPLOYMENT_TYPE, Plan, Scope, plan_template
from wizard.rehearsal.template_expressions import TemplateError
from wizard.rehearsal.template_validation import Validation, validate_plan
from wizard.rehearsal.what_if import mask_secure, secure_values, what_if_changes

DEPLOY = "providers/Microsoft.Resources/deployments"
SHORT_CIRCUIT_CODE = "NestedDeploymentShortCircuited"


def _scope(req: Request, write: bool = False) -> tuple[str, dict[str, Any] | None, str]:
    """(subscription id, resource group or None, scope id prefix)."""
    sub = require_subscription(req, write=write)["subscriptionId"]
    rg_name = req.params.get("rg")
    if rg_name is None:
        return sub, None, f"/subscriptions/{sub}"
    rg = req.world.model.resource_group(sub, rg_name)
    if rg is None:
        raise not_found("ResourceGroup", rg_name)
    if write and rg.get("properties", {}).get("provisioningState") == "Deleting":
        raise being_deleted(rg["name"])
    return sub, rg, rg["id"]


def _deployment_id(prefix: str, name: str) -> str:
    return f"{prefix}/{DEPLOY}/{name}"


def _plan(req: Request, sub: str, rg: dict[str, Any] | None, preflight: bool = True
          ) -> tuple[Plan, dict[str, Any], Validation]:
    body = req.body or {}
    props = body.get("properties") or {}
    if props.get("templateLink") and not props.get("template"):
        raise ArmError(400, "InvalidTemplate", "The rehearsal backend cannot fetch linked templates; "
                       "send the template inline.")
    if rg is None and not body.get("location"):
        raise ArmError(400, "InvalidDeploymentLocation", "The deployment location must be provided for "
                       "deployments at subscription scope.")
    mode = props.get("mode", "Incremental")
    if mode not in ("Incremental", "Complete"):
        raise ArmError(400, "InvalidDeploymentMode", f"The deployment mode '{mode}' is not valid. Allowed values "
                       "are 'Incremental' and 'Complete'.")
    if rg is None and mode == "Complete":
        raise ArmError(400, "InvalidDeploymentMode", "Deployments at subscription scope support only the "
                       "'Incremental' mode.")
    scope = Scope(sub, req.world.scenario.tenant_id,
                  {"name": rg["name"], "location": rg["location"], "id": rg["id"]} if rg else None,
                  req.params["name"], (rg or {}).get("location") or body.get("location"))
    try:
        plan = plan_template(props.get("template"), props.get("parameters") or {}, scope, req.world.model.resource)
    except TemplateError as exc:
        raise ArmError(400, exc.code, exc.message, target=exc.target) from exc
    validation = validate_plan(plan, req.world, sub, preflight=preflight)
    if validation.details:
        raise ArmError(400, "InvalidTemplateDeployment", _invalid_message(req.params["name"]), validation.details)
    return plan, props, validation


def _invalid_message(name: str) -> str:
    return (f"The template deployment '{name}' is not valid according to the validation procedure. The tracking "
            f"id is '{uuid.uuid4()}'. See inner errors for details.")


def _template_hash(template: Any) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return str(int.from_bytes(digest[:8], "big"))


def _injected_failure(req: Request, plan: Plan) -> tuple[float, str | None, dict[str, Any] | None]:
    """Faults a scenario or test asked for: a slower deployment, or one resource failing."""
    fired = req.world.faults.take("PUT", req.path, ("lro_failed", "slow_lro"))
    factor = 1.0
    for fault in fired:
        if fault.kind == "slow_lro":
            factor *= fault.factor
    fail = next((f for f in fired if f.kind == "lro_failed"), None)
    if fail is None:
        return factor, None, None
    resources = [r for r in plan.resources if r.type.lower() != "microsoft.resources/deployments"]
    fail_type = fail.resource_type or next((r.type for r in resources), None)
    target = next((r.id for r in plan.resources if r.type.lower() == (fail_type or "").lower()), "")
    return factor, fail_type, {
        "code": "ResourceDeploymentFailure", "target": target,
        "message": "The resource write operation failed to complete successfully, because it reached terminal "
                   "provisioning state 'Failed'.",
        "details": [{"code": fail.code or "InternalServerError", "target": target,
                     "message": fail.message or "An unexpected error occured while processing the network profile "
                     "of the resource. Please try again later."}]}


def _defer(schedule: list[dict[str, Any]], deferred: dict[str, list[dict[str, Any]]]) -> None:
    """A short-circuited nested deployment is validated when it starts: its problems fail
    its first resource at once, and ARM reports them as that deployment's failure."""
    for nested_id, details in deferred.items():
        first = next((e for e in schedule if (e.get("nested_in") or "").lower() == nested_id.lower()), None)
        if first is None:
            continue
        first["end"] = first["start"]
        first["error"] = {"code": "InvalidTemplateDeployment", "target": nested_id,
                          "message": _invalid_message(nested_id.rsplit("/", 1)[-1]), "details": details}


def _write_errors(schedule: list[dict[str, Any]], sub: str, world: Any) -> None:
    """Writes a provider refuses only when the resource is written (no preflight): a Defender
    plan with a retired sub-plan, a policy assignment without the identity its policy needs,
    a role assignment for a principal Entra ID does not know yet. Each fails its operation,
    as it does in Azure; what the deployment wrote before counts as written."""
    planned: dict[str, dict[str, Any]] = {}
    writes = authorization_writes.Writes(world.model, world.scenario, planned)
    links = _dns_links(world.model)

    def find(rid: str) -> Any:
        return planned.get(rid.lower()) or world.model.resource(rid)

    for entry in sorted(schedule, key=lambda e: e["start"]):
        state = entry.get("state") or {}
        if not entry.get("error"):
            kind = entry["type"].lower()
            refused = _parent_missing(entry, find)
            if refused is None and kind == routes_keyvault.VAULT:
                refused = routes_keyvault.write_error(world, sub, entry["id"], entry["name"])
            elif refused is None and kind in flow_log_rules.TYPES:
                refused = flow_log_rules.write_error(entry["id"], entry["type"], entry["name"], state, find,
                                                     _known_resources(world, planned))
            elif refused is None and kind in cluster_rules.TYPES:
                refused = cluster_rules.write_error(entry["id"], entry["type"], state, find,
                                                    _known_resources(world, planned))
            elif refused is None and kind in gitops.TYPES:
                refused = gitops.write_error(entry["id"], entry["type"], state, _known_resources(world, planned), find)
                if refused is None and kind == gitops.CONFIGURATION:
                    gitops.written(state, bool((world.scenario.raw.get("flux") or {}).get("stuck")), world.pace,
                                   time.time() + float(entry.get("end") or 0.0) / world.pace)
            elif refused is None and kind == defender.PRICINGS_TYPE:
                refused = defender.write_error(sub, entry["name"], state.get("properties") or {})
            elif refused is None and kind.startswith("microsoft.network/"):
                refused = network_rules.write_error(entry["id"], entry["type"], state, find, links)
            elif refused is None and kind == image_builder.TEMPLATE:
                refused = image_builder.write_error(entry["id"], state, find, world.model.resource(entry["id"]))
            elif refused is None:
                refused = authorization_writes.write_error(writes, entry["id"], entry["type"], entry["name"], state)
            if refused:
                entry["error"] = {"target": entry["id"], **refused}  # a provider naming the property keeps it
        planned[entry["id"].lower()] = state
        if entry["type"].lower() == network_rules.DNS_LINK:
            links[entry["id"].lower()] = state


def _known_resources(world: Any, planned: Mapping[str, Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Every resource Azure knows of, for the rules that span subscriptions (a storage account
    name is global): the model, this deployment's writes so far, and the names the scenario
    says someone else took (``storage.takenNames``)."""
    with world.model.lock:
        known: list[Mapping[str, Any]] = list(world.model.data["resources"].values())
    known += list(planned.values())
    known += [{"type": "Microsoft.Storage/storageAccounts", "name": name,
               "id": f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/elsewhere/providers/"
                     f"Microsoft.Storage/storageAccounts/{name}"}
              for name in (world.scenario.raw.get("storage") or {}).get("takenNames", [])]
    return known


def _dns_links(model: Any) -> dict[str, dict[str, Any]]:
    with model.lock:
        return {k: v for k, v in model.data["resources"].items()
                if str(v.get("type", "")).lower() == network_rules.DNS_LINK}


def _parent_missing(entry: dict[str, Any], find: Any) -> dict[str, Any] | None:
    """A child resource (a peering, a rule collection group) needs its parent, written
    earlier or already there: ARM's ParentResourceNotFound otherwise."""
    if entry["type"].count("/") < 2 or entry["type"].lower() == DEPLOYMENT_TYPE:
        return None
    try:
        parent = parse_resource_id(entry["id"]).parent_id
    except ResourceIdError:
        return None
    if parent is None or find(parent) is not None:
        return None
    return {"code": "ParentResourceNotFound",
            "message": f"Can not perform requested operation on nested resource. Parent resource "
                       f"'{parent.rsplit('/', 1)[-1]}' not found."}


def _seal_secret_values(req: Request, resources: Any) -> None:
    """A Key Vault secret's value is kept only sealed (``vault_data``), for the rehearsal's App
    Gateway front end; the model's declared copy has it stripped (``write_only``)."""
    for r in resources:
        value = ((r.declared or {}).get("properties") or {}).get("value")
        if r.type.lower() == vault_data.SECRET_TYPE and isinstance(value, str) and req.world.vault_key:
            with req.world.model.lock:
                vault_data.seal(req.world.model.data, req.world.vault_key, r.id, value)


def put_deployment(req: Request) -> Response:
    sub, rg, prefix = _scope(req, write=True)
    dep_id = _deployment_id(prefix, req.params["name"])
    existing = req.world.model.deployment(dep_id)
    if existing is not None and current_state(existing) == "Running":
        raise ArmError(409, "DeploymentActive", f"Unable to edit or replace deployment '{req.params['name']}': "
                       "previous deployment from '" + sched.iso_time(existing["startWall"]) + "' is still active "
                       "(expiration time is '" + sched.iso_time(existing["startWall"] + 86400) + "'). Please see "
                       "https://aka.ms/arm-deploy-resources for usage details.")
    plan, props, validation = _plan(req, sub, rg)
    factor, fail_type, fail_error = _injected_failure(req, plan)
    entries = [{"id": r.id, "type": r.type, "name": r.name, "depends_on": r.depends_on, "state": r.state,
                "declared": write_only.strip(r.type, {"apiVersion": r.api_version, **r.declared}),
                "nested_in": r.nested_in,
                "parameters": r.parameters_echo if r.type.lower() == DEPLOYMENT_TYPE else None}
               for r in plan.resources]
    _seal_secret_values(req, plan.resources)
    schedule = sched.build_schedule(entries, factor, fail_type, fail_error)
    _defer(schedule, validation.deferred)
    _write_errors(schedule, sub, req.world)
    drift.apply(schedule, req.world.scenario.raw.get("drift") or [])
    now = time.time()
    running = [d for d in req.world.model.all_deployments() if not d.get("finished")]
    serialized_writes.mark_conflicts(schedule, now, req.world.pace, running)
    run_id = uuid.uuid4().hex.upper()[:20]
    record = {
        "id": dep_id, "name": req.params["name"], "location": (req.body or {}).get("location"),
        "startWall": now, "pace": req.world.pace, "runId": run_id, "schedule": schedule, "applied": [],
        "correlationId": req.correlation_id or str(uuid.uuid4()), "templateHash": _template_hash(props.get("template")),
        "parameters": plan.parameters, "outputs": plan.outputs, "mode": props.get("mode", "Incremental"),
        "providers": _providers(plan), "finished": False,
        # Complete mode deletes what the group holds and the template does not declare.
        "completeGroup": rg["id"] if rg and props.get("mode") == "Complete" else None,
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


def _view(req: Request) -> View:
    _, _, prefix = _scope(req)
    view = find_view(req.world.model.all_deployments(), _deployment_id(prefix, req.params["name"]))
    if view is None:
        raise ArmError(404, "DeploymentNotFound", f"Deployment '{req.params['name']}' could not be found.")
    return view


def get_deployment(req: Request) -> Response:
    if req.method == "HEAD":
        try:
            _view(req)
        except ArmError:
            return Response(404)
        return Response(204)
    return Response(200, deployment_body(_view(req)))


def delete_deployment(req: Request) -> Response:
    """Deleting a deployment removes its history, never its resources; a running one must
    be cancelled first. ARM answers 202 and the operation result then answers 204."""
    sub = require_subscription(req, write=True)["subscriptionId"]
    view = _view(req)
    if view.entry is not None:
        raise ArmError(400, "DeploymentDeletionNotAllowed", f"Deployment '{view.name}' is nested in "
                       f"'{view.record['name']}'; delete that deployment instead.")
    if current_state(view) == "Running":
        raise ArmError(409, "DeploymentActive", f"The deployment '{view.name}' cannot be deleted while it is "
                       "running. Cancel it first.")
    req.world.model.data["deployments"].pop(view.id.lower(), None)
    token = uuid.uuid4().hex
    req.world.model.put_operation(token, {"kind": "deleteDeployment", "done": True})
    return Response(202, None, {"Location": _result_url(req, sub, token), "Retry-After": "0"})


def list_operations(req: Request) -> Response:
    return Response(200, {"value": operations(_view(req))})


def get_operation(req: Request) -> Response:
    for op in operations(_view(req)):
        if op["operationId"].lower() == req.params["op"].lower():
            return Response(200, op)
    raise ArmError(404, "DeploymentOperationNotFound", f"Deployment operation '{req.params['op']}' could not be found.")


def operation_status(req: Request) -> Response:
    view = _view(req)
    if view.record.get("runId") != req.params["run"]:
        return Response(200, {"status": "Succeeded"})  # an older run: it finished long ago
    state = current_state(view)
    body: dict[str, Any] = {"status": state}
    if state == "Failed":
        body["error"] = deployment_error(view)
    return Response(200, body, {"Retry-After": "0"})


def validate(req: Request) -> Response:
    sub, rg, prefix = _scope(req)
    try:
        plan, props, validation = _plan(req, sub, rg)
    except ArmError as exc:
        return Response(400, {"error": exc.error_object()})
    diagnostics = _diagnostics(validation)
    skipped = validation.skipped
    body_props: dict[str, Any] = {
        "provisioningState": "Succeeded", "timestamp": sched.iso_time(time.time()),
        "correlationId": req.correlation_id, "mode": props.get("mode", "Incremental"),
        "templateHash": _template_hash(props.get("template")), "parameters": plan.parameters,
        "providers": _providers(plan), "dependencies": [],
        "validatedResources": [{"id": r.id} for r in plan.resources if r.id.lower() not in skipped]}
    if diagnostics:
        body_props["diagnostics"] = diagnostics
    return Response(200, {"id": _deployment_id(prefix, req.params["name"]), "name": req.params["name"],
                          "type": "Microsoft.Resources/deployments", "properties": body_props})


def _diagnostics(validation: Validation, what_if: bool = False) -> list[dict[str, Any]]:
    """ARM's DeploymentDiagnosticsDefinition entries for the nested deployments it skipped
    (code and wording from the deployments spec's validate examples, 2024-07-01 onwards)."""
    tail = " Please see https://aka.ms/WhatIfEvalStopped for more guidance." if what_if else ""
    return [{"level": "Warning", "code": SHORT_CIRCUIT_CODE, "target": nested, "message": reason + tail}
            for nested, reason in validation.short_circuited.items()]


def _result_url(req: Request, sub: str, token: str) -> str:
    return f"{req.world.base_url}/subscriptions/{sub}/operationresults/{token}?api-version={req.query.get('api-version', '')}"


def what_if(req: Request) -> Response:
    sub, rg, _ = _scope(req)
    token = uuid.uuid4().hex
    try:
        plan, props, validation = _plan(req, sub, rg, preflight=False)
        changes = what_if_changes(plan, req.world, sub, rg["name"] if rg else None, props.get("mode", "Incremental"),
                                  validation.short_circuited, validation.skipped)
        secrets = secure_values(props.get("template"), props.get("parameters"))
        properties: dict[str, Any] = {"changes": mask_secure(changes, secrets)}
        if validation.short_circuited:
            properties["diagnostics"] = _diagnostics(validation, what_if=True)
        result: dict[str, Any] = {"status": "Succeeded", "properties": properties}
    except ArmError as exc:
        result = {"status": "Failed", "error": error_object(exc.code, exc.message, exc.details, exc.target)}
    req.world.model.put_operation(token, {"kind": "whatIf", "polls": 0, "body": result})
    return Response(202, None, {"Location": _result_url(req, sub, token), "Retry-After": "0"})


def operation_result(req: Request) -> Response:
    """The Location URL of an async operation: a what-if result, or a deletion."""
    token = req.params["token"]
    op = req.world.model.operation(token)
    if op is not None and op["kind"] == "whatIf":
        op["polls"] += 1
        req.world.model.put_operation(token, op)
        if op["polls"] == 1:
            return Response(202, None, {"Location": f"{req.world.base_url}{req.path}?{_query(req)}",
                                        "Retry-After": "0"})
        return Response(200, op["body"])  # a what-if that could not run is 200 with status Failed
    if op is None:
        raise ArmError(404, "OperationNotFound", "The operation result could not be found or has expired.")
    if op["kind"] == "deleteDeployment":
        return Response(204)
    if not op.get("done") and time.time() < op["due"]:
        return Response(202, None, {"Location": f"{req.world.base_url}{req.path}?{_query(req)}", "Retry-After": "0"})
    return Response(200)


def _query(req: Request) -> str:
    return "&".join(f"{k}={v}" for k, v in req.query.items())


def list_deployments(req: Request) -> Response:
    _, _, prefix = _scope(req)
    views = views_under(req.world.model.all_deployments(), f"{prefix}/{DEPLOY}/")
    return Response(200, {"value": [deployment_body(v) for v in views]})


def register(router: Router) -> None:
    for scope in ("/subscriptions/{sub}/resourcegroups/{rg}", "/subscriptions/{sub}"):
        base = f"{scope}/{DEPLOY}"
        router.add("GET", base, list_deployments)
        router.add("PUT", f"{base}/{{name}}", put_deployment)
        router.add("GET,HEAD", f"{base}/{{name}}", get_deployment)
        router.add("DELETE", f"{base}/{{name}}", delete_deployment)
        router.add("GET", f"{base}/{{name}}/operations", list_operations)
        router.add("GET", f"{base}/{{name}}/operations/{{op}}", get_operation)
        router.add("GET", f"{base}/{{name}}/operationStatuses/{{run}}", operation_status)
        router.add("POST", f"{base}/{{name}}/validate", validate)
        router.add("POST", f"{base}/{{name}}/whatIf", what_if)
    for scope in ("/subscriptions/{sub}/resourcegroups/{rg}", "/subscriptions/{sub}"):  # the SDK's paths
        legacy = f"{scope}/deployments/{{name}}/operations"
        router.add("GET", legacy, list_operations)
        router.add("GET", legacy + "/{op}", get_operation)
    router.add("GET", "/subscriptions/{sub}/operationresults/{token}", operation_result)
