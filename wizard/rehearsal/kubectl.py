"""The ``kubectl`` forms a rehearsal run command answers, from the cluster's objects.

Modelled: ``get`` of nodes, namespaces and constraint templates (derived from what ARM
knows) and of what was applied (Deployments with their status, the pods and Warning events
derived from them, Services, Ingresses, NetworkPolicies…), plain or ``-o json``;
``apply -f .`` over the attached files (``kube_store``); ``rollout status``
(``kube_workloads``); ``run … -- wget`` (``kube_probe``); ``auth can-i``. Anything else is
refused the way kubectl or the pod's shell refuses it (an unknown resource type, an unknown
command, a program that is not there), with a non-zero exit code, so a wizard command the
rehearsal cannot answer fails loudly instead of passing quietly.

Access follows Kubernetes RBAC on an Entra-integrated cluster: members of the cluster's
admin groups (``aadProfile.adminGroupObjectIDs``) are bound to cluster-admin; anyone else
is forbidden, in the API server's own words (mspnp/aks-baseline#146 quotes "nodes is
forbidden")."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from wizard.rehearsal import kube_probe, kube_store, kube_workloads
from wizard.rehearsal.kube_admission import Constraint
from wizard.rehearsal.kube_store import ApplyContext, Kind, Objects

DERIVED = {"nodes": "nodes", "node": "nodes", "no": "nodes", "constrainttemplates": "constrainttemplates",
           "constrainttemplate": "constrainttemplates"}
GROUPS = {"nodes": "", "namespaces": "", "constrainttemplates": "templates.gatekeeper.sh"}


@dataclass(frozen=True)
class Caller:
    upn: str
    object_id: str
    admin: bool  # a member of one of the cluster's admin groups


def _nothing() -> list[Constraint]:
    return []


def _no_surroundings() -> kube_workloads.Surroundings:
    return kube_workloads.Surroundings([], [], lambda ref: "", lambda spc, sa: "")


@dataclass(frozen=True)
class ClusterView:
    """What kubectl may read and change: built lazily, since most commands need one kind only."""

    nodes: Callable[[], list[dict[str, Any]]]
    namespaces: Callable[[], list[str]]
    constraint_templates: Callable[[], list[str]]
    objects: Objects = field(default_factory=lambda: Objects({}))
    surroundings: Callable[[], kube_workloads.Surroundings] = _no_surroundings
    addons: Mapping[str, Any] = field(default_factory=dict)
    constraints: Callable[[], list[Constraint]] = _nothing
    files: Mapping[str, str] = field(default_factory=dict)


def _forbidden(caller: Caller, resource: str, verb: str = "list") -> tuple[int, str]:
    group = GROUPS.get(resource, "")
    return 1, (f'Error from server (Forbidden): {resource} is forbidden: User "{caller.upn}" cannot {verb} resource '
               f'"{resource}" in API group "{group}" at the cluster scope\n')


def _derived(resource: str, view: ClusterView) -> list[dict[str, Any]]:
    if resource == "nodes":
        return view.nodes()
    return [{"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate", "metadata": {"name": n}}
            for n in view.constraint_templates()]


def _stored(kind: Kind, namespace: str | None, view: ClusterView) -> list[dict[str, Any]]:
    if kind.kind == "Namespace":
        return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}, "status": {"phase": "Active"}}
                for n in view.namespaces()]
    if kind.kind in ("Pod", "Event"):
        pods, events = kube_workloads.all_pods(view.objects, view.surroundings(), namespace)
        return pods if kind.kind == "Pod" else events
    items = view.objects.of(kind, namespace)
    if kind.kind == "Deployment":
        around = view.surroundings()
        return [kube_workloads.with_status(d, kube_workloads.workload(d, view.objects, around)) for d in items]
    return items


def _row(item: Mapping[str, Any]) -> tuple[str, ...]:
    kind, meta, status = item.get("kind"), item.get("metadata") or {}, item.get("status") or {}
    if kind == "Node":
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in status["conditions"])
        return meta["name"], "Ready" if ready else "NotReady", status["nodeInfo"]["kubeletVersion"]
    if kind == "Namespace":
        return meta["name"], "Active"
    if kind == "Deployment":
        want = (item.get("spec") or {}).get("replicas", 1)
        return meta["name"], f"{status.get('readyReplicas', 0)}/{want}", str(status.get("availableReplicas", 0))
    if kind == "Pod":
        waiting = [s["state"].get("waiting", {}).get("reason") for s in status.get("containerStatuses") or []
                   if "waiting" in s["state"]]
        return meta["name"], waiting[0] if waiting else status.get("phase", "")
    if kind == "Event":
        return str(item.get("reason")), f"{item['involvedObject']['kind'].lower()}/{item['involvedObject']['name']}", \
            str(item.get("message"))
    return (meta["name"],)


HEADERS = {"Node": ("NAME", "STATUS", "VERSION"), "Namespace": ("NAME", "STATUS"),
           "Deployment": ("NAME", "READY", "AVAILABLE"), "Pod": ("NAME", "STATUS"),
           "Event": ("REASON", "OBJECT", "MESSAGE")}


def _table(items: list[dict[str, Any]]) -> str:
    if not items:
        return "No resources found\n"
    rows = [HEADERS.get(str(items[0].get("kind")), ("NAME",))] + [_row(i) for i in items]
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "".join("   ".join(cell.ljust(widths[c]) for c, cell in enumerate(row)).rstrip() + "\n" for row in rows)


def _flags(rest: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    flags, positional, index = {}, [], 0
    aliases = {"-o": "output", "-n": "namespace", "-l": "selector", "-A": "all-namespaces"}
    while index < len(rest):
        w = rest[index]
        if w.startswith("--") and "=" in w:
            k, v = w[2:].split("=", 1)
            flags[k] = v
        elif w.startswith("-o=") or w.startswith("-n="):
            flags[aliases[w[:2]]] = w[3:]
        elif w in ("-A", "--all-namespaces"):
            flags["all-namespaces"] = "true"
        elif w in aliases or w.startswith("--"):
            name = aliases.get(w, w[2:])
            flags[name] = rest[index + 1] if index + 1 < len(rest) else ""
            index += 1
        else:
            positional.append(w)
        index += 1
    return flags, positional


def _get(args: Sequence[str], caller: Caller, view: ClusterView) -> tuple[int, str]:
    if not args:
        return 1, ("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list "
                   "of supported resources.\n\nerror: Required resource not specified.\n")
    flags, positional = _flags(args[1:])
    output = flags.get("output", "")
    if output and output != "json":
        return 1, f'error: unable to match a printer suitable for the output format "{output}", allowed formats ' \
                  'are: json,name,wide,yaml\n'
    namespace = None if "all-namespaces" in flags else flags.get("namespace", "default")
    items: list[dict[str, Any]] = []
    for word in args[0].split(","):
        derived, kind = DERIVED.get(word.lower()), kube_store.kind_named(word)
        if derived is None and kind is None:
            return 1, f'error: the server doesn\'t have a resource type "{word}"\n'
        if not caller.admin:
            return _forbidden(caller, derived or (kind.resource if kind else word))
        found = _derived(derived, view) if derived else _stored(kind, namespace, view)  # type: ignore[arg-type]
        if positional:
            found = [i for i in found if i["metadata"]["name"] == positional[0]]
            if not found:
                what = derived or (kind.qualified() if kind else word)
                return 1, f'Error from server (NotFound): {what} "{positional[0]}" not found\n'
        if "field-selector" in flags and flags["field-selector"].startswith("type="):
            found = [i for i in found if i.get("type") == flags["field-selector"].split("=", 1)[1]]
        items += found
    if output == "json":
        body = items[0] if positional and len(items) == 1 and "," not in args[0] else \
            {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {}}
        return 0, json.dumps(body, indent=4) + "\n"
    return 0, _table(items)


def _auth(args: Sequence[str], caller: Caller) -> tuple[int, str]:
    if len(args) < 3 or args[0] != "can-i":
        return 1, 'error: unknown command "auth" for "kubectl"\n' if not args else \
            f'error: unknown command "{" ".join(args[:1])}" for "kubectl auth"\n'
    return (0, "yes\n") if caller.admin else (1, "no\n")


def _context(caller: Caller, view: ClusterView) -> ApplyContext:
    return ApplyContext(caller.upn, caller.admin, view.namespaces, view.addons, view.constraints())


def _apply(args: Sequence[str], caller: Caller, view: ClusterView) -> tuple[int, str]:
    flags, _ = _flags(args)
    if flags.get("filename") not in (".", "./") and "-f" not in args:
        return 1, "error: must specify one of -f and -k\n"
    if "-f" in args and args[args.index("-f") + 1:args.index("-f") + 2] not in (["."], ["./"]):
        return 1, "error: the rehearsal applies the attached files as a whole: kubectl apply -f .\n"
    return kube_store.apply(view.files, view.objects, _context(caller, view))


def _rollout(args: Sequence[str], caller: Caller, view: ClusterView) -> tuple[int, str]:
    if not args or args[0] != "status":
        return 1, f'error: unknown command "{args[0] if args else ""}" for "kubectl rollout"\n'
    flags, positional = _flags(args[1:])
    target = positional[0] if positional else ""
    if not target.startswith(("deployment/", "deploy/", "deployments/")):
        return 1, "error: the rehearsal answers rollout status of a deployment/NAME only\n"
    if not caller.admin:
        return 1, (f'Error from server (Forbidden): deployments.apps "{target.split("/", 1)[1]}" is forbidden: User '
                   f'"{caller.upn}" cannot get resource "deployments" in API group "apps" in the namespace '
                   f'"{flags.get("namespace", "default")}"\n')
    return kube_workloads.rollout_status(target.split("/", 1)[1], flags.get("namespace", "default"), view.objects,
                                         view.surroundings())


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
    handlers: dict[str, Callable[[], tuple[int, str]]] = {
        "get": lambda: _get(args, caller, view), "auth": lambda: _auth(args, caller),
        "apply": lambda: _apply(args, caller, view), "rollout": lambda: _rollout(args, caller, view),
        "run": lambda: kube_probe.run(args, view.objects, view.surroundings(), _context(caller, view))}
    if verb in handlers:
        return handlers[verb]()
    if not verb:
        return 0, "kubectl controls the Kubernetes cluster manager.\n"
    return 1, (f'error: unknown command "{verb}" for "kubectl"\n' if verb not in ("wait", "create", "delete",
                                                                                   "describe", "logs", "exec")
               else f"error: the rehearsal's cluster does not model \"kubectl {verb}\" yet\n")


def caller_from(claims: Mapping[str, Any], admin_groups: Sequence[str], members_of: Callable[[str], list[str]]) -> Caller:
    """Who the cluster token names, and whether one of the admin groups holds them."""
    oid = str(claims.get("oid", "")).lower()
    admin = any(oid in members_of(str(g).lower()) for g in admin_groups if g)
    return Caller(upn=str(claims.get("upn") or oid), object_id=oid, admin=admin)
