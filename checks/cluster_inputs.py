"""Preflight checks of what the cluster step takes from earlier steps and from the subscription:
every output it builds on is there, the App Gateway subnet is free, the listener certificate
names the listener host, and the caller may make the role assignments. Each of these otherwise
fails late in a twenty-minute deployment, or not at all (a certificate for the wrong host
deploys fine and fails in every browser)."""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path
from typing import Any, Mapping, Sequence

from checks.access import assigned_roles
from checks.hub_link import NET_API
from checks.roles import OWNER, USER_ACCESS_ADMINISTRATOR
from wizard.engine.arm import AzureCallFailed, call
from wizard.engine.contract import Finding, StepContext

APP_GATEWAY_MIN_PREFIX = 24  # v2 autoscale to 125 instances wants a /24 (azure-facts.md §2)


def missing_outputs(outputs: Mapping[str, Mapping[str, Any]], needed: Sequence[tuple[str, str, str]]) -> list[str]:
    """``needed``: (step id, dotted output key, what it is). A key ``a.b`` reads ``outputs[step][a][b]``."""
    missing = []
    for step, key, label in needed:
        value: Any = outputs.get(step) or {}
        for part in key.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value in (None, "", [], {}):
            missing.append(f"{label} ({step}.{key})")
    return missing


def check_earlier_outputs(ctx: StepContext, needed: Sequence[tuple[str, str, str]]) -> Finding:
    missing = missing_outputs(ctx.outputs, needed)
    cert = str(ctx.output("tls-certificates", "ingress_certificate_path") or "")
    if cert and not Path(cert).is_file():
        missing.append(f"the ingress certificate file {cert}")
    if missing:
        return Finding.fail("Missing from earlier steps: " + "; ".join(missing) + ".",
                            "Run the step each one comes from again (its number in the navigator; headless: "
                            "aks-wizard run --step <id>), then re-run these checks (c).", missing=missing)
    return Finding.ok(f"All {len(needed)} outputs this step builds on are there.",
                      outputs=[f"{s}.{k}" for s, k, _ in needed])


def check_app_gateway_subnet(ctx: StepContext, subnet_id: str) -> Finding:
    """App Gateway wants a subnet of its own: anything else in it (a NIC, another gateway's
    configuration that is not ours) makes ARM refuse the gateway."""
    assert ctx.azure is not None
    try:
        subnet = call(subnet_id, ctx.azure.resources().resources.get_by_id, subnet_id, api_version=NET_API).as_dict()
    except AzureCallFailed as exc:
        if exc.failure.status == 404:
            return Finding.fail(f"The App Gateway subnet {subnet_id.rsplit('/', 1)[-1]} does not exist.",
                                "Run the spoke step again (7).", subnet=subnet_id)
        raise
    props = subnet.get("properties") or {}
    prefix = str(props.get("addressPrefix") or (props.get("addressPrefixes") or [""])[0])
    users = [str(c.get("id", "")) for c in props.get("ipConfigurations") or []]
    others = [u for u in users if "/applicationgateways/" not in u.lower()]
    evidence = {"subnet": subnet_id, "prefix": prefix, "in_use_by": users}
    if others:
        return Finding.fail(f"The App Gateway subnet holds other resources ({len(others)}): App Gateway needs a "
                            "subnet of its own.", "Move those resources out of the subnet, then re-run the checks.",
                            **evidence)
    if prefix and ip_network(prefix, strict=False).prefixlen > APP_GATEWAY_MIN_PREFIX:
        return Finding.warn(f"The App Gateway subnet is {prefix}: smaller than a /24, autoscale stops before its "
                            "maximum.", "Widen the subnet in the spoke step (7), or accept a lower maximum.",
                            **evidence)
    return Finding.ok(f"The App Gateway subnet {prefix} is free and large enough.", **evidence)


def check_listener_host(ctx: StepContext) -> Finding:
    """The listener certificate in the secret store must name the host App Gateway listens on."""
    from checks.certificates import check_san_covers
    from steps.tls_material import written_listener

    host = str(ctx.output("tls-certificates", "public_host") or "")
    if not host:
        return Finding.fail("The TLS step has no listener host.", "Run the TLS certificates step (2).")
    try:
        cert = written_listener(ctx).leaf
    except Exception as exc:  # noqa: BLE001 - a missing or unreadable store entry is the finding
        return Finding.fail(f"The listener certificate cannot be read from the secret store: {exc}",
                            "Run the TLS certificates step again (2).", host=host)
    found = check_san_covers(cert, host)
    if found.status.value != "pass":
        return Finding.fail(f"The listener certificate does not name {host}: {found.summary}",
                            "Re-issue the certificate for that host, or change the host in step 2.",
                            **dict(found.evidence))
    return Finding.ok(f"The listener certificate names {host}.", **dict(found.evidence))


def check_role_rights(ctx: StepContext, groups: Sequence[str]) -> Finding:
    """The identities' role assignments take Owner or User Access Administrator; Contributor
    deploys everything else and then fails at the first assignment."""
    held, rows = assigned_roles(ctx)
    evidence = {"assignments": rows, "groups": list(groups)}
    if held & {OWNER, USER_ACCESS_ADMINISTRATOR}:
        return Finding.ok(f"You may make the role assignments in {' and '.join(groups)}.", **evidence)
    return Finding.fail("The cluster's identities need role assignments in " + " and ".join(groups) + ", which take "
                        "Owner or User Access Administrator; you hold neither at subscription scope.",
                        "Ask a subscription Owner for User Access Administrator, wait a few minutes, then re-run the "
                        "checks (c).", **evidence)
