"""The objects applied to a rehearsal cluster, and ``kubectl apply`` over them.

Kept in the model (``data["kube"][cluster id]``), so a rehearsal survives a restart and the
next command sees what the last one applied. ``apply`` does what ``kubectl apply -f .`` does
with the files run command attached: each YAML document in file-name order, created,
configured or unchanged by kind, namespace and name; an unknown kind, a custom resource whose
add-on is off, a missing namespace, RBAC and Gatekeeper each refuse one object in the API
server's words while the rest go on, and the exit code is 1 when any was refused."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import yaml

from wizard.rehearsal import kube_admission

KINDS_FILE = Path(__file__).resolve().parents[2] / "assets" / "rehearsal" / "kubernetes-kinds.json"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True)
class Kind:
    api_version: str
    kind: str
    resource: str
    namespaced: bool
    short: tuple[str, ...] = ()
    addon: str = ""
    read_only: bool = False

    @property
    def group(self) -> str:
        return self.api_version.split("/")[0] if "/" in self.api_version else ""

    def printed(self, name: str) -> str:
        """How kubectl names an object in its answers: ``deployment.apps/web``."""
        return f"{self.kind.lower()}{'.' + self.group if self.group else ''}/{name}"

    def qualified(self) -> str:
        return f"{self.resource}{'.' + self.group if self.group else ''}"


@lru_cache(maxsize=1)
def kinds() -> tuple[Kind, ...]:
    raw = json.loads(KINDS_FILE.read_text(encoding="utf-8"))["kinds"]
    return tuple(Kind(k["apiVersion"], k["kind"], k["resource"], bool(k["namespaced"]), tuple(k.get("short", [])),
                      str(k.get("addon", "")), bool(k.get("readOnly"))) for k in raw)


def kind_of(api_version: str, kind: str) -> Kind | None:
    return next((k for k in kinds() if k.api_version == api_version and k.kind == kind), None)


def kind_named(word: str) -> Kind | None:
    """The kind a ``kubectl get`` word means: plural, singular or short name, any case."""
    w = word.lower().split(".")[0]
    return next((k for k in kinds() if w in (k.resource, k.kind.lower(), *k.short)), None)


def key(kind: Kind, namespace: str, name: str) -> str:
    return f"{kind.group}/{kind.kind}/{namespace}/{name}"


class Objects:
    """The applied objects of one cluster, over the model's plain data."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data.setdefault("objects", {})

    def get(self, kind: Kind, namespace: str, name: str) -> dict[str, Any] | None:
        return self.data.get(key(kind, namespace if kind.namespaced else "", name))

    def of(self, kind: Kind, namespace: str | None = None) -> list[dict[str, Any]]:
        prefix = f"{kind.group}/{kind.kind}/"
        return [o for k, o in sorted(self.data.items()) if k.startswith(prefix)
                and (namespace is None or not kind.namespaced or k.split("/")[2] == namespace)]

    def put(self, kind: Kind, namespace: str, name: str, obj: dict[str, Any]) -> None:
        self.data[key(kind, namespace if kind.namespaced else "", name)] = obj


@dataclass(frozen=True)
class ApplyContext:
    """What an apply is checked against besides the objects themselves."""

    user: str
    admin: bool
    namespaces: Callable[[], list[str]]  # what exists: derived (system, Flux) and applied
    addons: Mapping[str, Any]  # the cluster's addonProfiles
    constraints: Iterable[kube_admission.Constraint]


def _documents(files: Mapping[str, str]) -> Iterable[tuple[str, Any]]:
    for name in sorted(files):
        if not name.endswith((".yaml", ".yml", ".json")):
            continue
        for doc in yaml.safe_load_all(files[name]):
            if doc is not None:
                yield name, doc


def _stored(doc: Mapping[str, Any], namespace: str, kind: Kind, earlier: Mapping[str, Any] | None) -> dict[str, Any]:
    obj = copy.deepcopy(dict(doc))
    meta = obj.setdefault("metadata", {})
    if kind.namespaced:
        meta["namespace"] = namespace
    meta.setdefault("annotations", {})[LAST_APPLIED] = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    uid = hashlib.sha256(key(kind, namespace, str(meta["name"])).encode()).hexdigest()
    meta["uid"] = f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:32]}"
    before = (earlier or {}).get("metadata", {})
    meta["generation"] = int(before.get("generation", 0)) + 1
    return obj


def _one(file: str, doc: Any, objects: Objects, ctx: ApplyContext, known: set[str]) -> tuple[bool, str]:
    if not isinstance(doc, dict) or not doc.get("apiVersion") or not doc.get("kind"):
        missing = [f for f in ("apiVersion", "kind") if not isinstance(doc, dict) or not doc.get(f)]
        return False, (f'error: error validating "{file}": error validating data: [{", ".join(f + " not set" for f in missing)}]; '
                       "if you choose to ignore these errors, turn validation off with --validate=false\n")
    meta = doc.get("metadata") or {}
    name = str(meta.get("name") or "")
    kind = kind_of(str(doc["apiVersion"]), str(doc["kind"]))
    namespace = str(meta.get("namespace") or "default")
    if kind is None or kind.read_only or (kind.addon and not (ctx.addons.get(kind.addon) or {}).get("enabled")):
        return False, (f'error: resource mapping not found for name: "{name}" namespace: "{meta.get("namespace", "")}" '
                       f'from "{file}": no matches for kind "{doc["kind"]}" in version "{doc["apiVersion"]}"\n'
                       "ensure CRDs are installed first\n")
    if not name:
        return False, f'error: error when retrieving current configuration from "{file}": resource name may not be empty\n'
    where = f' in the namespace "{namespace}"' if kind.namespaced else ""
    if not ctx.admin:
        return False, (f'Error from server (Forbidden): error when retrieving current configuration from "{file}": '
                       f'{kind.qualified()} "{name}" is forbidden: User "{ctx.user}" cannot get resource '
                       f'"{kind.resource}" in API group "{kind.group}"{where}\n')
    if kind.namespaced and namespace not in known:
        return False, f'Error from server (NotFound): error when creating "{file}": namespaces "{namespace}" not found\n'
    earlier = objects.get(kind, namespace, name)
    pod_spec = doc.get("spec") if kind.kind == "Pod" else None
    refused = kube_admission.review(doc, namespace, ctx.constraints, pod_spec)
    if refused:
        verb = "creating" if earlier is None else "patching"
        return False, f'Error from server (Forbidden): error when {verb} "{file}": {refused}\n'
    stored = _stored(doc, namespace, kind, earlier)
    said = ""
    if earlier is None and kind.kind == "Namespace" and name in known:  # made by AKS or Flux, not by kubectl apply
        said = (f"Warning: resource {kind.resource}/{name} is missing the {LAST_APPLIED} annotation which is required "
                "by kubectl apply. kubectl apply should only be used on resources created declaratively by either "
                "kubectl create --save-config or kubectl apply. The missing annotation will be patched "
                "automatically.\n")
    if earlier is not None and earlier["metadata"]["annotations"].get(LAST_APPLIED) == \
            stored["metadata"]["annotations"][LAST_APPLIED]:
        return True, f"{kind.printed(name)} unchanged\n"
    verb = "configured" if earlier is not None or said else "created"
    objects.put(kind, namespace, name, stored)
    if kind.kind == "Namespace":
        known.add(name)
    return True, f"{said}{kind.printed(name)} {verb}\n"


def apply(files: Mapping[str, str], objects: Objects, ctx: ApplyContext) -> tuple[int, str]:
    """``kubectl apply -f .`` over the attached files: (exit code, what kubectl prints)."""
    if not any(n.endswith((".yaml", ".yml", ".json")) for n in files):
        return 1, "error: no objects passed to apply\n"
    known = set(ctx.namespaces())
    out, failed = [], False
    try:
        documents = list(_documents(files))
    except yaml.YAMLError as exc:
        return 1, f"error: error parsing the attached files: {exc}\n"
    for file, doc in documents:
        ok, said = _one(file, doc, objects, ctx, known)
        failed |= not ok
        out.append(said)
    return (1 if failed else 0), "".join(out)
