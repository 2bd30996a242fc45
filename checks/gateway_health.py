"""Does Application Gateway see its backend? Azure's own answer (``backendhealth``), after the
workload is applied: each server of each pool, Healthy or not, with the probe's log. This is
the check the reference asks a learner to run in the portal before trying the URL."""

from __future__ import annotations

from wizard.engine.arm import AzureCallFailed, call
from wizard.engine.contract import Finding, StepContext


def check_backend_health(ctx: StepContext) -> Finding:
    assert ctx.azure is not None
    gateway = str(ctx.output("cluster", "app_gateway_id", ""))
    pieces = gateway.split("/")
    if len(pieces) < 9:
        return Finding.fail("The cluster step's outputs name no Application Gateway.",
                            "Deploy step 8 (Cluster) again, then verify (d).")
    rg, name = pieces[4], pieces[-1]
    try:
        poller = call(name, ctx.azure.network().application_gateways.begin_backend_health, rg, name)
        result = call(name, poller.result)
    except AzureCallFailed as exc:
        f = exc.failure
        return Finding.fail(f"Azure did not give the backend health: {f.code}: {f.message}",
                            f.remedy or "Check that you may read the gateway's backend health "
                            "(applicationGateways/backendhealth/action), then verify again (d).", error=f.as_record())
    servers = [{"pool": str(p.backend_address_pool.id).rsplit("/", 1)[-1] if p.backend_address_pool else "",
                "address": s.address, "health": s.health, "log": s.health_probe_log or ""}
               for p in result.backend_address_pools or [] for c in p.backend_http_settings_collection or []
               for s in c.servers or []]
    if not servers:
        return Finding.fail("The gateway has no backend servers to probe.", "Deploy step 8 again.", servers=servers)
    sick = [s for s in servers if str(s["health"]) != "Healthy"]
    if sick:
        first = sick[0]
        return Finding.fail(f"App Gateway sees {first['address']} as {first['health']}: {first['log']}",
                            "Follow the probe log: no listener at the address is the ingress Service (its IP "
                            "annotation, step 5's ingress IP); no Ingress for the host is the backend host of step 2; a "
                            "timeout is a network policy (allow-app-gateway-to-ingress); deploy again (d).",
                            servers=servers)
    return Finding.ok(f"All {len(servers)} backend server(s) Healthy: " + ", ".join(
        f"{s['address']} ({s['log']})" for s in servers), servers=servers)
