"""Step 1: prerequisites. Nothing is deployed; the step proves the operator, subscription
and region can carry the baseline before any money is spent."""

from __future__ import annotations

import re
from checks import access, providers, region, tools
from steps.node_pools import REFERENCE_POOLS
from wizard.engine.contract import Check, Choice, Field, FieldKind, OutputSpec, StepContext, StepDefinition

_REGION = re.compile(r"^[a-z][a-z0-9]{2,30}$")


def _subscription_choices(ctx: StepContext) -> tuple[Choice, ...]:
    if ctx.azure is None:
        return ()
    from wizard.azure.signin import list_subscriptions

    return tuple(Choice(s.id, f"{s.name} ({s.id})", s.state) for s in list_subscriptions(ctx.azure))


def _default_subscription(ctx: StepContext) -> str:
    return ctx.azure.subscription_id if ctx.azure else ""


def region_error(value: str, ctx: StepContext) -> str | None:
    """Shape first (no Azure needed), then the subscription's own list of regions, so an
    unknown region is named at the field instead of failing a check later."""
    if not _REGION.match(value):
        return "Use the short region name: lowercase letters and digits, e.g. eastus2 (not 'East US 2')."
    if ctx.azure is None:
        return None
    try:
        offered = ctx.azure.region_names()
    except Exception:  # noqa: BLE001 - unreadable now: the region checks report it with Azure's error
        return None
    if offered and value not in offered:
        near = sorted(offered, key=lambda r: (not r.startswith(value[:4]), r))[:6]
        return (f"'{value}' is not a region of this subscription. Choose one it offers, e.g. "
                f"{', '.join(near)}.")
    return None


def _switch_subscription(ctx: StepContext) -> None:
    azure = ctx.azure
    chosen = ctx.answers.get("subscription_id")
    if azure is not None and chosen and chosen != azure.subscription_id:
        azure.close()
        azure.subscription_id = chosen


def _region(ctx: StepContext) -> str:
    return str(ctx.answers["region"])


def _outputs(ctx: StepContext) -> dict[str, str]:
    assert ctx.azure is not None
    return {"subscription_id": ctx.azure.subscription_id, "tenant_id": ctx.azure.tenant_id,
            "region": _region(ctx)}


PREREQUISITES = StepDefinition(
    id="prerequisites",
    title="Prerequisites",
    summary="Tools, sign-in, subscription, permissions, providers, zones and quota.",
    lesson="prerequisites.md",
    built=True,
    fields=(
        Field("subscription_id", "Subscription", "Every resource of the baseline is billed to this subscription; it "
              "must be Enabled and you need Owner (or Contributor + User Access Administrator + Resource Policy "
              "Contributor) on it.", default=_default_subscription, kind=FieldKind.CHOICE,
              choices=_subscription_choices),
        Field("region", "Region", "One region for the whole baseline. It must offer three availability zones: the "
              "firewall, public IPs and node pools are spread over zones 1-3.", default="eastus2",
              validators=(region_error,), placeholder="eastus2"),
    ),
    checks=(
        Check("prereq.tools", "Command-line tools", tools.check_tools),
        Check("prereq.signed-in", "Signed in", access.check_signed_in, needs_azure=True),
        Check("prereq.subscription", "Subscription enabled", access.check_subscription_enabled, needs_azure=True),
        Check("prereq.rbac", "Azure RBAC at subscription scope", access.check_rbac, needs_azure=True),
        Check("prereq.entra", "Entra rights to create groups", access.check_entra_group_rights, needs_azure=True),
        Check("prereq.providers", "Resource providers registered", providers.check_providers,
              fix=providers.register_missing, fix_label="Register missing providers", needs_azure=True),
        Check("prereq.zones", "Region has availability zones",
              lambda ctx: region.check_region_zones(ctx, _region(ctx), REFERENCE_POOLS), needs_azure=True),
        Check("prereq.quota", "vCPU quota for the node pools",
              lambda ctx: region.check_vcpu_quota(ctx, _region(ctx), REFERENCE_POOLS), needs_azure=True),
        Check("prereq.vm-sizes", "Node pool sizes offered in every zone",
              lambda ctx: region.check_vm_sizes(ctx, _region(ctx), REFERENCE_POOLS), needs_azure=True),
    ),
    action=None,
    outputs=(OutputSpec("subscription_id", "Subscription"), OutputSpec("tenant_id", "Tenant"),
             OutputSpec("region", "Region")),
    on_decided=_switch_subscription,
    collect_outputs=_outputs,
)
