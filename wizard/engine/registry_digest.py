"""Reading the digest a public image's tag points at, before importing it.

ACR's ``importImage`` returns no body, and the cluster's registry is private (no public
network access), so the digest cannot be read from it afterwards from the operator's
machine. The source registry tells it: a ``HEAD /v2/<repository>/manifests/<tag>`` of the
registry API (the OCI distribution specification) answers with ``Docker-Content-Digest``.
Importing by that digest makes the quarantine copy exactly that manifest, and promotion by
the same digest makes ``live/`` exactly what was quarantined.

A registry that wants a token says so with ``401`` and a ``WWW-Authenticate: Bearer
realm=…,service=…,scope=…`` challenge (Docker Hub does, even for anonymous pulls); the token
comes from that realm, with the operator's registry credentials when given. A HEAD does not
count against Docker Hub's pull limit ("Using GET emulates a real pull and counts towards the
limit. Using HEAD won't.", docker/docs content/manuals/docker-hub/usage/pulls.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wizard.azure.endpoints import Endpoints

# An index first: a multi-platform image's digest is its index's, and ACR imports all of it.
ACCEPT = ", ".join(("application/vnd.oci.image.index.v1+json",
                    "application/vnd.docker.distribution.manifest.list.v2+json",
                    "application/vnd.oci.image.manifest.v1+json",
                    "application/vnd.docker.distribution.manifest.v2+json"))
CHALLENGE = re.compile(r'(\w+)="([^"]*)"')
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class DigestProblem(Exception):
    """Why a digest could not be read, with the registry's own words."""

    status: int
    message: str

    def __str__(self) -> str:
        return self.message


def _token(session: Any, challenge: str, auth: tuple[str, str] | None, verify: Any) -> str:
    fields = dict(CHALLENGE.findall(challenge))
    realm = fields.pop("realm", "")
    if not realm:
        raise DigestProblem(401, f"the registry asked for authentication it did not describe ({challenge})")
    answer = session.get(realm, params=fields, auth=auth, verify=verify, timeout=30)
    if answer.status_code != 200:
        raise DigestProblem(answer.status_code, f"the registry's token service answered {answer.status_code}: "
                            f"{answer.text[:300]}")
    body = answer.json()
    return str(body.get("token") or body.get("access_token") or "")


def digest_of(endpoints: Endpoints, registry: str, repository: str, tag: str,
              auth: tuple[str, str] | None = None) -> str:
    """The ``sha256:…`` digest ``registry/repository:tag`` has now; raises DigestProblem."""
    import requests

    url = f"{endpoints.registry_url(registry)}/v2/{repository}/manifests/{tag}"
    verify = endpoints.connection_verify
    with requests.Session() as session:
        try:
            answer = session.head(url, headers={"Accept": ACCEPT}, verify=verify, timeout=30)
            if answer.status_code == 401 and "www-authenticate" in answer.headers:
                token = _token(session, answer.headers["www-authenticate"], auth, verify)
                answer = session.head(url, headers={"Accept": ACCEPT, "Authorization": f"Bearer {token}"},
                                      verify=verify, timeout=30)
        except requests.RequestException as exc:
            raise DigestProblem(0, f"could not reach {registry}: {exc}") from None
    if answer.status_code == 404:
        raise DigestProblem(404, f"{registry}/{repository}:{tag} does not exist (MANIFEST_UNKNOWN)")
    if answer.status_code == 429:
        raise DigestProblem(429, "You have reached your pull rate limit.")
    digest = answer.headers.get("docker-content-digest", "")
    if answer.status_code != 200 or not DIGEST.match(digest):
        raise DigestProblem(answer.status_code, f"{registry} answered {answer.status_code} without a digest")
    return digest
