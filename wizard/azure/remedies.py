"""What to do about an Azure error code. Data, so a new code is one line, not a branch.

Codes are Azure's own (ARM, resource providers, Graph). The remedy is shown next to Azure's
message, never instead of it."""

from __future__ import annotations

# The terminal UI's step keys, by action (``wizard/ui/screens/main.py`` binds them; this layer
# may not import the UI). Remedies name keys from this table, never from memory, and
# tests/unit/test_msg_keys.py fails when it drifts from the real bindings.
TUI_KEYS: dict[str, str] = {"save": "ctrl+s", "checks": "c", "fix": "f", "override": "o", "preview": "p",
                            "approve": "a", "complete": "x", "retry": "r"}

# What the same remedies are without the TUI (``aks-wizard run``).
HEADLESS_RESUME = "aks-wizard run --resume <session-id> --yes"
RETRY = f"retry the step (key {TUI_KEYS['retry']}; headless: `{HEADLESS_RESUME}`)"


def provider_register_commands(namespaces: list[str] | tuple[str, ...]) -> str:
    """The az commands that register ``namespaces``: what to do when no wizard key is at hand
    (``aks-wizard run`` has no flag that registers providers)."""
    return "; ".join(f"`az provider register --namespace {ns}`" for ns in namespaces)


REMEDIES: dict[str, str] = {
    "AuthorizationFailed": "Your identity lacks a role at this scope. Ask an Owner to grant Contributor + User Access "
                           "Administrator (or Owner) on the subscription, then re-run the checks.",
    "LinkedAuthorizationFailed": "A linked resource is in a scope you cannot write to. Grant the role on that scope too.",
    "MissingSubscriptionRegistration": "Register the resource provider named in the message. In the wizard: open "
                                       f"the Prerequisites step, run its checks (key {TUI_KEYS['checks']}) and "
                                       f"press {TUI_KEYS['fix']} to register what is missing. Headless (no flag "
                                       "does this): run `az provider register --namespace <namespace from the "
                                       f"message>`. Then {RETRY}.",
    "QuotaExceeded": "Request a quota increase (Portal > Quotas) or choose a smaller VM size / fewer nodes.",
    "OperationNotAllowed": "Usually a quota limit. Read the numbers in the message and request an increase.",
    "SkuNotAvailable": "This size or tier is not offered in the region for your subscription. Choose another "
                       "region or SKU.",
    "LocationNotAvailableForResourceType": "The resource type is not offered in this region. Choose another region.",
    "InvalidResourceZone": "The region does not offer the requested availability zones. Choose a region with zones.",
    "ZonesNotSupported": "The region does not offer availability zones. Choose a region with three zones.",
    "PublicIPCountLimitReached": "Public IP quota is exhausted in this region. Request an increase or lower the "
                                 "number of firewall public IPs.",
    "InvalidTemplate": "The template is invalid. This is a wizard bug: export the audit log and report it.",
    "InvalidTemplateDeployment": "ARM's preflight validation rejected the deployment; the details name the resource "
                                 "and the reason.",
    "DeploymentFailed": "One or more resources failed; see the resource-level error below.",
    "DeploymentActive": "A deployment with this name is still running. Wait for it: the wizard re-attaches to it.",
    "TooManyRequests": "Azure throttled the requests. The wizard already retried with back-off; wait a minute, then "
                       f"{RETRY}.",
    "InternalServerError": f"Azure had a transient failure; nothing was lost. {RETRY.capitalize()}.",
    "ServiceUnavailable": f"Azure is temporarily unavailable; nothing was lost. In a few minutes, {RETRY}.",
    "ResourceGroupNotFound": f"The resource group does not exist. {RETRY.capitalize()}: the wizard creates it first.",
    "NsgFlowLogCreationBlocked": "Azure no longer allows new NSG flow logs. Use VNet flow logs instead (the wizard's "
                                "templates already do).",
    "ConnectionError": f"The connection to Azure failed. Check your network or proxy, then {RETRY}.",
    "CredentialUnavailable": "Sign in again: run `az login` (or use device-code sign-in), then retry.",
    "Authorization_RequestDenied": "Your Entra account cannot perform this directory operation. Ask a Groups or User "
                                   "Administrator, or supply existing group ids.",
}

DEFAULT_REMEDY = "Read Azure's message above; fix the cause and retry the step. Nothing was lost."


def remedy_for(code: str) -> str:
    return REMEDIES.get(code, DEFAULT_REMEDY)


def with_session(text: str, session_id: str | None) -> str:
    """Remedy texts are written once for every session and say ``<session-id>``; the face that
    shows one knows the id, so the operator gets a command to paste."""
    return text.replace("<session-id>", session_id) if session_id and text else text
