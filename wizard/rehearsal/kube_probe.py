"""``kubectl run NAME --rm -i … -- wget …``: a throw-away pod that calls a Service.

The workload step's bypass probe starts a pod in the workload namespace that calls the app's
Service directly, skipping the ingress controller; default-deny must stop it. Here the pod
goes through what any pod goes through (Gatekeeper's admission, a node to run on, an image
the kubelet can pull), then busybox ``wget`` resolves the name through the cluster's DNS
(which egress policy must allow) and connects through the network policies. Its output and
exit code are busybox's and kubectl's: ``wget: download timed out`` when a policy drops the
connection, the page when it arrives, and ``pod "NAME" deleted`` as ``--rm`` says."""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

from wizard.rehearsal import kube_admission, kube_network
from wizard.rehearsal.kube_store import ApplyContext, Objects
from wizard.rehearsal.kube_traffic import network_policies, page, service_for_host, to_service
from wizard.rehearsal.kube_workloads import Surroundings, workload

DNS = kube_network.Peer("kube-system", {"k8s-app": "kube-dns"}, ports={"dns": 53})


def _options(args: Sequence[str]) -> tuple[dict[str, str], list[str], list[str]]:
    flags: dict[str, str] = {}
    words, command = list(args), []
    if "--" in words:
        command = words[words.index("--") + 1:]
        words = words[:words.index("--")]
    positional, index = [], 0
    while index < len(words):
        w = words[index]
        if w.startswith("--") and "=" in w:
            k, v = w[2:].split("=", 1)
            flags[k] = v
        elif w in ("-n", "--namespace") and index + 1 < len(words):
            flags["namespace"] = words[index + 1]
            index += 1
        elif w.startswith("-"):
            flags[w.lstrip("-")] = "true"
        else:
            positional.append(w)
        index += 1
    return flags, positional, command


def _wget(command: list[str]) -> tuple[str, int]:
    """The URL and timeout of a busybox ``wget [-q] [-T secs] [-O-] URL``."""
    timeout, url, index = 0, "", 0
    while index < len(command):
        if command[index] == "-T" and index + 1 < len(command):
            timeout = int(command[index + 1])
            index += 1
        elif not command[index].startswith("-"):
            url = command[index]
        index += 1
    return url, timeout


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch, as ``kubectl run --overrides`` applies it by default: objects
    merge key by key, anything else (a list of containers included) replaces; null removes."""
    if not isinstance(patch, Mapping):
        return patch
    out = dict(target) if isinstance(target, Mapping) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _pod(name: str, namespace: str, image: str, command: list[str], overrides: Mapping[str, Any]) -> dict[str, Any]:
    generated = {"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": name, "namespace": namespace, "labels": {"run": name}},
                 "spec": {"containers": [{"name": name, "image": image, "command": command}],
                          "restartPolicy": "Never"}}
    return merge_patch(generated, overrides)


def overrides_given(flags: Mapping[str, str]) -> bool:
    try:
        return bool(flags.get("overrides")) and isinstance(json.loads(flags["overrides"]), dict)
    except ValueError:
        return False


def run(args: Sequence[str], objects: Objects, around: Surroundings, ctx: ApplyContext) -> tuple[int, str]:
    flags, positional, command = _options(args)
    if not positional:
        return 1, "error: NAME is required for run\n"
    name, namespace, image = positional[0], flags.get("namespace", "default"), flags.get("image", "")
    if not image:
        return 1, "error: --image is required\n"
    if not ctx.admin:
        return 1, (f'Error from server (Forbidden): pods is forbidden: User "{ctx.user}" cannot create resource "pods" '
                   f'in API group "" in the namespace "{namespace}"\n')
    if namespace not in ctx.namespaces():
        return 1, f'Error from server (NotFound): namespaces "{namespace}" not found\n'
    if overrides_given(flags) and "apiVersion" not in json.loads(flags["overrides"] or "{}"):
        return 1, "error: the overrides must give a valid apiVersion field\n"
    if "rm" in flags and "i" not in flags and "stdin" not in flags:
        return 1, "error: --rm should only be used for attached containers\n"
    try:
        overrides = json.loads(flags.get("overrides", "{}"))
    except ValueError as exc:
        return 1, f"error: unable to parse overrides: {exc}\n"
    pod = _pod(name, namespace, image, command, overrides)
    refused = kube_admission.review(pod, namespace, ctx.constraints, pod["spec"])
    if refused:
        return 1, f"Error from server (Forbidden): {refused}\n"
    as_deployment = {"metadata": {"name": name, "namespace": namespace, "generation": 1},
                     "spec": {"replicas": 1, "template": {"metadata": {"labels": pod["metadata"]["labels"]},
                                                          "spec": pod["spec"]}}}
    started = workload(as_deployment, objects, around)
    if not started.pods or started.pods[0]["status"]["phase"] != "Running":
        why = "; ".join(e["message"] for e in started.events)
        return 1, f"error: timed out waiting for the condition ({why})\n" if why else \
            "error: timed out waiting for the condition\n"
    container = (pod["spec"].get("containers") or [{}])[0]
    out, code = _call(list(container.get("command") or []) + list(container.get("args") or []), namespace, pod,
                      objects, around)
    gone = f'pod "{name}" deleted\n' if "rm" in flags else ""
    if code:
        gone += f"pod {namespace}/{name} terminated (Error)\n"
    return code, out + gone


def _call(command: list[str], namespace: str, pod: Mapping[str, Any], objects: Objects,
          around: Surroundings) -> tuple[str, int]:
    if not command or command[0] != "wget":
        return f"sh: {command[0] if command else ''}: the rehearsal's probe pod models busybox wget only\n", 127
    url, _ = _wget(command)
    parts = urlsplit(url)
    host = parts.hostname or ""
    me = kube_network.Peer(namespace, dict(pod["metadata"]["labels"]))
    policies = network_policies(objects)
    resolves, _ = kube_network.allowed(policies, me, DNS, 53, "UDP")
    service = service_for_host(objects, host, namespace)
    if not resolves or service is None:
        return f"wget: bad address '{host}'\n", 1
    reach = to_service(objects, around, me, service, parts.port or 80)
    if reach.arrived:
        return page(), 0
    if "refused" in reach.why:
        return f"wget: can't connect to remote host: Connection refused\n", 1
    return "wget: download timed out\n", 1
