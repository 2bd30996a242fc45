"""Reads of the subscription-scope resources the policy step deploys: Defender plans and Azure
Policy definitions, initiatives and assignments (written only by deployments, as the wizard
never PUTs them directly).

``GET .../policyAssignments`` lists the assignments that apply to the subscription: its own and
those inherited from management groups (a scenario seeds those under ``policyAssignments``),
the ``atScope()`` view Azure gives; any other ``$filter`` is refused rather than ignored."""

from __future__ import annotations

from wizard.rehearsal import defender
from wizard.rehearsal.http_types import ArmError, Request, Response, not_found
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_subscriptions import require_subscription

POLICY_KINDS = ("policyAssignments", "policyDefinitions", "policySetDefinitions")


def list_pricings(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    return Response(200, {"value": defender.all_pricings(req.world.model, req.world.scenario, sub)})


def get_pricing(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    name = req.params["name"]
    plan = next((p for p in defender.catalog()["plans"] if p.lower() == name.lower()), None)
    if plan is None:
        raise ArmError(404, "PricingNotFound", f"The pricing '{name}' was not found.")
    return Response(200, defender.pricing_view(req.world.model, req.world.scenario, sub, plan))


def list_assignments(req: Request) -> Response:
    sub = require_subscription(req)["subscriptionId"]
    wanted = (req.query.get("$filter") or "atScope()").replace(" ", "").lower()
    if wanted != "atscope()":
        raise ArmError(400, "InvalidFilterInQueryString", f"The filter '{req.query.get('$filter')}' is not supported.")
    prefix = f"/subscriptions/{sub}/providers/microsoft.authorization/policyassignments/"
    with req.world.model.lock:
        own = [v for k, v in sorted(req.world.model.data["resources"].items()) if k.startswith(prefix)]
    inherited = list(req.world.scenario.raw.get("policyAssignments", []))
    return Response(200, {"value": own + inherited})


def list_group_assignments(req: Request) -> Response:
    """Without $filter, Azure lists every assignment that applies to the group: its own and those
    of the subscription and management groups above it."""
    sub = require_subscription(req)["subscriptionId"]
    group = req.world.model.resource_group(sub, req.params["rg"])
    if group is None:
        raise not_found("ResourceGroup", req.params["rg"])
    if req.query.get("$filter"):
        raise ArmError(400, "InvalidFilterInQueryString", f"The filter '{req.query.get('$filter')}' is not supported.")
    from wizard.rehearsal.policy_rules import assignments_over

    return Response(200, {"value": assignments_over(req.world.model, req.world.scenario, sub, req.params["rg"])})


def _policy_reader(kind: str):  # noqa: ANN202 - a route handler
    def read(req: Request) -> Response:
        require_subscription(req)
        found = req.world.model.resource(req.path)
        if found is None:
            singular = {"policyAssignments": "PolicyAssignment", "policyDefinitions": "PolicyDefinition",
                        "policySetDefinitions": "PolicySetDefinition"}[kind]
            raise ArmError(404, f"{singular}NotFound", f"The policy {singular[6:].lower()} '{req.params['name']}' "
                           "could not be found.")
        return Response(200, found)
    return read


def register(router: Router) -> None:
    base = "/subscriptions/{sub}/providers"
    router.add("GET", f"{base}/Microsoft.Security/pricings", list_pricings)
    router.add("GET", f"{base}/Microsoft.Security/pricings/{{name}}", get_pricing)
    router.add("GET", f"{base}/Microsoft.Authorization/policyAssignments", list_assignments)
    router.add("GET", "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Authorization/policyAssignments",
               list_group_assignments)
    for kind in POLICY_KINDS:  # not a {kind} pattern: roleDefinitions and others have routes of their own
        router.add("GET", f"{base}/Microsoft.Authorization/{kind}/{{name}}", _policy_reader(kind))
