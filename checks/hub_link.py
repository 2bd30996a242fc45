"""Checks a spoke makes against the hub it joins, read from ARM rather than from the session:
the hub VNet, its firewall policy, and every network already peered to it (someone else's
spoke may use the range you picked, and peering refuses overlapping address spaces)."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any, Callable, Mapping

from checks.network import check_no_overlap
from wizard.engine.arm import AzureCallFailed, call
from wizard.engine.contract import Finding, StepContext

NET_API = "2025-07-01"  # Microsoft.Network (assets/azure/api-versions.json)


def _get(ctx: StepContext, rid: str) -> dict[str, Any] | None:
    """The resource, or None when ARM says it does not exist; other errors propagate (the
    check then shows Azure's code and message)."""
    assert ctx.azure is not None
    try:
        return call(rid, ctx.azure.resources().resources.get_by_id, rid, api_version=NET_API).as_dict()
    except AzureCallFailed as exc:
        if exc.failure.status == 404:
            return None
        raise


def check_hub_ready(ctx: StepContext) -> Finding:
    """The hub step's outputs, and the hub VNet and firewall policy they name, in Azure now."""
    hub = ctx.outputs.get("hub") or {}
    missing = [k for k in ("hub_vnet_id", "firewall_private_ip", "firewall_policy_id") if not hub.get(k)]
    if missing:
        return Finding.fail(f"The hub step's outputs lack {', '.join(missing)}.",
                            "Run the hub step (step 5) with this version of the wizard first.", missing=missing)
    vnet = _get(ctx, str(hub["hub_vnet_id"]))
    policy = _get(ctx, str(hub["firewall_policy_id"]))
    evidence = {"hub_vnet_id": hub["hub_vnet_id"], "firewall_policy_id": hub["firewall_policy_id"],
                "firewall_private_ip": hub["firewall_private_ip"]}
    gone = [label for label, body in (("hub VNet", vnet), ("firewall policy", policy)) if body is None]
    if gone:
        return Finding.fail(f"The {' and the '.join(gone)} the hub step made no longer exist in Azure.",
                            "Run the hub step again (its deployment recreates them), then re-run these checks (c).",
                            **evidence)
    return Finding.ok(f"The hub VNet and its firewall policy exist; the firewall's private IP "
                      f"{hub['firewall_private_ip']} becomes the spoke's next hop.", **evidence)


def peered_ranges(ctx: StepContext, own_vnet_id: str) -> dict[str, str]:
    """Label -> ranges (comma-separated) of the hub and of every network peered to it, except
    this spoke's own VNet (a re-run peers it already)."""
    hub = ctx.outputs.get("hub") or {}
    vnet = _get(ctx, str(hub.get("hub_vnet_id", ""))) or {}
    props = vnet.get("properties") or {}
    out = {"hub address space": ", ".join((props.get("addressSpace") or {}).get("addressPrefixes") or [])}
    for peering in props.get("virtualNetworkPeerings") or []:
        pprops = peering.get("properties") or {}
        remote = str((pprops.get("remoteVirtualNetwork") or {}).get("id", ""))
        if remote.lower() == own_vnet_id.lower():
            continue
        prefixes = (pprops.get("remoteAddressSpace") or {}).get("addressPrefixes") or []
        if prefixes:
            out[f"peered {remote.rsplit('/', 1)[-1]}"] = ", ".join(prefixes)
    return {k: v for k, v in out.items() if v}


def check_no_overlap_with_peers(ctx: StepContext, own_vnet_id: str, planned: Mapping[str, str]) -> Finding:
    """This step's planned ranges against the hub and every network peered to it."""
    ranges = {**peered_ranges(ctx, own_vnet_id), **planned}
    finding = check_no_overlap(ranges)
    peers = sorted(k for k in ranges if k.startswith("peered "))
    if finding.status.value == "pass":
        hub = ranges.get("hub address space", "")
        mine = ", ".join(f"{label} {value}" for label, value in planned.items())
        return Finding.ok(f"No overlap: {mine} against the hub{f' ({hub})' if hub else ''}"
                          + (f" and {len(peers)} peered network{'s' if len(peers) != 1 else ''}" if peers else "")
                          + ".", **dict(finding.evidence))
    return finding


def outside_hub(label: str) -> Callable[[Any, StepContext], str | None]:
    """A field validator: the range must not overlap the hub's address space (from the hub
    step's outputs), so the mistake is named on the field before any check runs."""

    def validate(value: Any, ctx: StepContext) -> str | None:
        hub = str((ctx.outputs.get("hub") or {}).get("address_space") or "")
        try:
            mine, theirs = ip_network(str(value).strip()), ip_network(hub)
        except ValueError:
            return None  # the CIDR validator speaks for a malformed value; no hub yet: the check reads ARM
        if mine.overlaps(theirs):
            return f"{label} {mine} overlaps the hub's address space {theirs}: choose a range outside it."
        return None

    return validate
