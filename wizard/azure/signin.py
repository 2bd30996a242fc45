"""Sign-in and the subscription list.

Live: the az CLI's profile (azure-cli-core's public ``azure.cli.core.api``, which honours
AZURE_CONFIG_DIR) gives subscriptions, the default one, the tenant and the cloud's
endpoints; AzureCliCredential reuses ``az login``; device-code sign-in is the fallback.
Rehearsal: the backend's simulated user; the operator's ~/.azure is never read or written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from wizard.azure.context import AzureContext
from wizard.azure.endpoints import AZURE_PUBLIC, Endpoints, rehearsal_endpoints


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    name: str
    state: str
    tenant_id: str
    is_default: bool = False


class SignInRequired(Exception):
    """No usable credential; the message tells the operator how to sign in."""


def cli_profile() -> tuple[list[SubscriptionInfo], Endpoints]:
    """Read the az CLI profile. Imports azure-cli-core lazily (it is slow to import)."""
    from azure.cli.core import get_default_cli
    from azure.cli.core.api import load_subscriptions

    cli = get_default_cli()
    subs = [SubscriptionInfo(id=s["id"], name=s.get("name", ""), state=s.get("state", ""),
                             tenant_id=s.get("tenantId", ""), is_default=bool(s.get("isDefault")))
            for s in load_subscriptions(cli)]
    ep = cli.cloud.endpoints
    arm = ep.resource_manager
    graph = getattr(ep, "microsoft_graph_resource_id", None) or AZURE_PUBLIC.graph
    authority = getattr(ep, "active_directory", None) or AZURE_PUBLIC.authority
    endpoints = Endpoints(cloud=cli.cloud.name, resource_manager=arm, graph=graph,
                          arm_scope=arm.rstrip("/") + "/.default", graph_scope=graph.rstrip("/") + "/.default",
                          authority=authority)
    return subs, endpoints


def choose_subscription(candidates: list[SubscriptionInfo], wanted: str | None = None) -> SubscriptionInfo | None:
    """The subscription a live session works in: the one asked for (a resumed session's),
    else the profile's default, else the first enabled one. None when nothing fits."""
    if wanted:
        return next((s for s in candidates if s.id == wanted), None)
    return (next((s for s in candidates if s.is_default), None)
            or next((s for s in candidates if s.state.lower() == "enabled"), None))


def live_context(device_code_prompt: Callable[[str, str, Any], None] | None = None,
                 subscription_id: str | None = None) -> AzureContext:
    """Build a live AzureContext: az CLI credential first, device code as the fallback.

    After a device-code sign-in the az profile usually lists nothing (that is why the CLI
    credential failed), so the subscriptions then come from ARM itself."""
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import AzureCliCredential, CredentialUnavailableError, DeviceCodeCredential

    subs, endpoints = cli_profile()
    chosen = choose_subscription(subs, subscription_id)
    tenant = chosen.tenant_id if chosen else ""
    credential: Any = AzureCliCredential(tenant_id=tenant) if tenant else AzureCliCredential()
    try:
        credential.get_token(endpoints.arm_scope)
    except (CredentialUnavailableError, ClientAuthenticationError) as exc:
        if device_code_prompt is None:
            raise SignInRequired(f"Not signed in to Azure ({str(exc).splitlines()[0]}). Run `az login`, "
                                 "or start the TUI to use device-code sign-in.") from exc
        credential = DeviceCodeCredential(tenant_id=tenant or "organizations", authority=endpoints.authority,
                                          prompt_callback=device_code_prompt)
        credential.get_token(endpoints.arm_scope)
        if chosen is None:
            chosen = choose_subscription(list_subscriptions(AzureContext(credential, endpoints, "", tenant, "")),
                                         subscription_id)
    if chosen is None:
        wanted = f" {subscription_id}" if subscription_id else ""
        raise SignInRequired(f"Signed in, but no usable subscription{wanted} is visible to this account. "
                             "Check `az account list` or ask for access to a subscription.")
    return AzureContext(credential, endpoints, chosen.id, chosen.tenant_id, chosen.name)


def rehearsal_context(backend: Any, subscription_id: str | None = None) -> AzureContext:
    endpoints = rehearsal_endpoints(backend.base_url, str(backend.ca_path), backend.pace,
                                    getattr(backend, "frontend_address", ""))
    scenario = backend.scenario
    sub = subscription_id or scenario.default_subscription_id
    return AzureContext(backend.credential(), endpoints, sub, scenario.tenant_id,
                        next((s.get("displayName", "") for s in scenario.subscriptions if s.get("subscriptionId") == sub), ""))


def list_subscriptions(azure: AzureContext) -> list[SubscriptionInfo]:
    """Subscriptions visible to the signed-in identity, from ARM itself (same in both modes).
    Cached on the context: form validation asks for it on every keystroke."""
    return azure._cached("subscription-list", lambda: _fetch_subscriptions(azure))


def _fetch_subscriptions(azure: AzureContext) -> list[SubscriptionInfo]:
    out = []
    for sub in azure.subscriptions().subscriptions.list():
        body = sub.as_dict() if hasattr(sub, "as_dict") else {}
        out.append(SubscriptionInfo(id=str(body.get("subscriptionId", "")), name=str(body.get("displayName", "")),
                                    state=str(body.get("state", "")), tenant_id=str(body.get("tenantId", "")),
                                    is_default=str(body.get("subscriptionId")) == azure.subscription_id))
    return out
