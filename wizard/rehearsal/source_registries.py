"""Public container registries as the rehearsal's world holds them: which tags exist, the
digest each points at, and whether the registry limits anonymous pulls.

Served under ``/_registries/<registry>/v2/…`` with the registry API's answers (OCI distribution
specification: ``HEAD …/manifests/<tag>`` with ``Docker-Content-Digest``; a token challenge
``WWW-Authenticate: Bearer realm=…`` where the registry wants one, as Docker Hub does). The
images are the bootstrap data file's plus any the scenario adds (``sourceRegistries``); their
digests are derived from the reference (a rehearsal's digests are not the real ones, and say
nothing about the real images). ``limited`` makes Docker Hub refuse anonymous imports with
its 429 text (reference/facts-2026-12.md §12: 10 pulls an hour per address since 2025-04-01;
ACR imports come from shared addresses, so they can fail at once)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping

from wizard.rehearsal.http_types import Request, Response
from wizard.rehearsal.router import Router

IMAGES_FILE = Path(__file__).resolve().parents[2] / "assets" / "azure" / "bootstrap-images.json"
TOKEN_REGISTRIES = ("docker.io",)
RATE_LIMIT = ("toomanyrequests: You have reached your pull rate limit. You may increase the limit by "
              "authenticating and upgrading: https://www.docker.com/increase-rate-limits")


def digest(reference: str) -> str:
    return "sha256:" + hashlib.sha256(f"rehearsal image {reference}".encode()).hexdigest()


def catalogue(scenario_raw: Mapping[str, Any]) -> dict[str, str]:
    """``registry/repository:tag`` -> digest, for every image the world has."""
    refs = [f"{i['registry']}/{i['repository']}:{i['tag']}"
            for i in json.loads(IMAGES_FILE.read_text(encoding="utf-8"))["images"]]
    for registry, entry in (scenario_raw.get("sourceRegistries") or {}).items():
        refs += [f"{registry}/{image}" for image in entry.get("images", [])]
    return {ref.lower(): digest(ref.lower()) for ref in refs}


def limited(scenario_raw: Mapping[str, Any], registry: str) -> bool:
    """Does this registry refuse an anonymous import now (Docker Hub's pull limit)?"""
    return bool(((scenario_raw.get("sourceRegistries") or {}).get(registry) or {}).get("anonymousLimitReached"))


def find(scenario_raw: Mapping[str, Any], registry: str, repository: str, reference: str) -> str | None:
    """The digest of ``repository`` at a tag or a digest, or None when there is none."""
    images = catalogue(scenario_raw)
    if reference.startswith("sha256:"):
        prefix = f"{registry}/{repository}:".lower()
        return reference if any(k.startswith(prefix) and v == reference for k, v in images.items()) else None
    return images.get(f"{registry}/{repository}:{reference}".lower())


def _errors(status: int, code: str, message: str) -> Response:
    return Response(status, {"errors": [{"code": code, "message": message, "detail": None}]})


def manifest(req: Request) -> Response:
    registry, repository, reference = req.params["registry"], req.params["repository"], req.params["reference"]
    base = f"{req.world.base_url}/_registries/{registry}"
    if registry in TOKEN_REGISTRIES and not req.headers.get("authorization", "").startswith("Bearer "):
        challenge = (f'Bearer realm="{base}/token",service="registry.{registry}",'
                     f'scope="repository:{repository}:pull"')
        return Response(401, None if req.method == "HEAD" else
                        {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                        {"WWW-Authenticate": challenge})
    found = find(req.world.scenario.raw, registry, repository, reference)
    if found is None:
        return Response(404) if req.method == "HEAD" else _errors(404, "MANIFEST_UNKNOWN", "manifest unknown")
    return Response(200, None, {"Docker-Content-Digest": found,
                                "Content-Type": "application/vnd.oci.image.index.v1+json"})


def token(req: Request) -> Response:
    """An anonymous (or basic-auth) pull token; HEAD requests do not count against the limit."""
    return Response(200, {"token": digest(f"token {req.query.get('scope', '')}")[7:], "expires_in": 300})


def register(router: Router) -> None:
    router.add("HEAD,GET", "/_registries/{registry}/v2/{repository*}/manifests/{reference}", manifest)
    router.add("GET", "/_registries/{registry}/token", token)
