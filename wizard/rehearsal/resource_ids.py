"""Building and taking apart ARM resource ids.

Both the template functions (``resourceId()``) and the HTTP routes need the same rules, so
they live here once: ``Microsoft.Network/virtualNetworks/subnets`` with names ``[vnet, snet]``
becomes ``.../providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet``."""

from __future__ import annotations

from dataclasses import dataclass


class ResourceIdError(ValueError):
    """A type/name combination that cannot form a resource id."""


def type_segments(resource_type: str) -> tuple[str, list[str]]:
    parts = [p for p in resource_type.split("/") if p]
    if len(parts) < 2:
        raise ResourceIdError(f"'{resource_type}' is not a fully qualified resource type")
    return parts[0], parts[1:]


def split_names(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        out.extend(p for p in str(name).split("/") if p)
    return out


def resource_id(subscription_id: str, resource_group: str | None, resource_type: str,
                names: list[str]) -> str:
    """The full id; ``resource_group=None`` gives a subscription-level id."""
    namespace, types = type_segments(resource_type)
    flat = split_names(names)
    if len(flat) != len(types):
        raise ResourceIdError(
            f"Unable to evaluate template language function 'resourceId': the type '{resource_type}' "
            f"requires '{len(types)}' resource name argument(s).")
    if namespace.lower() == "microsoft.resources" and types[0].lower() == "resourcegroups" and len(types) == 1:
        return f"/subscriptions/{subscription_id}/resourceGroups/{flat[0]}"
    prefix = f"/subscriptions/{subscription_id}"
    if resource_group:
        prefix += f"/resourceGroups/{resource_group}"
    path = "/".join(f"{t}/{n}" for t, n in zip(types, flat))
    return f"{prefix}/providers/{namespace}/{path}"


@dataclass(frozen=True)
class ParsedId:
    subscription_id: str
    resource_group: str | None
    namespace: str
    types: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def resource_type(self) -> str:
        return "/".join((self.namespace,) + self.types)

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else ""

    @property
    def parent_id(self) -> str | None:
        if len(self.types) < 2:
            return None
        return resource_id(self.subscription_id, self.resource_group,
                           "/".join((self.namespace,) + self.types[:-1]), list(self.names[:-1]))


def parse_resource_id(rid: str) -> ParsedId:
    parts = [p for p in rid.split("/") if p]
    if len(parts) < 2 or parts[0].lower() != "subscriptions":
        raise ResourceIdError(f"'{rid}' is not a resource id")
    sub = parts[1]
    rest = parts[2:]
    rg: str | None = None
    if len(rest) >= 2 and rest[0].lower() == "resourcegroups":
        rg = rest[1]
        rest = rest[2:]
        if not rest:
            return ParsedId(sub, rg, "Microsoft.Resources", ("resourceGroups",), (rg,))
    if len(rest) < 3 or rest[0].lower() != "providers":
        raise ResourceIdError(f"'{rid}' is not a resource id")
    namespace = rest[1]
    pairs = rest[2:]
    if len(pairs) % 2:
        raise ResourceIdError(f"'{rid}' has an odd number of type/name segments")
    return ParsedId(sub, rg, namespace, tuple(pairs[0::2]), tuple(pairs[1::2]))


def same_id(a: str, b: str) -> bool:
    """ARM ids compare case-insensitively."""
    return a.rstrip("/").lower() == b.rstrip("/").lower()
