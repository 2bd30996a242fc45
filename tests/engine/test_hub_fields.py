"""Hub decisions that Azure would refuse later are refused at the field now."""

from __future__ import annotations

from pathlib import Path

from steps import hub_template
from tests.engine.flow import decide_and_check, finish_prerequisites, open_workspace, records_of


def test_unknown_region_is_named_at_the_field(tmp_path: Path) -> None:
    """A well-formed name the subscription does not offer (its locations list) fails at the field,
    not later as a check that could not run (NoRegisteredProviderFound)."""
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        runner = ws.runner("hub")
        errors = runner.submit_decisions({**runner.defaults(), "location": "marscentral"})
        assert "location" in errors and "not a region of this subscription" in errors["location"]
        assert "eastus2" in errors["location"]
        assert not records_of(ws.session.dir, "decision.recorded", "hub")  # nothing half-recorded
        assert runner.submit_decisions({**runner.defaults(), "location": "eastus2"}) == {}


def test_basic_tier_has_no_dns_proxy_decision(tmp_path: Path) -> None:
    """Basic has no DNS proxy: the field is not asked, not recorded, and the policy has no dnsSettings."""
    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        runner = decide_and_check(ws, "hub", firewall_tier="Basic", dns_proxy=True)
        fields = {r["data"]["field"] for r in records_of(ws.session.dir, "decision.recorded", "hub")}
        assert "dns_proxy" not in fields and "dns_proxy" not in runner.state.answers
        template = hub_template.build(runner.state.answers)
        policy = next(r for r in template["resources"] if r["type"] == "Microsoft.Network/firewallPolicies")
        assert "dnsSettings" not in policy["properties"]
        assert hub_template.parameters(runner.state.answers)["dnsProxy"] is False


def test_a_hub_region_other_than_the_baselines_warns_and_names_the_stale_names(tmp_path: Path) -> None:
    """Editing the region leaves the names filled in from step 1's region: say so."""
    from tests.engine.flow import decide_and_check, finish_prerequisites, open_workspace

    with open_workspace(tmp_path) as ws:
        finish_prerequisites(ws)
        same = decide_and_check(ws, "hub")
        assert same.state.checks["hub.region"]["status"] == "pass"
        moved = decide_and_check(ws, "hub", location="centralus")
        check = moved.state.checks["hub.region"]
        assert check["status"] == "warn" and "centralus" in check["summary"] and "eastus2" in check["summary"]
        assert "Hub VNet" in check["summary"] and "Firewall" in check["summary"]
