"""Azure resource naming rules as data, and the checks that read them.

The rules come from azure-facts.md §1 (Microsoft's "Naming rules and restrictions" page, the
AKS REST patterns and the Azure Firewall FAQ). They live in one table so a reviewer can compare
each row with its source, and so adding a resource kind never means adding code.

A name is checked in a fixed order (empty, '#', length, characters, shape) so the operator is
told the most basic problem first, in a sentence that says both what is wrong and what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from checks.wording import all_of
from wizard.engine.contract import Finding

NAMING_SOURCE = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules"


@dataclass(frozen=True)
class NameRule:
    """One row of the naming table.

    ``charset`` matches a single allowed character, so the error can name the offending ones;
    ``shape`` is the whole-name pattern (start/end rules, no '--'); length is checked apart from
    both so the message can give the number of characters."""

    label: str  # how the operator knows the resource, e.g. "Azure Firewall"
    min_len: int
    max_len: int
    charset: str
    shape: str
    allowed: str  # the characters, in words
    shape_rule: str  # the start/end rules, in words
    scope: str  # where the name must be unique
    source: str = NAMING_SOURCE

    def matches_shape(self, name: str) -> bool:
        return re.fullmatch(self.shape, name) is not None


# Character sets shared by several rows, named after the first resource the docs state them for.
_NETWORK_CHARS = r"[A-Za-z0-9_.\-]"
_NETWORK_SHAPE = r"[A-Za-z0-9](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?"
_NETWORK_ALLOWED = "letters, digits, underscores, periods and hyphens"
_NETWORK_ENDS = "start with a letter or digit and end with a letter, digit or underscore"
_ALNUM_HYPHEN_SHAPE = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
_FIREWALL_FAQ = "https://learn.microsoft.com/azure/firewall/firewall-faq"
_AKS_DOCS = "azure-aks-docs:articles/aks/create-node-pools.md; AKS REST agent-pools pattern"


def network_rule(label: str, min_len: int, max_len: int, scope: str, source: str = NAMING_SOURCE) -> NameRule:
    """Most Microsoft.Network resources share one rule; only label, length and scope differ."""
    return NameRule(label, min_len, max_len, _NETWORK_CHARS, _NETWORK_SHAPE, _NETWORK_ALLOWED,
                    _NETWORK_ENDS, scope, source)


NAME_RULES: dict[str, NameRule] = {
    "resource_group": NameRule(
        "Resource group", 1, 90, r"[\w\-.()]", r"[\w\-.()]*[\w\-()]",
        "letters, digits, underscores, hyphens, periods and parentheses",
        "not end with a period", "subscription"),
    "virtual_network": network_rule("Virtual network", 2, 64, "resource group"),
    "subnet": network_rule("Subnet", 1, 80, "virtual network"),
    "public_ip": network_rule("Public IP address", 1, 80, "resource group"),
    "nsg": network_rule("Network security group", 1, 80, "resource group"),
    "ip_group": network_rule("IP group", 1, 80, "resource group"),
    "application_gateway": network_rule("Application Gateway", 1, 80, "resource group"),
    # The naming page says 80; the Firewall FAQ says 50. Enforce the stricter value.
    "firewall": network_rule("Azure Firewall", 1, 50, "resource group", _FIREWALL_FAQ),
    "firewall_policy": network_rule("Firewall policy", 1, 80, "resource group"),
    "bastion": network_rule("Bastion host", 1, 80, "resource group"),
    "private_endpoint": network_rule("Private endpoint", 2, 64, "resource group"),
    "log_analytics": NameRule(
        "Log Analytics workspace", 4, 63, r"[A-Za-z0-9\-]", _ALNUM_HYPHEN_SHAPE,
        "letters, digits and hyphens", "start and end with a letter or digit", "resource group"),
    "aks_cluster": NameRule(
        "AKS cluster", 1, 63, r"[A-Za-z0-9_\-]", r"[A-Za-z0-9](?:[A-Za-z0-9_\-]*[A-Za-z0-9])?",
        "letters, digits, underscores and hyphens", "start and end with a letter or digit",
        "resource group", "AKS REST managed-clusters create-or-update pattern"),
    "node_pool_linux": NameRule(
        "AKS Linux node pool", 1, 12, r"[a-z0-9]", r"[a-z][a-z0-9]*",
        "lowercase letters and digits", "start with a lowercase letter", "cluster", _AKS_DOCS),
    "node_pool_windows": NameRule(
        "AKS Windows node pool", 1, 6, r"[a-z0-9]", r"[a-z][a-z0-9]*",
        "lowercase letters and digits", "start with a lowercase letter", "cluster", _AKS_DOCS),
    "dns_prefix": NameRule(
        "AKS DNS prefix", 1, 54, r"[A-Za-z0-9\-]", _ALNUM_HYPHEN_SHAPE,
        "letters, digits and hyphens (no periods)", "start and end with a letter or digit",
        "part of the API server FQDN", "aka.ms/aks-naming-rules"),
    "key_vault": NameRule(
        "Key Vault", 3, 24, r"[A-Za-z0-9\-]", r"(?!.*--)[A-Za-z](?:[A-Za-z0-9\-]*[A-Za-z0-9])?",
        "letters, digits and hyphens",
        "start with a letter, end with a letter or digit and not contain '--'",
        "global (<name>.vault.azure.net), including soft-deleted vaults"),
    "container_registry": NameRule(
        "Container registry", 5, 50, r"[A-Za-z0-9]", r"[A-Za-z0-9]+",
        "letters and digits (no hyphens)", "contain only letters and digits",
        "global (<name>.azurecr.io)"),
    "storage_account": NameRule(
        "Storage account", 3, 24, r"[a-z0-9]", r"[a-z0-9]+",
        "lowercase letters and digits", "contain only lowercase letters and digits", "global"),
    "managed_identity": NameRule(
        "User-assigned managed identity", 3, 128, r"[A-Za-z0-9_\-]", r"[A-Za-z0-9][A-Za-z0-9_\-]*",
        "letters, digits, hyphens and underscores", "start with a letter or digit", "resource group"),
    "budget": NameRule(
        "Budget", 1, 63, r"[A-Za-z0-9_\-]", r"[A-Za-z0-9_\-]+",
        "letters, digits, hyphens and underscores", "contain only letters, digits, '-' and '_'",
        "subscription or resource group", "Microsoft.Consumption/budgets REST pattern"),
}


def rule_for(kind: str) -> NameRule:
    """Look a kind up; an unknown kind is a programming error, so say which kinds exist."""
    try:
        return NAME_RULES[kind]
    except KeyError:
        raise KeyError(f"unknown resource kind {kind!r}; known kinds: {', '.join(sorted(NAME_RULES))}") from None


def _bad_characters(rule: NameRule, name: str) -> list[str]:
    seen: list[str] = []
    for char in name:
        if re.fullmatch(rule.charset, char) is None and char not in seen:
            seen.append(char)
    return seen


def name_error(kind: str, name: str) -> str | None:
    """Return one field-level sentence saying what is wrong with ``name`` and what is allowed,
    or None when Azure will accept it. '#' is rejected for every kind because it breaks ARM
    URL parsing even where the documented character set would not mention it."""
    rule = rule_for(kind)
    if not name:
        return f"{rule.label} name is required ({rule.min_len}-{rule.max_len} characters: {rule.allowed})."
    if "#" in name:
        return f"{rule.label} names must not contain '#' (it breaks Azure Resource Manager URLs)."
    if name != name.strip():
        return f"{rule.label} names must not start or end with spaces."
    if len(name) > rule.max_len:
        return f"{rule.label} names are at most {rule.max_len} characters (this one has {len(name)})."
    if len(name) < rule.min_len:
        return f"{rule.label} names are at least {rule.min_len} characters (this one has {len(name)})."
    bad = _bad_characters(rule, name)
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        verb = "is" if len(bad) == 1 else "are"
        hint = " Use lowercase." if any(c.isupper() for c in bad) else ""
        return f"{rule.label} names may contain only {rule.allowed}; {shown} {verb} not allowed.{hint}"
    if not rule.matches_shape(name):
        return f"{rule.label} names must {rule.shape_rule}."
    return None


def node_resource_group_error(resource_group: str, cluster: str, region: str) -> str | None:
    """AKS builds ``MC_<rg>_<cluster>_<region>`` unless told otherwise, and that name must still
    fit the 80-character limit: long inputs that pass individually can fail together."""
    generated = f"MC_{resource_group}_{cluster}_{region}"
    if len(generated) <= 80:
        return None
    return (f"The node resource group AKS would create, {generated!r}, has {len(generated)} characters "
            "(at most 80). Shorten the resource group or cluster name, or set nodeResourceGroup explicitly.")


def _case_collisions(names: Mapping[str, tuple[str, str]]) -> list[str]:
    """Azure names are case-insensitive: two values of one kind that differ only in case collide
    whenever they share a scope, which the wizard cannot always see, hence a warning."""
    groups: dict[tuple[str, str], list[str]] = {}
    for label, (kind, value) in names.items():
        groups.setdefault((kind, value.casefold()), []).append(label)
    return [f"{' and '.join(labels)} use the same {rule_for(kind).label} name "
            f"(Azure compares names case-insensitively)"
            for (kind, _), labels in groups.items() if len(labels) > 1]


def check_names(names: Mapping[str, tuple[str, str]]) -> Finding:
    """Check every planned name at once (label → (kind, value)) so the operator fixes them in one
    pass instead of discovering them one failed deployment at a time."""
    errors = {label: err for label, (kind, value) in names.items() if (err := name_error(kind, value))}
    evidence = {
        "names": {label: {"kind": kind, "value": value, "valid": label not in errors}
                  for label, (kind, value) in names.items()},
        "source": NAMING_SOURCE,
    }
    if errors:
        lines = [f"{label}: {err}" for label, err in errors.items()]
        return Finding.fail(
            f"{len(errors)} of {len(names)} names would be rejected by Azure",
            "Rename: " + " ".join(lines), errors=errors, **evidence)
    collisions = _case_collisions(names)
    if collisions:
        return Finding.warn(
            f"{len(names)} names are valid, but some collide",
            "Give each resource its own name: " + "; ".join(collisions) + ".",
            collisions=collisions, **evidence)
    verb = "follows" if len(names) == 1 else "follow"
    listed = f" ({', '.join(n for _, n in names.values())})" if len(names) <= 3 else ""
    return Finding.ok(f"{all_of(len(names), 'name', 'names')}{listed} {verb} the Azure naming rules", **evidence)


# DNS host names (RFC 1035 §2.3.4, RFC 1123 §2.1): what a certificate SAN and an App Gateway
# listener accept. Wildcards follow RFC 6125 as browsers apply it: '*' only as the whole left-most
# label, with at least two labels under it, so '*.com' is refused.
DNS_MAX_NAME_CHARS = 253
DNS_MAX_LABEL_CHARS = 63
DNS_MIN_LABELS_UNDER_WILDCARD = 2
_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?")
_DNS_LABEL_CHARS = re.compile(r"[a-z0-9\-]")


def dns_name_error(value: str, label: str, wildcard: bool = False) -> str | None:
    """One sentence naming the field (``label``) and what is wrong with the host name, or None.

    ``wildcard`` True requires the ``*.name`` form (an ingress wildcard); False refuses '*' (a
    listener host is the one name visitors type). Case is ignored, as DNS ignores it."""
    name = (value or "").strip().lower().rstrip(".")
    if not name:
        example = "*.aks-ingress.contoso.com" if wildcard else "bicycle.contoso.com"
        return f"{label}: enter a DNS name, for example {example}."
    if "://" in name or "/" in name or ":" in name:
        return f"{label}: {value!r} is a URL; enter only the host name, without scheme, port or path."
    if len(name) > DNS_MAX_NAME_CHARS:
        return f"{label}: {len(name)} characters is longer than DNS allows ({DNS_MAX_NAME_CHARS})."
    labels = name.split(".")
    if wildcard:
        if labels[0] != "*":
            return f"{label}: {value!r} must start with '*.' (for example *.aks-ingress.contoso.com)."
        labels = labels[1:]
        if len(labels) < DNS_MIN_LABELS_UNDER_WILDCARD:
            return (f"{label}: {value!r} is too broad; a wildcard needs at least {DNS_MIN_LABELS_UNDER_WILDCARD} "
                    "labels after '*.', and browsers refuse wildcards for a whole top-level domain.")
    if "*" in ".".join(labels):
        where = "only as the whole first label" if wildcard else "not at all: the listener host is one exact name"
        return f"{label}: '*' is allowed {where}."
    if len(labels) < 2:
        return f"{label}: {value!r} needs a domain after the host, for example {name}.contoso.com."
    for part in labels:
        if not part:
            return f"{label}: {value!r} has an empty label (two dots in a row, or a leading dot)."
        if len(part) > DNS_MAX_LABEL_CHARS:
            return f"{label}: the label {part[:20]}… has {len(part)} characters; DNS allows {DNS_MAX_LABEL_CHARS}."
        bad = sorted({c for c in part if not _DNS_LABEL_CHARS.fullmatch(c)})
        if bad:
            return (f"{label}: {', '.join(repr(c) for c in bad)} {'is' if len(bad) == 1 else 'are'} not allowed in a "
                    "DNS name (letters, digits and hyphens only, labels separated by dots).")
        if not _DNS_LABEL.fullmatch(part):
            return f"{label}: the label {part!r} must start and end with a letter or digit, not a hyphen."
    if labels[-1].isdigit():
        return f"{label}: {value!r} looks like an IP address; a certificate for a host name needs a DNS name."
    return None
