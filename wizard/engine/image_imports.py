"""Carrying out image imports: each public image into the registry's ``quarantine/`` by the
digest its tag has now, then from quarantine into ``live/`` by that digest.

``importImage`` is an ARM action (azure-mgmt-containerregistry's ``begin_import_image``), so
the preview describes each import instead of asking what-if. Every import is audited before
and after (``image.importing`` / ``image.imported``) with source, target and digest, and kept
in the step's state, so a resumed step never imports twice and a reviewer can follow each
digest from its source registry to ``live/``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wizard.azure.errors import AzureFailure
from wizard.engine.arm import AzureCallFailed, call
from wizard.engine.contract import ImageImports, PlannedChange, Preview, PropertyDelta, SourceImage, StepContext
from wizard.engine.events import ActionProgress
from wizard.engine.registry_digest import DigestProblem, digest_of
from wizard.session.state import StepStatus

if TYPE_CHECKING:  # pragma: no cover
    from wizard.engine.runner import StepRunner

KEY = "image-imports"
IMPORT_TYPE = "Microsoft.ContainerRegistry/registries/importImage"
RATE_LIMIT_REMEDY = ("Docker Hub limits anonymous pulls (10 an hour per address), and ACR imports from shared "
                     "addresses. Give a Docker Hub user and personal access token: in this step's decisions (key e), "
                     "or headless in AKS_WIZARD_DOCKERHUB_USER and AKS_WIZARD_DOCKERHUB_TOKEN; then deploy again "
                     "(key d; headless: aks-wizard run --resume <session> --yes). Images imported already are kept.")


def quarantine_tag(image: SourceImage) -> str:
    return f"quarantine/{image.repository}:{image.tag}"


def live_tag(image: SourceImage) -> str:
    return f"live/{image.repository}:{image.tag}"


def _parts(registry_id: str) -> tuple[str, str]:
    pieces = registry_id.split("/")
    return pieces[4], pieces[-1]


class ImageImportsStep:
    def __init__(self, runner: "StepRunner", action: ImageImports) -> None:
        self.runner = runner
        self.action = action

    def _changes(self, ctx: StepContext) -> list[PlannedChange]:
        registry = self.action.registry_id(ctx)
        name = registry.rsplit("/", 1)[-1]
        done = self.runner.state.operations.get(KEY, {}).get("images", {})
        out = []
        for image in self.action.images(ctx):
            for stage, tag, source in (("quarantine", quarantine_tag(image), image.reference),
                                       ("live", live_tag(image), f"{name}.azurecr.io/{quarantine_tag(image)}")):
                kept = done.get(image.key, {}).get(stage)
                out.append(PlannedChange(
                    "NoChange" if kept else "Import", f"{registry}/repositories/{tag}", IMPORT_TYPE, tag,
                    deltas=(PropertyDelta("source", "Create", after=source),
                            PropertyDelta("digest", "Create", after=kept or "the source tag's digest, read at import")),
                    reason=f"imported earlier by this session ({kept})" if kept else
                    ("ACR's importImage action (what-if cannot show actions)" if stage == "quarantine" else
                     "promoted from quarantine by the same digest")))
        return out

    def preview(self, ctx: StepContext) -> Preview:
        return Preview(tuple(self._changes(ctx)), notes=(
            "Imports are ARM actions, not resources: what-if cannot preview them, so each is listed as it will run. "
            "Each pins the digest its source tag has at import time and promotes that digest only.",))

    def deploy(self, ctx: StepContext) -> dict[str, Any]:
        runner, azure = self.runner, self.runner.azure
        assert azure is not None
        approved = {k for k, v in ((runner.state.preview or {}).get("changes") or {}).items() if v == "Import"}
        wanted = [c for c in self._changes(ctx) if c.change_type == "Import"]
        if any(c.resource_id.lower() not in approved for c in wanted):
            raise AzureCallFailed(AzureFailure("PreviewOutdated", "The images to import are not the ones previewed "
                                               "and approved.", "", "Show the preview again (key p) and approve it."))
        runner.state.status = StepStatus.RUNNING
        op = runner.state.operations.setdefault(KEY, {"status": "running", "images": {}})
        runner.session.save()
        registry = self.action.registry_id(ctx)
        images = self.action.images(ctx)
        try:
            outputs = self._all(ctx, op, registry, images)
        except AzureCallFailed:
            op["status"] = "failed"  # not under way: a retry is a new approval
            runner.session.save()
            raise
        op["status"] = "succeeded"
        runner.session.save()
        return {"images": outputs}

    def _all(self, ctx: StepContext, op: dict[str, Any], registry: str,
             images: tuple[SourceImage, ...]) -> dict[str, Any]:
        runner = self.runner
        outputs: dict[str, Any] = {}
        for index, image in enumerate(images):
            record = op["images"].setdefault(image.key, {})
            runner.sink(ActionProgress(runner.step.id, f"Importing {image.reference}…", index / max(len(images), 1)))
            if not record.get("digest"):
                record["digest"] = self._digest(ctx, image)
                runner.session.save()
            digest = str(record["digest"])
            if not record.get("quarantine"):
                self._import(registry, image, {"registryUri": image.registry,
                                               "sourceImage": f"{image.repository}@{digest}"},
                             quarantine_tag(image), "quarantine", digest, ctx)
                record["quarantine"] = digest
                runner.session.save()
            if not record.get("live"):
                self._import(registry, image, {"resourceId": registry,
                                               "sourceImage": f"{quarantine_tag(image).split(':')[0]}@{digest}"},
                             live_tag(image), "live", digest, ctx)
                record["live"] = digest
                runner.session.save()
            outputs[image.key] = {"image": f"{registry.rsplit('/', 1)[-1]}.azurecr.io/{live_tag(image)}",
                                  "digest": digest, "source": image.reference}
        return outputs

    def _auth(self, ctx: StepContext, registry: str) -> tuple[str, str] | None:
        user, password = self.action.credentials(ctx).get(registry, ("", ""))
        return (user, password) if user and password else None

    def _digest(self, ctx: StepContext, image: SourceImage) -> str:
        assert self.runner.azure is not None
        try:
            return digest_of(self.runner.azure.endpoints, image.registry, image.repository, image.tag,
                             self._auth(ctx, image.registry))
        except DigestProblem as exc:
            remedy = RATE_LIMIT_REMEDY if exc.status == 429 else (
                "Check the image's registry, repository and tag (assets/azure/bootstrap-images.json) and that this "
                "machine reaches the registry; then deploy again (key d).")
            raise AzureCallFailed(AzureFailure("SourceDigestUnavailable", f"Could not read the digest of "
                                               f"{image.reference}: {exc}", image.reference, remedy,
                                               status=exc.status)) from None

    def _import(self, registry: str, image: SourceImage, source: dict[str, Any], target: str, stage: str,
                digest: str, ctx: StepContext) -> None:
        from azure.mgmt.containerregistry.models import ImportImageParameters, ImportSource, ImportSourceCredentials

        runner, azure = self.runner, self.runner.azure
        assert azure is not None
        rg, name = _parts(registry)
        auth = self._auth(ctx, image.registry) if stage == "quarantine" else None
        credentials = ImportSourceCredentials(username=auth[0], password=auth[1]) if auth else None
        params = ImportImageParameters(source=ImportSource(credentials=credentials, **{
            {"registryUri": "registry_uri", "resourceId": "resource_id", "sourceImage": "source_image"}[k]: v
            for k, v in source.items()}), target_tags=[target], mode="NoForce")
        audited = {"image": image.key, "stage": stage, "source": source.get("registryUri") or source.get("resourceId"),
                   "source_image": source["sourceImage"], "target": f"{name}/{target}", "digest": digest,
                   "credentials": "given" if auth else "anonymous"}
        runner.session.record("image.importing", runner.step.id, audited)
        try:
            poller = call(target, azure.container_registry().registries.begin_import_image, rg, name, params)
            call(target, poller.result)
        except AzureCallFailed as exc:
            failure = exc.failure
            if failure.status == 429 or "rate limit" in failure.message.lower():
                failure = AzureFailure(failure.code, failure.message, image.reference, RATE_LIMIT_REMEDY,
                                       failure.details, failure.status, failure.correlation_id)
            runner.session.record("image.import_failed", runner.step.id, {**audited, "error": failure.as_record()})
            raise AzureCallFailed(failure) from None
        runner.session.record("image.imported", runner.step.id, audited)
