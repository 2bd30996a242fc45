"""Published api-versions, and which resource type a request path addresses.

ARM refuses a request whose api-version is missing or not one the resource provider
publishes for that type, and a template resource whose ``apiVersion`` the type lacks. The
versions are data (``assets/azure/api-versions.json``, regenerated from Azure's REST
specifications by ``wizard.rehearsal.api_versions_regen``), so the rehearsal is exactly as
strict as the list and a new step must add its types there before its templates deploy."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wizard.rehearsal.http_types import ArmError

CATALOG_FILE = Path(__file__).resolve().parents[2] / "assets" / "azure" / "api-versions.json"
VERSION_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}(-(preview|alpha|beta|privatepreview))?$", re.IGNORECASE)

# Microsoft.Resources operations are answered by ARM itself, which words its refusal
# differently from a resource provider's (InvalidApiVersionParameter, not NoRegisteredProviderFound).
_ARM_OWN = ("microsoft.resources/",)


@dataclass(frozen=True)
class Catalog:
    versions: dict[str, tuple[str, ...]]  # lower-case type -> versions, newest first
    names: dict[str, str]  # lower-case type -> canonical spelling

    def of(self, resource_type: str) -> tuple[str, ...] | None:
        return self.versions.get(resource_type.lower())

    def canonical(self, resource_type: str) -> str:
        return self.names.get(resource_type.lower(), resource_type)


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    raw = json.loads(path.read_text(encoding="utf-8"))
    versions: dict[str, tuple[str, ...]] = {}
    names: dict[str, str] = {}
    for rtype, entry in raw["types"].items():
        versions[rtype.lower()] = tuple(entry["versions"])
        names[rtype.lower()] = rtype
    return Catalog(versions, names)


def path_type(path: str) -> str | None:
    """The resource type (or ARM operation family) a request path addresses; None for Graph
    and the registry API.

    Follows ARM's own reading of a path: the segments after the last ``/providers/`` are
    namespace, then type/name pairs; a trailing odd segment is a collection or an action."""
    lower = path.lower().rstrip("/")
    if lower.startswith(("/v1.0", "/beta", "/_registries/")):
        return None  # Graph, and the public container registries' own API (source_registries)
    if "/operationresults/" in lower and "/providers/" not in lower:  # ARM's own; a provider's has its namespace
        return "Microsoft.Resources/operationResults"
    if "/providers/" not in lower:
        parts = [p for p in lower.split("/") if p]
        if len(parts) == 3 and parts[2] == "providers":
            return "Microsoft.Resources/providers"
        if len(parts) == 3 and parts[2] == "resources":  # Resources - List (a subscription's resources)
            return "Microsoft.Resources/resources"
        if len(parts) <= 2 or parts[2] == "locations":
            return "Microsoft.Resources/subscriptions"
        if len(parts) >= 5 and parts[4] == "deployments":  # the SDK's legacy operations path
            return "Microsoft.Resources/deployments"
        if len(parts) == 5 and parts[4] == "resources":
            return "Microsoft.Resources/resources"
        return "Microsoft.Resources/resourceGroups"
    trimmed = path.rstrip("/")
    tail = trimmed[lower.rfind("/providers/") + len("/providers/"):].split("/")  # ARM paths ignore case
    if len(tail) == 1:
        return "Microsoft.Resources/providers"
    if len(tail) == 2 and tail[1].lower() == "register":
        return "Microsoft.Resources/providers"
    namespace, rest = tail[0], tail[1:]
    types = [rest[i] for i in range(0, len(rest), 2)]
    return f"{namespace}/{'/'.join(types)}"


def _resolve(catalog: Catalog, rtype: str) -> str | None:
    """The catalogued type: the path's own, or its parent's when the last segment is an
    action (``registries/importImage``) or an operation (``deployments/whatIf``)."""
    candidate = rtype
    while "/" in candidate:
        if catalog.of(candidate) is not None:
            return candidate
        head, _, last = candidate.rpartition("/")
        if "/" not in head:
            return None
        candidate = head
    return None


def check_request(path: str, query: dict[str, str], location: str = "") -> None:
    """Raise the ArmError ARM answers for a missing, malformed or unpublished api-version."""
    rtype = path_type(path)
    if rtype is None:
        return
    given = next((v for k, v in query.items() if k.lower() == "api-version"), None)
    if not given:
        raise ArmError(400, "MissingApiVersionParameter",
                       "The api-version query parameter (?api-version=) is required for all requests.")
    catalog = load_catalog()
    if rtype == "Microsoft.Resources/operationResults":
        supported = tuple(dict.fromkeys((catalog.of("Microsoft.Resources/deployments") or ())
                                        + (catalog.of("Microsoft.Resources/resourceGroups") or ())))
        _require(given, supported, rtype, location, own=True)
        return
    resolved = _resolve(catalog, rtype)
    if resolved is None:
        namespace, _, rest = rtype.partition("/")
        raise ArmError(404 if rtype.lower().startswith(_ARM_OWN) else 400, "InvalidResourceType",
                       f"The resource type '{rest}' could not be found in the namespace '{namespace}' for api "
                       f"version '{given}'.")
    _require(given, catalog.of(resolved) or (), catalog.canonical(resolved), location,
             own=resolved.lower().startswith(_ARM_OWN))


def _require(given: str, supported: tuple[str, ...], rtype: str, location: str, own: bool) -> None:
    if any(given.lower() == v.lower() for v in supported):
        return
    if own or not VERSION_SHAPE.match(given):
        # ARM's own list is comma-joined without spaces, newest first (seen in Azure/apiops#508).
        raise ArmError(400, "InvalidApiVersionParameter", f"The api-version '{given}' is invalid. The supported "
                       f"versions are '{','.join(supported)}'.")
    raise ArmError(400, "NoRegisteredProviderFound", unsupported_message(rtype, given, supported, location))


def unsupported_message(rtype: str, given: str, supported: tuple[str, ...], location: str) -> str:
    """The resource provider's refusal, worded as ARM words it (Azure/azure-cli#28496: the
    type without its namespace, versions joined with ', ', the location in lower case)."""
    short = rtype.split("/", 1)[1] if "/" in rtype else rtype
    return (f"No registered resource provider found for location '{location.lower() or '*'}' and API version "
            f"'{given}' for type '{short}'. The supported api-versions are '{', '.join(supported)}'.")


def template_resource_problem(rtype: str, api_version: str | None, location: str,
                              name: str = "") -> tuple[str, str] | None:
    """(code, message) when a template resource's apiVersion is missing or unpublished. ARM
    checks its own types (deployments, resource groups) while reading the template
    (InvalidTemplate, as fortinet/azure-templates#63 shows); a provider's types are refused
    by the provider (NoRegisteredProviderFound)."""
    if not api_version:
        return "InvalidTemplate", (f"Deployment template validation failed: 'The template resource of type "
                                   f"'{rtype}' is not valid: Required property 'apiVersion' not found in JSON.'.")
    catalog = load_catalog()
    supported = catalog.of(rtype)
    if supported is None:
        namespace, _, rest = rtype.partition("/")
        return "InvalidResourceType", (f"The resource type '{rest}' could not be found in the namespace "
                                       f"'{namespace}' for api version '{api_version}'.")
    if any(api_version.lower() == v.lower() for v in supported):
        return None
    if rtype.lower().startswith(_ARM_OWN):
        return "InvalidTemplate", (f"Deployment template validation failed: 'The template resource '{name}' is "
                                   f"invalid. 'ApiVersion' property is invalid. The supported versions are "
                                   f"'{','.join(supported)}'. Please see https://aka.ms/arm-syntax-resources for "
                                   "usage details.'.")
    return "NoRegisteredProviderFound", unsupported_message(catalog.canonical(rtype), api_version, supported,
                                                            location)
