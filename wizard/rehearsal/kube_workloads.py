"""Pods of a rehearsal cluster, derived from its Deployments, and why one does not run.

A Deployment's pods are decided, not simulated over time: for each replica the rehearsal
asks what the real control plane would ask, in order. Does Gatekeeper admit the pod (else
the ReplicaSet cannot create it: ``FailedCreate``)? Does its service account exist? Is there
a node it may be scheduled on (node selector, taints, required anti-affinity:
``FailedScheduling``)? Do its volumes mount (a ConfigMap, the Key Vault provider's
SecretProviderClass through workload identity: ``FailedMount``)? Can the kubelet pull each
image (``Failed``, ``ErrImagePull``)? A pod that clears all of them is Running and Ready. The
answers become the Deployment's status and Warning events, as ``kubectl get`` reads them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from wizard.rehearsal import kube_admission
from wizard.rehearsal.kube_store import Objects, kind_of

DEPLOYMENT, POD = kind_of("apps/v1", "Deployment"), kind_of("v1", "Pod")
SA, CONFIG_MAP = kind_of("v1", "ServiceAccount"), kind_of("v1", "ConfigMap")
SPC = kind_of("secrets-store.csi.x-k8s.io/v1", "SecretProviderClass")
CSI = "secrets-store.csi.k8s.io"
HOSTNAME = "kubernetes.io/hostname"


@dataclass(frozen=True)
class Surroundings:
    """What lies outside the Kubernetes objects: the nodes, Gatekeeper's constraints, the
    registries the kubelet pulls from and the vault the provider reads."""

    nodes: list[dict[str, Any]]
    constraints: list[kube_admission.Constraint]
    pull_problem: Callable[[str], str]  # image reference -> "" when the kubelet can pull it
    mount_problem: Callable[[Mapping[str, Any], Mapping[str, Any]], str]  # (provider class, service account) -> ""


@dataclass
class Workload:
    pods: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    admission: str = ""  # Gatekeeper's refusal of the pod template, when it refuses


def _short(text: str, n: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A label selector (matchLabels and matchExpressions) against labels; {} selects all."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        k, op, values = e.get("key"), e.get("operator"), list(e.get("values") or [])
        if (op == "In" and labels.get(k) not in values) or (op == "NotIn" and labels.get(k) in values) or \
                (op == "Exists" and k not in labels) or (op == "DoesNotExist" and k in labels):
            return False
    return True


def _event(involved: Mapping[str, str], reason: str, message: str) -> dict[str, Any]:
    name = f"{involved['name']}.{_short(reason + message, 16)}"
    return {"apiVersion": "v1", "kind": "Event", "type": "Warning", "reason": reason, "message": message,
            "metadata": {"name": name, "namespace": involved["namespace"]}, "involvedObject": dict(involved), "count": 1}


def _tolerated(taint: Mapping[str, Any], tolerations: Iterable[Mapping[str, Any]]) -> bool:
    return any(t.get("operator") == "Exists" and not t.get("key") or t.get("key") == taint.get("key")
               for t in tolerations)


def _candidates(spec: Mapping[str, Any], nodes: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    selector, tolerations = spec.get("nodeSelector") or {}, spec.get("tolerations") or []
    fit, unmatched, tainted = [], 0, 0
    for node in nodes:
        labels = node["metadata"]["labels"]
        if any(labels.get(k) != v for k, v in selector.items()):
            unmatched += 1
        elif any(t.get("effect") in ("NoSchedule", "NoExecute") and not _tolerated(t, tolerations)
                 for t in node["spec"].get("taints") or []):
            tainted += 1
        else:
            fit.append(node)
    why = []
    if unmatched:
        why.append(f"{unmatched} node(s) didn't match Pod's node affinity/selector")
    if tainted:
        why.append(f"{tainted} node(s) had untolerated taint")
    return fit, ", ".join(why)


def _one_per_node(spec: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    terms = (((spec.get("affinity") or {}).get("podAntiAffinity") or {})
             .get("requiredDuringSchedulingIgnoredDuringExecution") or [])
    return any(t.get("topologyKey") == HOSTNAME and matches(t.get("labelSelector"), labels) for t in terms)


def _mount_problem(spec: Mapping[str, Any], namespace: str, objects: Objects, around: Surroundings,
                   account: Mapping[str, Any]) -> tuple[str, str]:
    for volume in spec.get("volumes") or []:
        if "configMap" in volume and objects.get(CONFIG_MAP, namespace, volume["configMap"].get("name", "")) is None:
            return volume["name"], f'configmap "{volume["configMap"].get("name")}" not found'
        csi = volume.get("csi")
        if csi and csi.get("driver") == CSI:
            name = str((csi.get("volumeAttributes") or {}).get("secretProviderClass", ""))
            spc = objects.get(SPC, namespace, name)
            if spc is None:
                return volume["name"], (f"rpc error: code = Unknown desc = failed to get secretproviderclass "
                                        f"{namespace}/{name}, error: SecretProviderClass.secrets-store.csi.x-k8s.io "
                                        f'"{name}" not found')
            said = around.mount_problem(spc, account)
            if said:
                return volume["name"], said
    return "", ""


def _pulls(spec: Mapping[str, Any], around: Surroundings) -> list[tuple[str, str]]:
    out = []
    for c in list(spec.get("initContainers") or []) + list(spec.get("containers") or []):
        said = around.pull_problem(str(c.get("image", "")))
        if said:
            out.append((str(c.get("image")), said))
    return out


def _pod(name: str, namespace: str, labels: Mapping[str, str], spec: Mapping[str, Any], node: str,
         waiting: tuple[str, str] | None, scheduled: bool) -> dict[str, Any]:
    ready = scheduled and waiting is None
    statuses = [{"name": c.get("name"), "image": c.get("image"), "ready": ready, "restartCount": 0,
                 "state": {"running": {}} if ready else {"waiting": {"reason": waiting[0], "message": waiting[1]}
                                                         if waiting else {"reason": "ContainerCreating"}}}
                for c in spec.get("containers") or []] if scheduled else []
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
            "spec": {**dict(spec), **({"nodeName": node} if node else {})},
            "status": {"phase": "Running" if ready else "Pending", "containerStatuses": statuses,
                       "conditions": [{"type": "PodScheduled", "status": "True" if scheduled else "False"},
                                      {"type": "Ready", "status": "True" if ready else "False"}]}}


def workload(deployment: Mapping[str, Any], objects: Objects, around: Surroundings) -> Workload:
    """The pods a Deployment has, and the Warning events that say why any is not Ready."""
    meta, spec = deployment["metadata"], deployment.get("spec") or {}
    namespace, template = str(meta["namespace"]), spec.get("template") or {}
    labels, pod_spec = dict((template.get("metadata") or {}).get("labels") or {}), template.get("spec") or {}
    replica_set = f"{meta['name']}-{_short(json.dumps(template, sort_keys=True), 10)}"
    rs = {"kind": "ReplicaSet", "name": replica_set, "namespace": namespace}
    out = Workload()
    out.admission = kube_admission.review({"kind": "Pod", "metadata": {"name": replica_set}}, namespace,
                                          around.constraints, pod_spec)
    if out.admission:
        out.events.append(_event(rs, "FailedCreate", f"Error creating: {out.admission}"))
        return out
    account_name = str(pod_spec.get("serviceAccountName") or "default")
    account = objects.get(SA, namespace, account_name)
    if account is None and account_name != "default":
        out.events.append(_event(rs, "FailedCreate", f"Error creating: pods \"{replica_set}-\" is forbidden: error "
                                 f"looking up service account {namespace}/{account_name}: serviceaccount "
                                 f'"{account_name}" not found'))
        return out
    fit, why = _candidates(pod_spec, around.nodes)
    per_node = _one_per_node(pod_spec, labels)
    volume, mount = _mount_problem(pod_spec, namespace, objects, around, account or {})
    pulls = _pulls(pod_spec, around)
    for index in range(int(spec.get("replicas", 1))):
        name = f"{replica_set}-{_short(replica_set + str(index), 5)}"
        involved = {"kind": "Pod", "name": name, "namespace": namespace}
        scheduled = bool(fit) and (not per_node or index < len(fit))
        if not scheduled:
            reasons = why or (f"{len(fit)} node(s) didn't match pod anti-affinity rules" if fit else "")
            out.events.append(_event(involved, "FailedScheduling", f"0/{len(around.nodes)} nodes are available: "
                                     f"{reasons}. preemption: 0/{len(around.nodes)} nodes are available."))
            out.pods.append(_pod(name, namespace, labels, pod_spec, "", None, False))
            continue
        node = str(fit[index % len(fit)]["metadata"]["name"])
        waiting = None
        if mount:
            out.events.append(_event(involved, "FailedMount", f'MountVolume.SetUp failed for volume "{volume}" : '
                                     f"{mount}"))
            waiting = ("ContainerCreating", "")
        elif pulls:
            image, said = pulls[0]
            out.events.append(_event(involved, "Failed", f'Failed to pull image "{image}": {said}'))
            waiting = ("ErrImagePull", f'Failed to pull image "{image}": {said}')
        out.pods.append(_pod(name, namespace, labels, pod_spec, node, waiting, True))
    return out


def ready(pod: Mapping[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"]["conditions"])


def with_status(deployment: Mapping[str, Any], found: Workload) -> dict[str, Any]:
    """The Deployment as ``kubectl get -o json`` shows it, status and conditions included."""
    wanted = int((deployment.get("spec") or {}).get("replicas", 1))
    up = sum(1 for p in found.pods if ready(p))
    conditions = [{"type": "Available", "status": "True" if up >= wanted else "False",
                   "reason": "MinimumReplicasAvailable" if up >= wanted else "MinimumReplicasUnavailable",
                   "message": "Deployment has minimum availability." if up >= wanted
                   else "Deployment does not have minimum availability."},
                  {"type": "Progressing", "status": "True" if up >= wanted else "False",
                   "reason": "NewReplicaSetAvailable" if up >= wanted else "ProgressDeadlineExceeded",
                   "message": "ReplicaSet has successfully progressed." if up >= wanted
                   else "ReplicaSet has timed out progressing."}]
    if found.admission:
        conditions.append({"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
                           "message": found.admission})
    return {**dict(deployment), "status": {"replicas": len(found.pods), "readyReplicas": up,
                                           "availableReplicas": up, "updatedReplicas": len(found.pods),
                                           "observedGeneration": deployment["metadata"].get("generation", 1),
                                           "conditions": conditions}}


def rollout_status(name: str, namespace: str, objects: Objects, around: Surroundings) -> tuple[int, str]:
    """``kubectl rollout status deployment/NAME``: done, or why it will not be."""
    assert DEPLOYMENT is not None
    deployment = objects.get(DEPLOYMENT, namespace, name)
    if deployment is None:
        return 1, f'Error from server (NotFound): deployments.apps "{name}" not found\n'
    found = workload(deployment, objects, around)
    wanted = int((deployment.get("spec") or {}).get("replicas", 1))
    up = sum(1 for p in found.pods if ready(p))
    if up >= wanted:
        return 0, f'deployment "{name}" successfully rolled out\n'
    waiting = f'Waiting for deployment "{name}" rollout to finish: {up} of {wanted} updated replicas are available...\n'
    if found.admission:
        return 1, waiting + "error: timed out waiting for the condition\n"
    return 1, waiting + f'error: deployment "{name}" exceeded its progress deadline\n'


def all_pods(objects: Objects, around: Surroundings, namespace: str | None) -> tuple[list[dict], list[dict]]:
    """Every derived pod and Warning event, in one namespace or all."""
    assert DEPLOYMENT is not None
    pods, events = [], []
    for deployment in objects.of(DEPLOYMENT, namespace):
        found = workload(deployment, objects, around)
        pods += found.pods
        events += found.events
    return pods, events
