"""The bootstrap step without Azure: its validators, the checks that need no Azure (each with an
input that makes it fail), Flux's verdict and the template it sends."""

from __future__ import annotations

from typing import Any

import pytest

from steps import bootstrap
from steps import bootstrap_flux as flux
from steps.bootstrap import BOOTSTRAP, compliance
from wizard.engine.contract import CheckStatus, StepContext

DEFAULTS = {"repository_url": bootstrap.DEFAULT_REPOSITORY, "repository_branch": "main",
            "repository_path": "./cluster-manifests", "repository_private": False, "repository_user": "git",
            "expected_namespaces": "a0008", "flux_timeout_minutes": 10}


class Secrets:
    def __init__(self, held: dict[str, str] | None = None) -> None:
        self.held = held or {}

    def get(self, name: str) -> str | None:
        return self.held.get(name)


def _ctx(outputs: dict[str, Any] | None = None, secrets: Secrets | None = None, **answers: Any) -> StepContext:
    return StepContext("bootstrap", {**DEFAULTS, **answers}, outputs or {}, "rehearsal", secrets=secrets or Secrets())


def _check(check_id: str, ctx: StepContext) -> Any:
    return next(c for c in BOOTSTRAP.checks if c.id == check_id).run(ctx)


@pytest.mark.parametrize("field, bad, good", [
    ("repository_url", "git@github.com:mspnp/aks-baseline.git", "https://github.com/me/fork"),
    ("repository_path", "cluster-manifests", "./cluster-manifests"),
    ("repository_path", "./../etc", "./clusters/prod"),
    ("expected_namespaces", "a0008, Not_A_Name", "a0008, cluster-baseline-settings"),
    ("flux_timeout_minutes", 90, 10),
])
def test_each_validator_refuses_a_bad_value_and_takes_a_good_one(field: str, bad: Any, good: Any) -> None:
    validators = BOOTSTRAP.field(field).validators
    assert any(v(bad, _ctx()) for v in validators)
    assert not any(v(good, _ctx()) for v in validators)


def test_run_command_off_fails_with_the_way_out() -> None:
    off = _check("bootstrap.run-command", _ctx({"cluster": {"run_command": False, "cluster_name": "aks-1",
                                                            "resource_group": "rg-a"}}))
    assert off.status is CheckStatus.FAIL and "step 8" in off.remedy and "az aks get-credentials -g rg-a" in off.remedy
    on = _check("bootstrap.run-command", _ctx({"cluster": {"run_command": True}}))
    assert on.status is CheckStatus.PASS


def test_a_retired_project_in_the_image_list_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    data = {**bootstrap.images_data(), "images": bootstrap.images_data()["images"] + [
        {"key": "nginx", "registry": "registry.k8s.io", "repository": "ingress-nginx/controller", "tag": "v1.11.3"}]}
    monkeypatch.setattr(bootstrap, "images_data", lambda: data)
    found = _check("bootstrap.images", _ctx())
    assert found.status is CheckStatus.FAIL and "ingress-nginx" in found.summary
    monkeypatch.undo()
    assert _check("bootstrap.images", _ctx()).status is CheckStatus.PASS


def test_a_private_repository_without_a_token_fails() -> None:
    private = {"repository_url": "https://github.com/me/private", "repository_private": True}
    assert _check("bootstrap.repository", _ctx(**private)).status is CheckStatus.FAIL
    held = Secrets({bootstrap.GIT_TOKEN: "ghp_rehearsal"})
    assert _check("bootstrap.repository", _ctx(secrets=held, **private)).status is CheckStatus.PASS
    said = _check("bootstrap.repository", _ctx()).summary
    assert "fork it before production" in said


def test_a_private_repository_sends_its_token_as_a_secure_parameter_only() -> None:
    template = flux.template("aks-1", {**DEFAULTS, "repository_private": True, "repository_user": "me"}, private=True)
    config = template["resources"][1]
    assert template["parameters"]["gitToken"]["type"] == "secureString"
    assert config["properties"]["configurationProtectedSettings"] == {"httpsKey": "[parameters('gitToken')]"}
    assert config["properties"]["gitRepository"]["httpsUser"] == "me"
    public = flux.template("aks-1", DEFAULTS, private=False)
    assert public["parameters"] == {} and "configurationProtectedSettings" not in public["resources"][1]["properties"]


def test_flux_verdict_names_the_failing_object() -> None:
    assert compliance({"complianceState": "Compliant"}).done
    pending = compliance({"complianceState": "Non-Compliant", "statuses": [
        {"kind": "Kustomization", "namespace": "flux-system", "name": "bootstrap-unified",
         "complianceState": "Non-Compliant", "statusConditions": [{"message": "kustomization path not found"}]}]})
    assert not pending.done and pending.failing == "Kustomization flux-system/bootstrap-unified: kustomization path " \
                                                   "not found"
