"""Resource providers the baseline deploys into (azure-facts.md §4), with a one-key
register remedy. Unregistered providers are the classic "MissingSubscriptionRegistration"
failure halfway through a deployment; catching them here costs nothing."""

from __future__ import annotations

from typing import Mapping

from checks.wording import all_of
from wizard.azure.remedies import HEADLESS_RESUME, TUI_KEYS, provider_register_commands
from wizard.engine.contract import CheckStatus, Finding, StepContext

REQUIRED_PROVIDERS: dict[str, str] = {
    "Microsoft.Network": "hub and spoke networks, firewall, Bastion, App Gateway",
    "Microsoft.Compute": "node pool scale sets, disks, quota queries",
    "Microsoft.ContainerService": "the AKS cluster",
    "Microsoft.ContainerRegistry": "the container registry",
    "Microsoft.KeyVault": "Key Vault for certificates",
    "Microsoft.ManagedIdentity": "cluster and workload identities",
    "Microsoft.OperationalInsights": "Log Analytics workspaces",
    "Microsoft.OperationsManagement": "Container Insights solutions",
    "Microsoft.Insights": "diagnostic settings and alerts",
    "Microsoft.PolicyInsights": "the Azure Policy add-on",
    "Microsoft.KubernetesConfiguration": "the Flux GitOps extension",
    "Microsoft.Security": "Microsoft Defender for Containers",
}


def _states(ctx: StepContext, namespaces: Mapping[str, str]) -> dict[str, str]:
    assert ctx.azure is not None
    client = ctx.azure.resources().providers
    out = {}
    for namespace in namespaces:
        provider = client.get(namespace).as_dict()
        out[namespace] = str(provider.get("registrationState", "Unknown"))
    return out


def check_providers(ctx: StepContext) -> Finding:
    """The baseline's providers (prerequisites)."""
    return check_namespaces(ctx, REQUIRED_PROVIDERS)


def check_namespaces(ctx: StepContext, namespaces: Mapping[str, str]) -> Finding:
    """Fail on any of ``namespaces`` (namespace -> what it is for) that is not Registered;
    warn when they are all on their way."""
    states = _states(ctx, namespaces)
    missing = sorted(ns for ns, state in states.items() if state != "Registered")
    evidence = {"providers": states}
    if not missing:
        return Finding(CheckStatus.PASS, f"{all_of(len(states), 'resource provider', 'resource providers')} "
                       f"{'is' if len(states) == 1 else 'are'} registered.", evidence)
    registering = [ns for ns in missing if states[ns] == "Registering"]
    if registering and len(registering) == len(missing):
        return Finding(CheckStatus.WARN, "Still registering: " + ", ".join(registering), evidence,
                       f"Registration takes a few minutes; run the checks again shortly (key {TUI_KEYS['checks']}; "
                       f"headless: `{HEADLESS_RESUME}`).")
    detail = "; ".join(f"{ns} ({namespaces[ns]})" for ns in missing)
    return Finding(CheckStatus.FAIL, "Not registered: " + detail, evidence, register_remedy(missing))


def register_remedy(missing: list[str]) -> str:
    """Both ways to register: the wizard's one-key fix, and, for ``aks-wizard run`` (which has no
    flag for it), the exact az commands for the namespaces that are missing."""
    return (f"Press {TUI_KEYS['fix']} (Fix) to register them now; the wizard records it in the audit log and "
            f"checks again. Headless, `aks-wizard run` does not register providers: run "
            f"{provider_register_commands(missing)}, wait a few minutes, then `{HEADLESS_RESUME}`.")


def register_missing(ctx: StepContext, finding: Finding) -> str:
    assert ctx.azure is not None
    client = ctx.azure.resources().providers
    states = finding.evidence.get("providers", {}) if finding.evidence else {}
    targets = [ns for ns, state in states.items() if state not in ("Registered", "Registering")]
    for namespace in targets:
        client.register(namespace)
    return "Registration requested for: " + ", ".join(targets) if targets else "Nothing to register."
