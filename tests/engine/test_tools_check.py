"""checks/tools.py with injected ``which`` and ``run``: no real subprocess, no PATH lookup."""

from __future__ import annotations

import subprocess
from typing import Callable

import pytest

from checks import tools
from checks.tools import check_tools, parse_version, probe
from wizard.engine.contract import CheckStatus, StepContext

AZ_JSON = """{
  "azure-cli-telemetry": "1.1.0",
  "azure-cli": "2.61.0",
  "azure-cli-core": "2.61.0",
  "extensions": {"aks-preview": "0.5.170"}
}"""
KUBECTL_JSON = """{
  "clientVersion": {"major": "1", "minor": "34", "gitVersion": "v1.34.1", "gitCommit": "abc",
                    "goVersion": "go1.24.6", "platform": "linux/amd64"},
  "kustomizeVersion": "v5.7.1"
}"""
KUBELOGIN_TEXT = "\nkubelogin version\ngit hash: v0.2.10/8b1e0f0\nGo version: go1.24.1\nplatform: linux/amd64\n"
GIT_TEXT = "git version 2.39.5\n"

OUTPUTS = {"az": AZ_JSON, "kubectl": KUBECTL_JSON, "kubelogin": KUBELOGIN_TEXT, "git": GIT_TEXT}


def ctx(mode: str) -> StepContext:
    return StepContext(step_id="prerequisites", answers={}, outputs={}, mode=mode)


def fakes(outputs: dict[str, str] | None = None, missing: tuple[str, ...] = (),
          calls: list[list[str]] | None = None) -> tuple[Callable[[str], str | None], Callable[[list[str]], str]]:
    table = dict(OUTPUTS, **(outputs or {}))

    def which(name: str) -> str | None:
        return None if name in missing else f"/fake/bin/{name}"

    def run(cmd: list[str]) -> str:
        assert cmd[0].startswith("/fake/bin/"), "the check must run the path which() returned"
        if calls is not None:
            calls.append(cmd)
        return table[cmd[0].rsplit("/", 1)[-1]]

    return which, run


# -- parse_version ---------------------------------------------------------------------------

def test_parse_version_prefers_the_azure_cli_key_in_az_json() -> None:
    assert parse_version(AZ_JSON) == (2, 61, 0)


def test_parse_version_prefers_git_version_in_kubectl_json() -> None:
    assert parse_version(KUBECTL_JSON) == (1, 34, 1)


def test_parse_version_on_plain_text() -> None:
    assert parse_version(GIT_TEXT) == (2, 39, 5)
    assert parse_version("Client Version: v1.30.2\nKustomize Version: v5.0.4") == (1, 30, 2)
    assert parse_version(KUBELOGIN_TEXT) == (0, 2, 10)
    assert parse_version("tool 3.7") == (3, 7)


def test_parse_version_none_without_a_version() -> None:
    assert parse_version("command not found") is None
    assert parse_version("") is None


# -- check_tools -----------------------------------------------------------------------------

def test_all_found_and_new_enough_passes() -> None:
    calls: list[list[str]] = []
    which, run = fakes(calls=calls)
    finding = check_tools(ctx("live"), which=which, run=run)
    assert finding.status is CheckStatus.PASS
    assert "az 2.61.0" in finding.summary and "kubectl 1.34.1" in finding.summary and "git 2.39.5" in finding.summary
    assert {t["tool"]: t["ok"] for t in finding.evidence["tools"]} == {t.name: True for t in tools.TOOLS}
    assert sorted(c[1:] for c in calls) == sorted(list(t.version_args) for t in tools.TOOLS)


def test_minimum_version_itself_is_enough() -> None:
    which, run = fakes({"az": '{"azure-cli": "2.52.0"}', "kubectl": '{"gitVersion": "v1.34.0"}'})
    assert check_tools(ctx("live"), which=which, run=run).status is CheckStatus.PASS


def test_missing_kubectl_in_live_mode_warns_naming_the_step() -> None:
    which, run = fakes(missing=("kubectl",))
    finding = check_tools(ctx("live"), which=which, run=run)
    assert finding.status is CheckStatus.WARN
    assert "kubectl not found" in finding.summary
    assert "bootstrap and workload (cluster access)" in finding.summary
    assert "az aks install-cli" in finding.summary
    assert finding.summary.count("not found") == 1 and "older" not in finding.summary  # only kubectl
    kubectl = next(t for t in finding.evidence["tools"] if t["tool"] == "kubectl")
    assert kubectl["found"] is False
    assert finding.remedy


def test_too_old_az_warns_with_both_versions() -> None:
    which, run = fakes({"az": '{"azure-cli": "2.40.0", "azure-cli-core": "2.40.0"}'})
    finding = check_tools(ctx("live"), which=which, run=run)
    assert finding.status is CheckStatus.WARN
    assert "az 2.40.0 is older than 2.52" in finding.summary
    assert "sign-in (az login)" in finding.summary
    assert "kubectl" not in finding.summary


def test_too_old_kubectl_warns() -> None:
    which, run = fakes({"kubectl": KUBECTL_JSON.replace("v1.34.1", "v1.29.3")})
    finding = check_tools(ctx("live"), which=which, run=run)
    assert finding.status is CheckStatus.WARN
    assert "kubectl 1.29.3 is older than 1.34" in finding.summary


def test_rehearsal_mode_passes_with_the_note() -> None:
    which, run = fakes({"az": '{"azure-cli": "2.40.0"}'}, missing=("kubectl",))
    finding = check_tools(ctx("rehearsal"), which=which, run=run)
    assert finding.status is CheckStatus.PASS
    assert finding.summary.startswith("Rehearsal needs no local tools. Before a live run: ")
    assert "kubectl not found" in finding.summary and "az 2.40.0 is older than 2.52" in finding.summary


@pytest.mark.parametrize("error", [OSError("exec format error"), subprocess.TimeoutExpired(["az"], 20)])
def test_a_tool_that_cannot_run_is_unknown(error: Exception) -> None:
    which, _ = fakes()

    def run(cmd: list[str]) -> str:
        if cmd[0].endswith("/az") or cmd[0].endswith("/git"):
            raise error
        return OUTPUTS[cmd[0].rsplit("/", 1)[-1]]

    az = probe(tools.TOOLS[0], which, run)
    assert (az["found"], az["version"], az["ok"]) == (True, "unknown", False)  # az has a minimum
    git = probe(tools.TOOLS[3], which, run)
    assert (git["found"], git["version"], git["ok"]) == (True, "unknown", True)  # git has none
    finding = check_tools(ctx("live"), which=which, run=run)
    assert finding.status is CheckStatus.WARN
    assert "az unknown is older than 2.52" in finding.summary


def test_unparseable_output_for_a_versioned_tool_is_not_ok() -> None:
    which, run = fakes({"kubectl": "error: unknown flag: --client"})
    finding = check_tools(ctx("live"), which=which, run=run)
    assert finding.status is CheckStatus.WARN
    assert "kubectl unknown" in finding.summary
