"""The bootstrap image list (groundwork for issue 10): every image is pinned to a tag, comes
from a registry the cluster's egress and policy allow, and none is from a retired project."""

from __future__ import annotations

import json
from pathlib import Path

DATA = json.loads((Path(__file__).resolve().parents[2] / "assets" / "azure" / "bootstrap-images.json").read_text())


def test_images_are_pinned_current_and_from_no_retired_project() -> None:
    keys = [i["key"] for i in DATA["images"]]
    assert len(keys) == len(set(keys)) and {"traefik", "aspnetapp"} <= set(keys)
    for image in DATA["images"]:
        source = f"{image['registry']}/{image['repository']}:{image['tag']}"
        assert image["tag"] and image["tag"] != "latest", source
        assert not any(source.startswith(r) or r in source for r in DATA["retired"]), source
        assert image["registry"] in ("docker.io", "mcr.microsoft.com", "ghcr.io"), source
    traefik = next(i for i in DATA["images"] if i["key"] == "traefik")
    assert traefik["tag"].startswith("v3."), "Traefik v3, the major the general reference uses"
