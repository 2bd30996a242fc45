"""Step 9: bootstrap the cluster. Import the baseline's images through the registry's
quarantine, enrol the cluster in GitOps with Flux, wait until Flux complies, then look inside
the private cluster through AKS run command: nodes Ready in every pool and zone, the
repository's namespaces, Azure Policy's constraint templates, and the operator's access
(walkthrough.md §9; the regulated reference's quarantine, the general reference's Flux)."""

from __future__ import annotations

import base64
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from checks import in_cluster, providers
from checks.cluster_access import check_operator_rights, check_run_command_on
from checks.cluster_inputs import check_earlier_outputs
from steps import bootstrap_flux as flux
from wizard.engine.contract import (ActionSequence, ArmDeployment, Check, Choice, Field, FieldKind, Finding,
                                    GroupTemplate, ImageImports, OutputSpec, Part, ResourceWait, SourceImage,
                                    StepContext, StepDefinition, WaitVerdict)

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "azure"
DEFAULT_REPOSITORY = "https://github.com/mspnp/aks-baseline"
GIT_TOKEN = "bootstrap.repository_token"
DOCKER_HUB_TOKEN = "bootstrap.docker_hub_token"
ENV_USER, ENV_TOKEN = "AKS_WIZARD_DOCKERHUB_USER", "AKS_WIZARD_DOCKERHUB_TOKEN"
NEEDED = (("cluster", "cluster_id", "the cluster"), ("cluster", "registry_id", "the registry"),
          ("cluster", "resource_group", "the cluster's resource group"),
          ("identity", "admin_group_id", "the cluster-admin group"))
PROMOTION = (Choice("at-once", "Promote at once", "Each image goes from quarantine/ to live/ as soon as it is "
                    "imported, by the same digest. Defender for Containers still scans both copies."),)


@lru_cache(maxsize=1)
def images_data() -> dict[str, Any]:
    return json.loads((ASSETS / "bootstrap-images.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def repositories() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads((ASSETS / "bootstrap-repositories.json").read_text(encoding="utf-8"))["repositories"])


def _images(ctx: StepContext) -> tuple[SourceImage, ...]:
    return tuple(SourceImage(i["key"], i["registry"], i["repository"], i["tag"]) for i in images_data()["images"])


def _known(a: Mapping[str, Any]) -> dict[str, Any] | None:
    url = str(a.get("repository_url", "")).lower().removesuffix(".git").rstrip("/")
    return next((r for r in repositories() if r["url"].lower() == url and r["branch"] == a.get("repository_branch")
                 and r["path"].strip("./") == str(a.get("repository_path", "")).strip("./")), None)


def _expected_default(ctx: StepContext) -> str:
    known = _known({"repository_url": DEFAULT_REPOSITORY, "repository_branch": "main",
                    "repository_path": "./cluster-manifests"})
    return ", ".join(known["namespaces"]) if known else ""


def _expected(a: Mapping[str, Any]) -> list[str]:
    return [n.strip() for n in str(a.get("expected_namespaces") or "").split(",") if n.strip()]


def _private(a: Mapping[str, Any]) -> bool:
    return bool(a.get("repository_private"))


def _url_error(value: Any, ctx: StepContext) -> str | None:
    text = str(value)
    if not text.startswith("https://") or " " in text or len(text) < 12:
        return ("Give the repository's HTTPS clone URL (https://github.com/<owner>/<repo>): Flux is configured for "
                "HTTPS, and the hub firewall lets the cluster reach github.com over 443 only.")
    return None


def _path_error(value: Any, ctx: StepContext) -> str | None:
    text = str(value)
    return None if text.startswith("./") and ".." not in text else "A path inside the repository, starting with ./"


def _namespaces_error(value: Any, ctx: StepContext) -> str | None:
    import re
    bad = [n for n in _expected({"expected_namespaces": value}) if not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", n)
           or len(n) > 63]
    return f"Not Kubernetes namespace names: {', '.join(bad)} (lower-case letters, digits and -)." if bad else None


def _timeout_error(value: Any, ctx: StepContext) -> str | None:
    return None if 2 <= int(value) <= 60 else "Between 2 and 60 minutes."


def _credentials(ctx: StepContext) -> dict[str, tuple[str, str]]:
    """Docker Hub's user and token: this step's decisions, else the environment (headless)."""
    user = str(ctx.answers.get("docker_hub_user") or os.environ.get(ENV_USER, ""))
    token = (ctx.secrets.get(DOCKER_HUB_TOKEN) if ctx.secrets else None) or os.environ.get(ENV_TOKEN, "")
    return {"docker.io": (user, token)} if user and token else {}


def _cluster_name(ctx: StepContext) -> str:
    return str(ctx.output("cluster", "cluster_name") or str(ctx.output("cluster", "cluster_id", "")).rsplit("/", 1)[-1])


def _group(ctx: StepContext) -> str:
    return str(ctx.output("cluster", "resource_group"))


def _parameters(ctx: StepContext) -> dict[str, Any]:
    if not _private(ctx.answers):
        return {}
    token = (ctx.secrets.get(GIT_TOKEN) if ctx.secrets else None) or ""
    return {"gitToken": base64.b64encode(token.encode()).decode()}


def _configuration_id(ctx: StepContext) -> str:
    return (f"{ctx.output('cluster', 'cluster_id')}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/"
            f"{flux.CONFIGURATION_NAME}")


def compliance(props: Mapping[str, Any]) -> WaitVerdict:
    """Flux's verdict from the configuration's complianceState and statuses."""
    state = str(props.get("complianceState") or "Pending")
    failing = [s for s in props.get("statuses") or [] if s.get("complianceState") not in ("Compliant", None)]
    named = "; ".join(f"{s.get('kind')} {s.get('namespace')}/{s.get('name')}: " + "; ".join(
        str(c.get("message")) for c in s.get("statusConditions") or [] if c.get("message")) for s in failing)
    return WaitVerdict(done=state == "Compliant", failed=False, words=state, failing=named)


def _outputs(parts: Mapping[str, Mapping[str, Any]], ctx: StepContext) -> dict[str, Any]:
    images = dict(parts.get("images", {}).get("images") or {})
    return {"images": images, "image_digests": ", ".join(f"{k} {v['digest'][:19]}…" for k, v in images.items()),
            "flux_configuration_id": parts.get("gitops", {}).get("flux", {}).get("fluxConfigurationId")
            or _configuration_id(ctx), "flux_state": parts.get("compliance", {}).get("state", ""),
            "repository": f"{ctx.answers['repository_url']}@{ctx.answers['repository_branch']}:"
                          f"{ctx.answers['repository_path']}"}


def _check_images(ctx: StepContext) -> Finding:
    retired = [p for p in images_data()["retired"]]
    listed = [i.reference for i in _images(ctx)]
    stale = [ref for ref in listed if any(ref.startswith(p) for p in retired)]
    if stale:
        return Finding.fail(f"Retired projects in the image list: {', '.join(stale)}.",
                            "Remove them from assets/azure/bootstrap-images.json.", images=listed)
    return Finding.ok(f"{len(listed)} images, none from a retired project: {', '.join(listed)}.", images=listed)


def _check_repository(ctx: StepContext) -> Finding:
    a = ctx.answers
    known = _known(a)
    evidence = {"url": a["repository_url"], "branch": a["repository_branch"], "path": a["repository_path"]}
    if _private(a) and not (ctx.secrets and ctx.secrets.get(GIT_TOKEN)):
        return Finding.fail("A private repository needs a read-only token, and none is stored.",
                            "Give the repository token in this step's decisions (key e), or make the repository "
                            "public to the cluster; then re-run the checks (c).", **evidence)
    if str(a["repository_url"]).lower().rstrip("/") == DEFAULT_REPOSITORY.lower():
        return Finding.ok("Flux will follow the general reference's public repository unforked: fine to learn with, "
                          "but a cluster should follow a repository your team controls (fork it before production).",
                          **evidence)
    if known is None and not _expected(a):
        return Finding.ok("A repository the wizard does not know: no namespaces are expected from it, so the "
                          "namespace check only lists what Flux made.", **evidence)
    return Finding.ok(f"Flux will follow {a['repository_url']} ({a['repository_branch']}, {a['repository_path']}).",
                      **evidence)


BOOTSTRAP = StepDefinition(
    id="bootstrap",
    title="Bootstrap",
    summary="Images through the registry's quarantine, Flux GitOps, and a look inside the private cluster.",
    lesson="bootstrap.md",
    built=True,
    needs=("cluster", "identity"),
    fields=(
        Field("promotion", "Promotion from quarantine", "Images land in quarantine/ first; only live/ is what the "
              "cluster's policy lets run. Waiting for Defender's scan result before promotion is not built yet in "
              "this version: promotion is by the same digest, at once.", default="at-once", kind=FieldKind.CHOICE,
              choices=PROMOTION),
        Field("docker_hub_user", "Docker Hub user (optional)", "Docker Hub allows 10 anonymous pulls an hour per "
              "address, and ACR imports from shared addresses: an import can fail at once. With a user and a "
              "personal access token the limit is yours (100 an hour, free).",
              default=lambda ctx: os.environ.get(ENV_USER, ""), required=False),
        Field("docker_hub_token", "Docker Hub access token", "A read-only personal access token; kept in the "
              "session's secret store, sent to ACR for the import only.", secret=True, required=False),
        Field("repository_url", "Bootstrap repository (HTTPS)", "Flux applies what this repository holds to the "
              "cluster, and keeps applying it. The general reference's public repository works unforked.",
              default=DEFAULT_REPOSITORY, validators=(_url_error,)),
        Field("repository_branch", "Branch", "The branch Flux follows.", default="main"),
        Field("repository_path", "Path", "The folder of cluster manifests in the repository.",
              default="./cluster-manifests", validators=(_path_error,)),
        Field("repository_private", "Private repository", "A private repository needs a user and a read-only "
              "token (a protected setting of the Flux configuration, never in the template).", default=False,
              kind=FieldKind.BOOL),
        Field("repository_user", "Repository user", "For HTTPS Git.", default="git",
              visible_when=_private),
        Field("repository_token", "Repository token", "Read-only personal access token.", secret=True,
              visible_when=_private, required=False),
        Field("expected_namespaces", "Namespaces the repository declares", "Checked after Flux complies: each must "
              "exist. The default is what the reference repository's cluster-manifests declare.",
              default=_expected_default, required=False, validators=(_namespaces_error,)),
        Field("flux_timeout_minutes", "Wait for Flux (minutes)", "How long to wait for the configuration to become "
              "Compliant before naming what failed.", default=10, kind=FieldKind.INT, validators=(_timeout_error,)),
    ),
    checks=(
        Check("bootstrap.inputs", "The cluster step's outputs", lambda ctx: check_earlier_outputs(ctx, NEEDED)),
        Check("bootstrap.run-command", "Run command is on", check_run_command_on),
        Check("bootstrap.rights", "You may import, deploy Flux and run commands",
              lambda ctx: check_operator_rights(ctx, "import into the registry, deploy Flux and use run command"),
              needs_azure=True),
        Check("bootstrap.providers", "Microsoft.KubernetesConfiguration is registered",
              lambda ctx: providers.check_namespaces(ctx, {"Microsoft.KubernetesConfiguration": "the Flux extension"}),
              fix=providers.register_missing, fix_label="register", needs_azure=True),
        Check("bootstrap.images", "Images are current", _check_images),
        Check("bootstrap.repository", "Bootstrap repository", _check_repository),
    ),
    action=ActionSequence(parts=(
        Part("images", ImageImports(registry_id=lambda ctx: str(ctx.output("cluster", "registry_id")),
                                    images=_images, credentials=_credentials)),
        Part("gitops", ArmDeployment(
            deployment_base_name="bootstrap", location=lambda ctx: str(ctx.output("cluster", "location")),
            groups=(GroupTemplate(key="flux", resource_group=_group,
                                  location=lambda ctx: str(ctx.output("cluster", "location")),
                                  template=lambda ctx: flux.template(_cluster_name(ctx), ctx.answers,
                                                                     _private(ctx.answers)),
                                  parameters=_parameters),),
            outputs=lambda groups, ctx: {"flux": dict(groups.get("flux", {}))})),
        Part("compliance", ResourceWait(
            key="flux-compliance", title="Flux compliance", resource_id=_configuration_id,
            api_version=flux.CONFIGURATIONS_API, verdict=compliance,
            timeout_minutes=lambda ctx: float(ctx.answers["flux_timeout_minutes"]),
            remedy="Read the failing object's message: a wrong path or branch is a decision of this step (edit, key "
                   "e); a repository the cluster cannot reach needs the hub firewall's GitOps rules; then deploy "
                   "again (key d): the images and Flux are kept.")),
    ), outputs=_outputs),
    verify=(
        Check("bootstrap.nodes", "Nodes Ready in every pool and zone", in_cluster.check_nodes_ready, needs_azure=True),
        Check("bootstrap.namespaces", "The repository's namespaces exist",
              lambda ctx: in_cluster.check_namespaces(ctx, _expected(ctx.answers)), needs_azure=True),
        Check("bootstrap.constraint-templates", "Azure Policy's constraint templates are installed",
              in_cluster.check_constraint_templates, needs_azure=True),
        Check("bootstrap.access", "Your group grants cluster-admin", in_cluster.check_admin_access, needs_azure=True),
    ),
    outputs=(OutputSpec("image_digests", "Images (live/, by digest)"),
             OutputSpec("flux_configuration_id", "Flux configuration"), OutputSpec("flux_state", "Flux state"),
             OutputSpec("repository", "Repository")),
    after=("cluster",),
)
