"""ACR's importImage and the public registries, through the real SDK and the registry API over
HTTPS. Checked against the 2025-11-01 spec (containerregistry.json, Registries_ImportImage: 202
with Location and Retry-After, final-state-via location; NoForce "will fail the operation
before any copying begins" when a target tag exists; sourceImage by tag or by digest) and the
words users quote (Azure/azure-cli#10938 for an existing tag, MicrosoftDocs/azure-docs#90060 for
a missing source, Azure/bicep-registry-modules#3069 for Docker Hub's limit)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerregistry.models import ImportImageParameters, ImportSource

from wizard.engine.registry_digest import DigestProblem, digest_of
from wizard.rehearsal.source_registries import digest

SUB = "2d6f9a1b-4c3e-4b7a-8f15-0a9e8d7c6b51"
RG, NAME = "rg-images", "acrrehearsal01"


def _registry(backend: Any) -> str:
    rid = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ContainerRegistry/registries/{NAME}"
    backend.model.put_resource_group(SUB, RG, "eastus2", {})
    backend.model.apply_resource({"id": rid, "name": NAME, "type": "Microsoft.ContainerRegistry/registries",
                                  "location": "eastus2", "sku": {"name": "Premium"}, "properties": {}})
    return rid


def _import(ctx: Any, source: ImportSource, tag: str) -> None:
    ctx.container_registry().registries.begin_import_image(
        RG, NAME, ImportImageParameters(source=source, target_tags=[tag], mode="NoForce")).result()


def test_digest_by_tag_then_import_by_digest_and_a_clash_is_refused(backend_ctx: Any) -> None:
    backend, ctx = backend_ctx
    _registry(backend)
    found = digest_of(ctx.endpoints, "docker.io", "library/traefik", "v3.7.13")  # through Docker Hub's token challenge
    assert found == digest("docker.io/library/traefik:v3.7.13")
    _import(ctx, ImportSource(registry_uri="docker.io", source_image=f"library/traefik@{found}"), "quarantine/t:1")
    _import(ctx, ImportSource(registry_uri="docker.io", source_image=f"library/traefik@{found}"), "quarantine/t:1")
    other = digest_of(ctx.endpoints, "mcr.microsoft.com", "dotnet/samples", "aspnetapp")
    with pytest.raises(HttpResponseError) as refused:
        _import(ctx, ImportSource(registry_uri="mcr.microsoft.com", source_image=f"dotnet/samples@{other}"),
                "quarantine/t:1")
    assert "Tag quarantine/t:1 already exists in target registry." in str(refused.value)


def test_a_source_that_does_not_exist_or_is_malformed_is_refused(backend_ctx: Any) -> None:
    backend, ctx = backend_ctx
    _registry(backend)
    with pytest.raises(DigestProblem):
        digest_of(ctx.endpoints, "docker.io", "library/traefik", "v0.0.0-none")
    with pytest.raises(HttpResponseError) as missing:
        _import(ctx, ImportSource(registry_uri="docker.io", source_image="library/traefik:v0.0.0-none"), "q/t:1")
    assert "MANIFEST_UNKNOWN" in str(missing.value)
    with pytest.raises(HttpResponseError) as malformed:
        _import(ctx, ImportSource(registry_uri="docker.io", source_image="Library/Traefik::x"), "q/t:1")
    assert "not a valid image reference" in str(malformed.value)


def test_docker_hub_refuses_an_anonymous_import_when_the_limit_is_reached(start_backend: Any) -> None:
    backend, ctx = start_backend({"extends": "default", "sourceRegistries": {"docker.io": {
        "anonymousLimitReached": True}}})
    _registry(backend)
    found = digest_of(ctx.endpoints, "docker.io", "library/traefik", "v3.7.13")  # a HEAD does not count
    with pytest.raises(HttpResponseError) as limited:
        _import(ctx, ImportSource(registry_uri="docker.io", source_image=f"library/traefik@{found}"), "q/t:1")
    assert limited.value.status_code == 429 and "You have reached your pull rate limit" in str(limited.value)


def test_an_import_without_the_right_is_refused_as_arm_refuses(start_backend: Any) -> None:
    backend, ctx = start_backend({"extends": "default", "roleAssignments": [
        {"name": "0a4b5c6d-7e8f-4091-a2b3-c4d5e6f70814", "scope": f"/subscriptions/{SUB}", "role": "Reader"}]})
    _registry(backend)
    with pytest.raises(HttpResponseError) as refused:
        _import(ctx, ImportSource(registry_uri="mcr.microsoft.com", source_image="dotnet/samples:aspnetapp"), "q/t:1")
    assert refused.value.status_code == 403 and refused.value.error.code == "AuthorizationFailed"
    assert "Microsoft.ContainerRegistry/registries/importImage/action" in str(refused.value)
