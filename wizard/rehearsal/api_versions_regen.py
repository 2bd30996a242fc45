"""Refresh ``assets/azure/api-versions.json`` from a local checkout of Azure/azure-rest-api-specs.

The rehearsal backend rejects any api-version that Azure does not publish for a resource type;
the list it enforces lives in that JSON file. This script walks the swagger files under
``specification/*/resource-manager/`` (a sparse clone of the folders named in the data file is
enough), maps every ARM path in them to its resource type and prints the data file again with
fresh version lists. The set of types is kept from the current file; only versions and the
per-type source path change. Standard library only; it is not run in CI (it needs the specs).

    python -m wizard.rehearsal.api_versions_regen --specs ~/src/azure-rest-api-specs \
        > assets/azure/api-versions.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parents[2] / "assets" / "azure" / "api-versions.json"
VERSION_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}(-[a-z]+)?$")


def resource_type(arm_path: str) -> str | None:
    """Return the resource type an ARM path addresses (``Microsoft.X/typeA/typeB``), or None.

    The last ``/providers/<literal namespace>/`` wins, so extension resources under a scope map
    to the extension type; the type is every segment at an even position after it. Paths without
    a provider segment belong to Microsoft.Resources and are named by their last literal segment.
    """
    parts = [p for p in arm_path.split("?")[0].split("/") if p]
    literal = [i for i, p in enumerate(parts[:-1])
               if p.lower() == "providers" and not parts[i + 1].startswith("{")]
    if literal:
        start = literal[-1]
        names = parts[start + 2:][0::2]
        if not names:
            return None
        return "/".join([parts[start + 1], *names])
    lowered = [p.lower() for p in parts]
    if any(p in ("{resourcetype}", "{parentresourcepath}", "{resourceid}") for p in lowered):
        return "Microsoft.Resources/resources"
    words = [p for p in parts if not p.startswith("{")]
    return f"Microsoft.Resources/{words[-1]}" if words else None


def versions_from_paths(paths: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Group ``(api_version, arm_path)`` pairs into {lower-cased resource type: versions}."""
    found: dict[str, set[str]] = {}
    for version, arm_path in paths:
        kind = resource_type(arm_path)
        if kind:
            found.setdefault(kind.lower(), set()).add(version)
    return found


def newest_first(versions: Iterable[str]) -> list[str]:
    """Sort api-versions newest first; on the same date the stable one comes before a preview."""
    return sorted(set(versions), key=lambda v: (v[:10], v == v[:10], v), reverse=True)


def spec_version(swagger: Path) -> str | None:
    """The api-version a swagger file belongs to: its nearest folder named like one."""
    for folder in swagger.parents:
        if folder.name == "examples":
            return None
        if VERSION_DIR.match(folder.name):
            return folder.name
    return None


def scan_specs(specs: Path) -> Iterator[tuple[str, str, Path]]:
    """Yield ``(api_version, arm_path, swagger_file)`` for every ARM path in the checkout."""
    for swagger in sorted(specs.glob("specification/*/resource-manager/**/*.json")):
        version = spec_version(swagger.relative_to(specs))
        if version is None:
            continue
        try:
            document = json.loads(swagger.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError):
            continue
        if not isinstance(document, dict):
            continue
        for key in ("paths", "x-ms-paths"):
            for arm_path in document.get(key) or {}:
                yield version, arm_path, swagger


def regenerate(specs: Path, current: dict) -> dict:
    """Build the new data file: same types and prose as ``current``, versions from ``specs``."""
    pairs: list[tuple[str, str]] = []
    newest_file: dict[tuple[str, str], Path] = {}
    for version, arm_path, swagger in scan_specs(specs):
        pairs.append((version, arm_path))
        kind = resource_type(arm_path)
        if kind:
            newest_file.setdefault((kind.lower(), version), swagger)
    found = versions_from_paths(pairs)
    types: dict[str, dict] = {}
    for name, entry in current.get("types", {}).items():
        versions = newest_first(found.get(name.lower(), ()))
        if not versions:
            print(f"warning: {name} not found under {specs}; kept as it was", file=sys.stderr)
            types[name] = entry
            continue
        source = newest_file[(name.lower(), versions[0])].relative_to(specs).as_posix()
        types[name] = {"versions": versions, "source": source}
    head = specs / ".git" / "HEAD"
    where = f"checkout {head.read_text().strip()}" if head.is_file() else "a local checkout"
    return {
        "about": current.get("about", ""),
        "retrieved": dt.date.today().isoformat(),
        "source": f"Azure/azure-rest-api-specs ({where})",
        "regenerate": current.get("regenerate", ""),
        "types": types,
    }


def load_current(path: Path) -> dict:
    """The current data file: its list of types is kept, only their versions are refreshed."""
    return json.loads(path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; rewrites the data file in place (after reading it whole),
    or prints the refreshed JSON with ``--out -``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=Path, required=True, help="azure-rest-api-specs checkout")
    parser.add_argument("--types", type=Path, default=DATA_FILE, help="current data file")
    parser.add_argument("--out", default=str(DATA_FILE), help="where to write ('-' for standard output)")
    args = parser.parse_args(argv)
    if not (args.specs / "specification").is_dir():
        parser.error(f"{args.specs} has no specification/ folder")
    text = json.dumps(regenerate(args.specs, load_current(args.types)), indent=2) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
