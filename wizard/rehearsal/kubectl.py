"""The ``kubectl`` forms a rehearsal run command answers, from the cluster's derived objects.

Only what the wizard runs is modelled: ``get`` of nodes, namespaces and constraint templates
(plain or ``-o json``), and ``auth can-i``. Anything else is refused the way kubectl or the
pod's shell refuses it (an unknown resource type, an unknown command, a program that is not
there), with a non-zero exit code, so a wizard command the rehearsal cannot answer fails
loudly instead of passing quietly.

Access follows Kubernetes RBAC on an Entra-integrated cluster: members of the cluster's
admin groups (``aadProfile.adminGroupObjectIDs``) are bound to cluster-admin; anyone else
is forbidden, in the API server's own words (mspnp/aks-baseline#146 quotes "nodes is
forbidden")."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

RESOURCES = {"nodes": "nodes", "node": "nodes", "no": "nodes", "namespaces": "namespaces", "namespace": "namespaces",
             "ns": "namespaces", "constrainttemplates": "constrainttemplates",
             "constrainttemplate": "constrainttemplates"}
GROUPS = {"nodes": "", "namespaces": "", "constrainttemplates": "templates.gatekeeper.sh"}


@dataclass(frozen=True)
class Caller:
    upn: str
    object_id: str
    admin: bool  # a member of one of the cluster's admin groups


@dataclass(frozen=True)
class ClusterView:
    """What kubectl may read: built lazily, since most commands need one kind only."""

    nodes: Callable[[], list[dict[str, Any]]]
    namespaces: Callable[[], list[str]]
    constraint_templates: Callable[[], list[str]]


def _forbidden(caller: Caller, resource: str, verb: str = "list") -> tuple[int, str]:
    group = GROUPS.get(resource, "")
    return 1, (f'Error from server (Forbidden): {resource} is forbidden: User "{caller.upn}" cannot {verb} resource '
               f'"{resource}" in API group "{group}" at the cluster scope\n')


def _items(resource: str, view: ClusterView) -> list[dict[str, Any]]:
    if resource == "nodes":
        return view.nodes()
    if resource == "namespaces":
        return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}, "status": {"phase": "Active"}}
                for n in view.namespaces()]
    return [{"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate", "metadata": {"name": n}}
            for n in view.constraint_templates()]


def _table(resource: str, items: list[dict[str, Any]]) -> str:
    if not items:
        return "No resources found\n"
    if resource == "nodes":
        rows = [("NAME", "STATUS", "VERSION")] + [
            (i["metadata"]["name"], "Ready" if any(c["type"] == "Ready" and c["status"] == "True"
                                                   for c in i["status"]["conditions"]) else "NotReady",
             i["status"]["nodeInfo"]["kubeletVersion"]) for i in items]
    elif resource == "namespaces":
        rows = [("NAME", "STATUS")] + [(i["metadata"]["name"], "Active") for i in items]
    else:
        rows = [("NAME",)] + [(i["metadata"]["name"],) for i in items]
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "".join("   ".join(cell.ljust(widths[c]) for c, cell in enumerate(row)).rstrip() + "\n" for row in rows)


def _get(args: Sequence[str], caller: Caller, view: ClusterView) -> tuple[int, str]:
    if not args:
        return 1, ("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list "
                   "of supported resources.\n\nerror: Required resource not specified.\n")
    resource = RESOURCES.get(args[0].lower())
    if resource is None:
        return 1, f'error: the server doesn\'t have a resource type "{args[0]}"\n'
    if not caller.admin:
        return _forbidden(caller, resource)
    rest = list(args[1:])
    output = ""
    if "-o" in rest and rest.index("-o") + 1 < len(rest):
        output = rest[rest.index("-o") + 1]
    elif any(a.startswith("--output=") or a.startswith("-o=") for a in rest):
        output = next(a.split("=", 1)[1] for a in rest if a.startswith(("--output=", "-o=")))
    items = _items(resource, view)
    if output == "json":
        return 0, json.dumps({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {}}, indent=4) + "\n"
    if output:
        return 1, f'error: unable to match a printer suitable for the output format "{output}", allowed formats ' \
                  'are: json,name,wide,yaml\n'
    return 0, _table(resource, items)


def _auth(args: Sequence[str], caller: Caller) -> tuple[int, str]:
    if len(args) < 3 or args[0] != "can-i":
        return 1, 'error: unknown command "auth" for "kubectl"\n' if not args else \
            f'error: unknown command "{" ".join(args[:1])}" for "kubectl auth"\n'
    return (0, "yes\n") if caller.admin else (1, "no\n")


def run(command: str, caller: Caller, view: ClusterView) -> tuple[int, str]:
    """(exit code, combined output) of one command line, as run command reports it."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        return 2, f"sh: syntax error: {exc}\n"
    if not words:
        return 0, ""
    if words[0] in ("helm", "jq", "xargs", "grep", "awk"):  # in the command pod (access-private-cluster.md)
        return 1, f"the rehearsal's cluster does not model {words[0]}\n"
    if words[0] != "kubectl":
        return 127, f"sh: {words[0]}: not found\n"
    verb, args = (words[1], words[2:]) if len(words) > 1 else ("", [])
    if verb == "get":
        return _get(args, caller, view)
    if verb == "auth":
        return _auth(args, caller)
    if not verb:
        return 0, "kubectl controls the Kubernetes cluster manager.\n"
    return 1, (f'error: unknown command "{verb}" for "kubectl"\n' if verb not in ("apply", "rollout", "wait", "create",
                                                                                   "delete", "describe", "logs")
               else f"error: the rehearsal's cluster does not model \"kubectl {verb}\" yet\n")


def caller_from(claims: Mapping[str, Any], admin_groups: Sequence[str], members_of: Callable[[str], list[str]]) -> Caller:
    """Who the cluster token names, and whether one of the admin groups holds them."""
    oid = str(claims.get("oid", "")).lower()
    admin = any(oid in members_of(str(g).lower()) for g in admin_groups if g)
    return Caller(upn=str(claims.get("upn") or oid), object_id=oid, admin=admin)
