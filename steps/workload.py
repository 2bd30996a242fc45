"""Step 10: the workload. Apply the ingress controller and the sample app to the private
cluster through AKS run command, wait for both to roll out, prove from inside the cluster
that a pod which bypasses the ingress controller is refused, ask App Gateway whether it sees
its backend healthy, then request the page over HTTPS through the gateway (step 2's
certificate pinned) and see the WAF refuse the reference's SQL-injection test (walkthrough.md §10; the general reference's workload/, with
Traefik v3 from the registry's live/ repository and default-deny network policies)."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any, Mapping

from checks import cluster_access, gateway_health, public_endpoint
from checks.cluster_inputs import check_earlier_outputs
from steps import cluster_policy
from steps import workload_manifests as m
from steps import workload_run_command as run_command_off
from wizard.engine.contract import (ActionSequence, ArmDeployment, Check, Choice, ClusterCommands, Field, FieldKind,
                                    Finding, GroupTemplate, KubeCommand, OutputSpec, Part, PlannedChange, StepContext,
                                    StepDefinition)

NEEDED = (("cluster", "cluster_id", "the cluster"), ("cluster", "registry_name", "the registry"),
          ("cluster", "key_vault_name", "the Key Vault"), ("cluster", "ingress_client_id", "the ingress identity"),
          ("cluster", "ingress_service_account", "the ingress service account"),
          ("cluster", "ingress_tls_object", "the ingress certificate's secret"),
          ("cluster", "app_gateway_id", "the Application Gateway"), ("spoke", "ingress_ip", "the ingress IP"),
          ("spoke", "subnet_prefixes", "the spoke's subnets"),
          ("spoke", "app_gateway_public_ip", "App Gateway's public IP"),
          ("tls-certificates", "backend_host", "the backend host"),
          ("tls-certificates", "public_host", "the listener host"), ("bootstrap", "images", "the imported images"),
          ("prerequisites", "tenant_id", "the tenant"))
INGRESS_SUBNET, GATEWAY_SUBNET = "snet-clusteringressservices", "snet-applicationgateway"
API_SUBNETS = ("snet-clusternodes", "snet-privatecluster")  # where the API server's private address is
AFTER = (Choice("keep", "Keep run command on", "Later day-2 commands (and this wizard's checks) keep working without "
                "line of sight. Whoever holds managedClusters/runcommand/action on the cluster can run kubectl as "
                "themselves; the Activity Log records each use."),
         Choice("disable", "Turn run command off", "Once the workload is proven, the cluster is updated "
                "(disableRunCommand): kubectl then needs line of sight, from the jump box through Bastion. Anyone "
                "with write access to the cluster can turn it back on through ARM, so it is a narrower door, not "
                "a lock."))


def inputs(ctx: StepContext) -> m.WorkloadInputs:
    """What the manifests take, from the earlier steps' outputs; images pinned by digest."""
    images = ctx.output("bootstrap", "images") or {}
    prefixes = ctx.output("spoke", "subnet_prefixes") or {}
    return m.WorkloadInputs(
        images={k: f"{v['image']}@{v['digest']}" for k, v in images.items()},
        ingress_ip=str(ctx.output("spoke", "ingress_ip", "")), ingress_subnet=INGRESS_SUBNET,
        app_gateway_prefix=str(prefixes.get(GATEWAY_SUBNET, "")),
        cluster_prefixes=tuple(str(prefixes[n]) for n in API_SUBNETS if n in prefixes),
        backend_host=str(ctx.output("tls-certificates", "backend_host", "")),
        vault_name=str(ctx.output("cluster", "key_vault_name", "")),
        tenant_id=str(ctx.output("prerequisites", "tenant_id", "")),
        ingress_client_id=str(ctx.output("cluster", "ingress_client_id", "")),
        ingress_tls_object=str(ctx.output("cluster", "ingress_tls_object", "")),
        ingress_service_account=str(ctx.output("cluster", "ingress_service_account", "")))


def _cluster(ctx: StepContext) -> str:
    return str(ctx.output("cluster", "cluster_id"))


def _object_id(ctx: StepContext, obj: Mapping[str, Any]) -> str:
    meta = obj["metadata"]
    return f"{_cluster(ctx)}/kubernetes/{meta.get('namespace', '_cluster')}/{obj['kind']}/{meta['name']}"


def _applied(ctx: StepContext) -> tuple[PlannedChange, ...]:
    return tuple(PlannedChange("Apply", _object_id(ctx, obj), f"Kubernetes/{obj['apiVersion']}/{obj['kind']}",
                               obj["metadata"]["name"], reason=file)
                 for file, docs in m.objects(inputs(ctx)).items() for obj in docs)


def _namespace() -> str:
    return str(m.data()["namespace"])


def _warnings(ctx: StepContext) -> str:
    return f"kubectl get events -n {_namespace()} --field-selector type=Warning -o json"


def _rollout(name: str) -> KubeCommand:
    return KubeCommand(
        key=f"rollout-{name}", title=f"Rollout of {name}",
        command=lambda ctx: f"kubectl rollout status deployment/{name} -n {_namespace()} "
                            f"--timeout={int(ctx.answers['rollout_timeout_minutes'])}m",
        diagnose=_warnings,
        remedy="Read why above: an image Gatekeeper refuses or the registry lacks is step 9's (deploy it again); a "
               "volume that does not mount is the ingress identity or its Key Vault role (step 8); then deploy again "
               "(key d): what was applied stays and is applied unchanged.")


def probe_overrides(ctx: StepContext) -> str:
    """The probe pod as step 8's policies want any pod: hardened, limited, on the user pool."""
    data, image = m.data(), inputs(ctx).images[m.data()["ingress"]["image_key"]]
    probe = data["probe"]
    return json.dumps({"apiVersion": "v1", "spec": {
        "nodeSelector": {"agentpool": data["user_pool"]}, "automountServiceAccountToken": False,
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": probe["pod"], "image": image,
                        "command": ["wget", "-q", "-T", str(probe["timeout_seconds"]), "-O-", _bypass_url()],
                        "resources": data["ingress"]["resources"],
                        "securityContext": m.hardened(int(data["ingress"]["user"]))}]}}, separators=(",", ":"))


def _bypass_url() -> str:
    return f"http://{m.data()['app']['service']}/"


def _probe_command(ctx: StepContext) -> str:
    data = m.data()
    image = inputs(ctx).images[data["ingress"]["image_key"]]
    return (f"kubectl run {data['probe']['pod']} -n {_namespace()} --image={image} --restart=Never --rm -i "
            f"--overrides={shlex.quote(probe_overrides(ctx))} --command -- wget -q -T "
            f"{data['probe']['timeout_seconds']} -O- {_bypass_url()}")


def _probe_shown(ctx: StepContext) -> str:
    data = m.data()
    return (f"kubectl run {data['probe']['pod']} -n {_namespace()} --rm -i … -- wget -T {data['probe']['timeout_seconds']}"
            f" {_bypass_url()} (a throw-away pod, hardened like any other, from the live/ Traefik image; passes only "
            "when it gets no answer; the full command goes to the audit log)")


def judge_bypass(outcome: Any, ctx: StepContext) -> Finding:
    """Pass only when the connection was dropped: the page, or a probe that never got as far as
    the app (refused at admission, no DNS), proves nothing about the policies."""
    said = str(outcome.logs).strip()
    evidence = {"command": outcome.command, "exit_code": outcome.exit_code, "output": said[-2000:]}
    if outcome.exit_code != 0 and "download timed out" in said:
        return Finding.ok(f"A pod in {_namespace()} that called {_bypass_url()} directly, skipping the ingress "
                          "controller, got no answer: default-deny dropped it.", **evidence)
    if outcome.exit_code == 0:
        return Finding.fail(f"The app answered a pod in its namespace that bypassed the ingress controller "
                            f"({_bypass_url()}): the network policies do not isolate it.",
                            "Check that 40-network-policies.yaml applied (the apply command's output in the audit "
                            "log) and that the cluster has a network policy engine (step 8); then deploy again (d).",
                            **evidence)
    return Finding.fail("The probe did not get as far as the app, so it proves nothing: "
                        + (said.splitlines()[-1] if said else f"exit {outcome.exit_code}"),
                        "Read the probe's output in the audit log: an admission refusal names the constraint; 'bad "
                        "address' means cluster DNS is not allowed (allow-dns); then deploy again (d).", **evidence)


def _check_images(ctx: StepContext) -> Finding:
    images = ctx.output("bootstrap", "images") or {}
    registry = str(ctx.output("cluster", "registry_name", ""))
    wanted = [m.data()["ingress"]["image_key"], m.data()["app"]["image_key"]]
    missing = [k for k in wanted if not (images.get(k) or {}).get("digest")]
    if missing:
        return Finding.fail(f"Step 9 did not import: {', '.join(missing)}.", "Deploy step 9 (Bootstrap) again; its "
                            "imports resume where they stopped.", images=images)
    stray = [k for k in wanted if not str(images[k]["image"]).startswith(f"{registry}.azurecr.io/live/")]
    if stray:
        return Finding.fail(f"Not from this cluster's registry's live/ repository: {', '.join(stray)}.",
                            "Deploy step 9 again: the workload runs only what went through quarantine.", images=images)
    return Finding.ok("Both images come from live/ in the cluster's registry, pinned by digest: "
                      + ", ".join(f"{images[k]['image']}@{images[k]['digest'][:19]}…" for k in wanted), images=images)


def _allowed_images(ctx: StepContext) -> str:
    entry = next(a for a in cluster_policy.data()["assignments"] if a["key"] == "allowed-images")
    return str(entry["parameters"]["allowedContainerImagesRegex"]).replace(
        "{registry}", re.escape(str(ctx.output("cluster", "registry_name", ""))).replace("\\-", "-"))


def _check_manifests(ctx: StepContext) -> Finding:
    """Before anything is applied: what step 8's deny assignments would refuse, refused here."""
    pattern, problems = _allowed_images(ctx), []
    applied = [obj for docs in m.objects(inputs(ctx)).values() for obj in docs]
    for obj in applied:
        spec = (obj.get("spec") or {}).get("template", {}).get("spec") if obj["kind"] == "Deployment" else None
        for c in (spec or {}).get("containers") or []:
            if not re.match(pattern, str(c["image"])):
                problems.append(f"{obj['metadata']['name']}: image {c['image']} is not allowed")
            if (c.get("securityContext") or {}).get("allowPrivilegeEscalation") is not False:
                problems.append(f"{obj['metadata']['name']}: privilege escalation is not ruled out")
    if problems:
        return Finding.fail("Step 8's policies would refuse or report: " + "; ".join(problems) + ".",
                            "Deploy step 9 again so the images are in live/, or correct assets/kubernetes/"
                            "workload.json; then re-run the checks (c).", problems=problems)
    return Finding.ok(f"{len(applied)} objects in 5 files; every container from {pattern}, non-root, read-only, "
                      "limited; the only LoadBalancer internal; the only Ingress TLS.",
                      files={n: len(d) for n, d in m.objects(inputs(ctx)).items()})


def _outputs(parts: Mapping[str, Mapping[str, Any]], ctx: StepContext) -> dict[str, Any]:
    host, ip = str(ctx.output("tls-certificates", "public_host", "")), str(ctx.output("spoke", "app_gateway_public_ip", ""))
    off = bool((parts.get("run-command-off") or {}).get("runCommandDisabled"))
    return {"public_url": f"https://{host}/", "app_gateway_ip": ip, "hosts_line": f"{ip} {host}",
            "namespace": _namespace(), "run_command": "off" if off else "on"}


def _turning_off(answers: Mapping[str, Any]) -> bool:
    return answers.get("run_command_after") == "disable"


def _check_way_in(ctx: StepContext) -> Finding:
    """With run command off, the jump box is the way to the API server: say so when there is none."""
    cluster = str(ctx.output("cluster", "cluster_name", ""))
    group = str(ctx.output("cluster", "resource_group", ""))
    again = f"az aks update -g {group} -n {cluster} --enable-run-command"
    jumpbox = str(ctx.output("cluster", "jumpbox", "") or "")
    if jumpbox:
        return Finding.ok(f"Afterwards, kubectl runs from the jump box {jumpbox} through Bastion; run command can be "
                          f"turned back on through ARM ({again}).", jumpbox=jumpbox, enable_again=again)
    return Finding.warn("There is no jump box (step 6's decision): with run command off, nothing will reach the "
                        "private API server until run command is turned back on.",
                        f"Keep run command on (edit, key e), or accept it: {again} turns it back on from anywhere "
                        "with Azure access (override with a reason).", enable_again=again)


def _check_turned_off(ctx: StepContext) -> Finding:
    from checks.cluster_access import run_command_state

    disabled = run_command_state(ctx)
    if disabled:
        return Finding.ok("The cluster reports apiServerAccessProfile.disableRunCommand true: run command is off.",
                          disable_run_command=True)
    return Finding.fail("The cluster still reports run command on.", "Deploy again (key d): the update is submitted "
                        "again; if it fails, Azure's error names the property it refused.", disable_run_command=disabled)


def _cluster_group(ctx: StepContext) -> str:
    return str(ctx.output("cluster", "resource_group"))


def _cluster_location(ctx: StepContext) -> str:
    return str(ctx.output("cluster", "location"))


WORKLOAD = StepDefinition(
    id="workload",
    title="Workload",
    summary="Ingress controller and the sample app through run command, proven isolated and healthy behind the WAF.",
    lesson="workload.md",
    built=True,
    needs=("bootstrap", "cluster", "spoke", "tls-certificates"),
    fields=(
        Field("rollout_timeout_minutes", "Wait for each rollout (minutes)", "How long kubectl waits for a Deployment's "
              "pods to be Ready before the step names what stopped them.", default=5, kind=FieldKind.INT,
              validators=(lambda v, ctx: None if 1 <= int(v) <= 30 else "Between 1 and 30 minutes.",)),
        Field("run_command_after", "Run command afterwards", "Turning run command off closes the path this wizard "
              "used, after the workload is applied and proven; later kubectl work then needs the jump box through "
              "Bastion, and steps 9 and 10 cannot run again until it is back on. The preview shows the cluster's "
              "one changed property.", default="keep", kind=FieldKind.CHOICE, choices=AFTER),
        Field("run_command_reason", "Why (recorded)", "Recorded in the audit log with the decision, for a reviewer.",
              default="The wizard's checks and day-2 commands use it; access is limited to the admin group.",
              required=False),
    ),
    checks=(
        Check("workload.inputs", "The earlier steps' outputs", lambda ctx: check_earlier_outputs(ctx, NEEDED)),
        Check("workload.run-command", "Run command is on", cluster_access.check_run_command_on),
        Check("workload.rights", "You may run commands in the cluster",
              lambda ctx: cluster_access.check_operator_rights(ctx, "apply the workload through run command"),
              needs_azure=True),
        Check("workload.images", "Images went through quarantine", _check_images),
        Check("workload.manifests", "Manifests pass step 8's policies", _check_manifests),
        Check("workload.way-in", "A way in once run command is off", _check_way_in, applies_when=_turning_off,
              not_applicable="Run command stays on."),
    ),
    action=ActionSequence(parts=(
        Part("apply", ClusterCommands(cluster_id=_cluster, commands=(
            KubeCommand(key="apply", title="Apply the workload", command=lambda ctx: "kubectl apply -f .",
                        files=lambda ctx: m.files(inputs(ctx)), changes=_applied, diagnose=_warnings,
                        remedy="Read kubectl's answer above: a refusal by admission webhook names the step-8 policy; "
                               "'no matches for kind' means an add-on is off (step 8); then deploy again (key d)."),
            *(_rollout(name) for name in m.deployments()),
            KubeCommand(key="bypass-refused", title="A pod bypassing the ingress is refused", command=_probe_command,
                        judge=judge_bypass, shown=_probe_shown),
        ))),
        Part("run-command-off", ArmDeployment(
            deployment_base_name="workload-run-command", location=_cluster_location,
            groups=(GroupTemplate(key="cluster", resource_group=_cluster_group, location=_cluster_location,
                                  template=run_command_off.template, parameters=lambda ctx: {}),),
            outputs=lambda groups, ctx: dict(groups.get("cluster", {}))), wanted=_turning_off),
    ), outputs=_outputs),
    verify=(
        Check("workload.backend-health", "App Gateway sees its backend Healthy", gateway_health.check_backend_health,
              needs_azure=True),
        Check("workload.https", "HTTPS through App Gateway with step 2's certificate", public_endpoint.check_https,
              needs_azure=True),
        Check("workload.waf", "The WAF refuses the SQL-injection test", public_endpoint.check_waf, needs_azure=True),
        Check("workload.run-command-off", "Run command is off", _check_turned_off, needs_azure=True,
              applies_when=_turning_off, not_applicable="Run command stays on (this step's decision)."),
    ),
    outputs=(OutputSpec("public_url", "Public URL"), OutputSpec("app_gateway_ip", "App Gateway IP"),
             OutputSpec("hosts_line", "Hosts-file line (no public DNS yet)"), OutputSpec("namespace", "Namespace"),
             OutputSpec("run_command", "Run command afterwards")),
    after=("bootstrap",),
)
