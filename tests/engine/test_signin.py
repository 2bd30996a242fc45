"""Choosing the live session's subscription, and listing subscriptions through ARM when the
az profile has none (what happens after a device-code sign-in). The ARM half runs against
the rehearsal backend with the real SubscriptionClient; no test reaches Azure."""

from __future__ import annotations

from typing import Callable

from wizard.azure.context import AzureContext
from wizard.azure.signin import SubscriptionInfo, choose_subscription, list_subscriptions, rehearsal_context
from wizard.rehearsal.backend import RehearsalBackend

A = SubscriptionInfo("aaaa", "dev", "Enabled", "t1")
B = SubscriptionInfo("bbbb", "prod", "Enabled", "t1", is_default=True)
OFF = SubscriptionInfo("cccc", "old", "Disabled", "t1")


def test_the_requested_subscription_wins() -> None:
    assert choose_subscription([A, B], "aaaa") == A


def test_a_requested_subscription_that_is_not_visible_is_not_replaced() -> None:
    """A resumed live session must not silently move to another subscription."""
    assert choose_subscription([A, B], "ffff") is None


def test_the_default_then_the_first_enabled() -> None:
    assert choose_subscription([A, B]) == B
    assert choose_subscription([OFF, A]) == A


def test_nothing_usable() -> None:
    assert choose_subscription([]) is None
    assert choose_subscription([OFF]) is None


def test_subscriptions_come_from_arm_when_no_subscription_is_chosen_yet(
        backend_for: Callable[[str], RehearsalBackend]) -> None:
    backend = backend_for("default")
    known = rehearsal_context(backend)
    unscoped = AzureContext(known.credential, known.endpoints, "", known.tenant_id, "")
    listed = list_subscriptions(unscoped)
    assert listed and all(s.tenant_id == known.tenant_id for s in listed)
    assert backend.scenario.default_subscription_id in {s.id for s in listed}
    chosen = choose_subscription(listed)
    assert chosen is not None and chosen.state.lower() == "enabled"
