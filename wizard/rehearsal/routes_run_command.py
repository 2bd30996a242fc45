"""AKS run command: ``POST …/managedClusters/{name}/runCommand`` and its result.

As AKS answers (ManagedClusters_RunCommand and ManagedClusters_GetCommandResult,
managedClusters.json 2026-08-01; azure-mgmt-containerservice's ``begin_run_command`` follows
the ``Location`` header): the POST is accepted with 202 and a ``Location`` of
``commandResults/{id}``, which answers 202 while the command pod runs and then 200 with the
RunCommandResult (``provisioningState``, ``exitCode``, ``logs``, ``startedAt``,
``finishedAt``). Kubernetes refusing the caller is not an ARM error: the command succeeds with
a non-zero exit code and the API server's words in ``logs`` (the AKS troubleshooting article
resolve-az-aks-command-invoke-failures.md lists "namespaces is forbidden" as command output).

What AKS refuses is refused here too: a caller without the ``runcommand/action`` right, a
cluster with run command disabled, an Entra cluster with local accounts off and no (or a
wrong) ``clusterToken`` for the AKS server application. The command itself runs against the
cluster's derived objects (``kube_objects``) as the token's user (``kubectl``)."""

from __future__ import annotations

import base64
import io
import time
import uuid
import zipfile
from typing import Any

from wizard.rehearsal import (kube_admission, kube_objects, kube_store, kube_surroundings, kubectl, permissions,
                              routes_directory)
from wizard.rehearsal.http_types import ArmError, Request, Response, not_found
from wizard.rehearsal.router import Router
from wizard.rehearsal.routes_registry import retry_after, still_running
from wizard.rehearsal.routes_subscriptions import require_subscription
from wizard.rehearsal.tokens import TokenProblem, verify

CLUSTER = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}"
AKS_SERVER_APP = "6dae42f8-4368-4678-94ff-3960e28e3630"
ACTION = "Microsoft.ContainerService/managedClusters/runcommand/action"
POD_SECONDS = 20.0  # scheduling the command pod and running kubectl, in Azure time


def _cluster(req: Request) -> dict[str, Any]:
    rg = req.world.model.resource_group(req.params["sub"], req.params["rg"])
    if rg is None:
        raise not_found("ResourceGroup", req.params["rg"])
    rid = CLUSTER.format(**req.params)
    found = req.world.model.resource(rid)
    if found is None:
        raise not_found("Resource", f"Microsoft.ContainerService/managedClusters/{req.params['name']}", rg["name"])
    return found


def _claims(req: Request, props: dict[str, Any]) -> dict[str, Any]:
    """The cluster token's claims; an Entra cluster without local accounts needs one."""
    token = str((req.body or {}).get("clusterToken") or "")
    aad = props.get("aadProfile") or {}
    if not aad.get("managed"):
        raise ArmError(400, "BadRequest", "The rehearsal models Entra-integrated clusters only.")
    problem = verify(f"Bearer {token}" if token else "", req.world.signing_key, (AKS_SERVER_APP,),
                     req.world.scenario.tenant_id)
    if isinstance(problem, TokenProblem):
        if problem.kind == "missing":  # AKS's words (Azure/azure-rest-api-specs#22480)
            raise ArmError(400, "MissingAADClusterToken", "This cluster have Azure Active Directory enabled, "
                           ".clusterToken is required.")
        raise ArmError(400, "BadRequest", f"The clusterToken is not valid for this cluster ({problem.kind}"
                       f"{': ' + problem.detail if problem.detail else ''}): it must be a token of tenant "
                       f"{req.world.scenario.tenant_id} for the AKS server application {AKS_SERVER_APP}.")
    return problem


def _files(req: Request) -> dict[str, str]:
    raw = (req.body or {}).get("context")
    if not raw:
        return {}
    try:
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(str(raw), validate=True))) as archive:
            return {n: archive.read(n).decode("utf-8", "replace") for n in archive.namelist()}
    except (ValueError, zipfile.BadZipFile):
        raise ArmError(400, "InvalidParameter", "The context must be a base64-encoded zip of the attached files.") \
            from None


def _view(req: Request, cluster: dict[str, Any], files: dict[str, str]) -> kubectl.ClusterView:
    """What the command pod's kubectl sees: objects derived from ARM, and those applied."""
    model = req.world.model
    everything = list(model.data["resources"].values())
    objects = kube_store.Objects(model.data.setdefault("kube", {}).setdefault(str(cluster["id"]).lower(), {}))
    namespace_kind = kube_store.kind_of("v1", "Namespace")
    assert namespace_kind is not None

    def namespaces() -> list[str]:
        applied = [str(o["metadata"]["name"]) for o in objects.of(namespace_kind)]
        return sorted(set(kube_objects.namespaces(cluster, everything)) | set(applied))
    props = cluster.get("properties") or {}
    return kubectl.ClusterView(
        nodes=lambda: kube_objects.nodes(cluster), namespaces=namespaces,
        constraint_templates=lambda: kube_objects.constraint_templates(cluster, everything), objects=objects,
        surroundings=kube_surroundings.surroundings(cluster, everything, model.data.get("registryImages") or {},
                                                    req.world.scenario.tenant_id),
        addons=dict(props.get("addonProfiles") or {}),
        constraints=lambda: kube_admission.constraints(cluster, everything), files=files)


def run_command(req: Request) -> Response:
    require_subscription(req, write=True)
    cluster = _cluster(req)
    rid, props = str(cluster["id"]), dict(cluster.get("properties") or {})
    permissions.require(req.world.scenario, ACTION, rid)
    if (props.get("apiServerAccessProfile") or {}).get("disableRunCommand"):
        # no published answer quotes this refusal: the code and words are the rehearsal's
        raise ArmError(400, "RunCommandDisabled", "Run command is disabled for this cluster "
                       "(apiServerAccessProfile.disableRunCommand is true).")
    command = str((req.body or {}).get("command") or "").strip()
    if not command:
        raise ArmError(400, "InvalidParameter", "The value of parameter command is invalid: it must not be empty.")
    claims = _claims(req, props)
    files = _files(req)  # a malformed context is refused before the pod starts
    store = routes_directory.directory(req)
    caller = kubectl.caller_from(claims, list((props.get("aadProfile") or {}).get("adminGroupObjectIDs") or []),
                                 lambda g: list(store["members"].get(g, [])))
    model = req.world.model
    with model.lock:  # one command at a time changes the cluster's objects, as the API server serialises writes
        exit_code, logs = kubectl.run(command, caller, _view(req, cluster, files))
        model.save()
    command_id = uuid.uuid4().hex
    now = time.time()
    with model.lock:
        model.data.setdefault("runCommands", {})[command_id] = {
            "cluster": rid.lower(), "exitCode": exit_code, "logs": logs, "startedAt": now,
            "finishedAt": now + POD_SECONDS / req.world.pace}
    url = f"{req.world.base_url}{rid}/commandResults/{command_id}?api-version={req.query.get('api-version', '')}"
    return Response(202, None, {"Location": url, "Retry-After": retry_after(req)})


def _stamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def command_result(req: Request) -> Response:
    require_subscription(req)
    cluster = _cluster(req)
    with req.world.model.lock:
        run = dict(req.world.model.data.get("runCommands", {}).get(req.params["id"]) or {})
    if not run or run["cluster"] != str(cluster["id"]).lower():
        raise ArmError(404, "NotFound", f"Command result {req.params['id']} was not found.")
    if time.time() < run["finishedAt"]:
        return still_running(req)
    # lower case, as the spec's example RunCommandResultSucceed.json (2026-08-01) answers
    return Response(200, {"id": req.params["id"], "properties": {
        "provisioningState": "succeeded", "exitCode": run["exitCode"], "startedAt": _stamp(run["startedAt"]),
        "finishedAt": _stamp(run["finishedAt"]), "logs": run["logs"], "reason": ""}})


def register(router: Router) -> None:
    router.add("POST", CLUSTER + "/runCommand", run_command)
    router.add("GET", CLUSTER + "/commandResults/{id}", command_result)
