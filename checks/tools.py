"""Local command-line tools the walkthrough needs, with the step that needs each.

Data first: ``TOOLS`` says which tool, which minimum version and why; the check only runs
``<tool> --version``-style commands concurrently and compares."""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from wizard.engine.contract import CheckStatus, Finding, StepContext


@dataclass(frozen=True)
class Tool:
    name: str
    version_args: tuple[str, ...]
    minimum: tuple[int, ...] | None
    needed_by: str
    install: str


TOOLS: tuple[Tool, ...] = (
    Tool("az", ("version", "-o", "json"), (2, 52), "sign-in (az login) and the post-deployment steps",
         "https://learn.microsoft.com/cli/azure/install-azure-cli"),
    Tool("kubectl", ("version", "--client", "-o", "json"), (1, 34), "bootstrap and workload (cluster access)",
         "az aks install-cli"),
    Tool("kubelogin", ("--version",), None, "bootstrap and workload (Entra sign-in to the API server)",
         "az aks install-cli"),
    Tool("git", ("--version",), None, "bootstrap (the GitOps repository fork)", "your OS package manager"),
)

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text: str) -> tuple[int, ...] | None:
    """First dotted version in a tool's output (az prints JSON with "azure-cli": "2.61.0")."""
    preferred = re.search(r'"(?:azure-cli|gitVersion)"\s*:\s*"v?(\d+\.\d+(?:\.\d+)?)', text)
    match = _VERSION.search(preferred.group(1) if preferred else text)
    if not match:
        return None
    return tuple(int(g) for g in match.groups() if g is not None)


Runner = Callable[[list[str]], str]


def _run(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=20, check=False)
    return proc.stdout + proc.stderr


def probe(tool: Tool, which: Callable[[str], str | None] = shutil.which, run: Runner = _run) -> dict[str, object]:
    path = which(tool.name)
    if not path:
        return {"tool": tool.name, "found": False, "needed_by": tool.needed_by}
    try:
        version = parse_version(run([path, *tool.version_args]))
    except (OSError, subprocess.SubprocessError):
        version = None
    ok = version is not None and (tool.minimum is None or version >= tool.minimum)
    return {"tool": tool.name, "found": True, "path": path,
            "version": ".".join(map(str, version)) if version else "unknown",
            "minimum": ".".join(map(str, tool.minimum)) if tool.minimum else None,
            "ok": ok or (tool.minimum is None and version is None), "needed_by": tool.needed_by}


def check_tools(ctx: StepContext, which: Callable[[str], str | None] = shutil.which, run: Runner = _run,
                tools: tuple[Tool, ...] = TOOLS) -> Finding:
    with ThreadPoolExecutor(max_workers=len(tools)) as pool:
        found = list(pool.map(lambda t: probe(t, which, run), tools))
    problems = []
    for tool, info in zip(tools, found):
        if not info["found"]:
            problems.append(f"{tool.name} not found (needed by {tool.needed_by}; install: {tool.install})")
        elif not info.get("ok"):
            problems.append(f"{tool.name} {info['version']} is older than {info['minimum']} "
                            f"(needed by {tool.needed_by}; upgrade: {tool.install})")
    evidence = {"tools": found}
    if not problems:
        return Finding(CheckStatus.PASS, "All tools found: " + ", ".join(
            f"{i['tool']} {i.get('version')}" for i in found), evidence)
    if ctx.mode == "rehearsal":
        return Finding(CheckStatus.PASS, "Rehearsal needs no local tools. Before a live run: " + "; ".join(problems),
                       evidence)
    return Finding(CheckStatus.WARN, "; ".join(problems),
                   evidence, "Install or upgrade the tools listed before the step that needs them.")
