"""The step pipeline: independent steps run at the same time, ``needs`` are hard, ``after``
waits for a step of the same run, and a failure stops only what depends on it."""

from __future__ import annotations

import threading
import time

from wizard.engine.contract import StepDefinition
from wizard.engine.pipeline import DONE, FAILED, NOT_STARTED, run_pipeline
from wizard.session.state import StepStatus


def _step(step_id: str, needs: tuple[str, ...] = (), after: tuple[str, ...] = ()) -> StepDefinition:
    return StepDefinition(id=step_id, title=step_id, summary="", lesson="", built=True, needs=needs, after=after)


class World:
    """Statuses and a record of what ran when, like a session the steps write to."""

    def __init__(self, fail: tuple[str, ...] = ()) -> None:
        self.status = {"prerequisites": StepStatus.DONE}
        self.fail = fail
        self.spans: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def status_of(self, step_id: str) -> str:
        with self.lock:
            return self.status.get(step_id, StepStatus.READY)

    def run(self, step: StepDefinition) -> int:
        start = time.monotonic()
        time.sleep(0.05)
        with self.lock:
            self.spans[step.id] = (start, time.monotonic())
            if step.id in self.fail:
                return FAILED
            self.status[step.id] = StepStatus.DONE
        return DONE


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_independent_steps_run_at_the_same_time_and_needs_wait() -> None:
    world = World()
    steps = [_step("tls", ("prerequisites",)), _step("identity", ("prerequisites",)), _step("hub", ("prerequisites",)),
             _step("spoke", ("hub",))]
    outcomes = run_pipeline(steps, world.status_of, world.run)
    assert {o.step_id: o.code for o in outcomes} == dict.fromkeys(("tls", "identity", "hub", "spoke"), DONE)
    assert _overlap(world.spans["tls"], world.spans["identity"]) and _overlap(world.spans["tls"], world.spans["hub"])
    assert world.spans["spoke"][0] >= world.spans["hub"][1]


def test_after_waits_for_a_step_of_the_same_run_and_not_otherwise() -> None:
    world = World()
    outcomes = run_pipeline([_step("policy", ("prerequisites",)), _step("hub", ("prerequisites",), ("policy",))],
                            world.status_of, world.run)
    assert [o.code for o in outcomes] == [DONE, DONE]
    assert world.spans["hub"][0] >= world.spans["policy"][1]
    alone = World()
    assert [o.code for o in run_pipeline([_step("hub", ("prerequisites",), ("policy",))], alone.status_of, alone.run)] \
        == [DONE]  # policy is not in this run: the hub goes on with its own defaults


def test_a_failure_stops_only_what_depends_on_it() -> None:
    world = World(fail=("hub",))
    steps = [_step("identity", ("prerequisites",)), _step("hub", ("prerequisites",)), _step("spoke", ("hub",)),
             _step("after-hub", ("prerequisites",), ("hub",))]
    outcomes = {o.step_id: o for o in run_pipeline(steps, world.status_of, world.run)}
    assert outcomes["identity"].code == DONE and outcomes["hub"].code == FAILED
    assert outcomes["spoke"].code == NOT_STARTED and outcomes["spoke"].why == "needs hub"
    assert outcomes["after-hub"].code == NOT_STARTED  # its defaults would have come from the hub


def test_a_step_that_raises_is_a_failure_not_a_crash() -> None:
    def boom(step: StepDefinition) -> int:
        raise RuntimeError("disk full")

    outcomes = run_pipeline([_step("tls", ("prerequisites",))], World().status_of, boom)
    assert outcomes[0].code == FAILED and "disk full" in outcomes[0].why
