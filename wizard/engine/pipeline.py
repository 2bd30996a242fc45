"""Running independent steps side by side: each step starts as soon as the steps it needs are
done, so an operator (or a pipeline) waits for the longest chain of the step graph, not for
the sum of every step.

Two relations decide the order. ``needs`` is hard: a step cannot run before those steps are
done, and a step whose need failed in this run is not started. ``after`` is soft: the steps
whose outputs this step's defaults read (the hub's resource group is the one the policy step
made); when they are part of the same run, this step waits for them (and does not start if
they end without being done), and otherwise it runs with its own defaults.

No UI here: the headless runner gives ``run_step`` (the TUI lets the operator start steps)."""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable, Sequence

from wizard.engine.contract import StepDefinition
from wizard.session.state import StepStatus

DONE, FAILED, NO_DECISIONS, NOT_STARTED = 0, 1, 2, 3


@dataclass(frozen=True)
class Outcome:
    step_id: str
    code: int  # DONE, FAILED, NO_DECISIONS or NOT_STARTED
    why: str = ""  # for NOT_STARTED: which need did not get done


def _blocked_by(step: StepDefinition, outcomes: dict[str, Outcome], planned: set[str],
                status_of: Callable[[str], str]) -> list[str]:
    """What this step waited for that will not be done in this run: a need that failed here or
    is neither done nor planned, or an ``after`` step of this run that ended without being done
    (its outputs would have changed this step's defaults, so deciding now would record the
    wrong ones)."""
    needs = [n for n in step.needs if (n in outcomes and outcomes[n].code != DONE)
             or (n not in planned and status_of(n) != StepStatus.DONE)]
    return needs + [a for a in step.after if a in outcomes and outcomes[a].code != DONE]


def _ready(step: StepDefinition, waiting: set[str], running: set[str], status_of: Callable[[str], str]) -> bool:
    needs_done = all(status_of(n) == StepStatus.DONE for n in step.needs)
    return needs_done and not any(a in waiting or a in running for a in step.after)


def run_pipeline(steps: Sequence[StepDefinition], status_of: Callable[[str], str],
                 run_step: Callable[[StepDefinition], int]) -> list[Outcome]:
    """Run ``steps`` (the ones not done yet, in registry order) as their needs allow, several
    at once. A failure stops only the steps that need it; the others finish. Returns one
    outcome per step, in the order they ended."""
    planned = {s.id for s in steps}
    waiting = {s.id: s for s in steps}
    running: dict[Future[int], str] = {}
    outcomes: dict[str, Outcome] = {}
    order: list[Outcome] = []

    def settle(outcome: Outcome) -> None:
        outcomes[outcome.step_id] = outcome
        order.append(outcome)

    with ThreadPoolExecutor(max_workers=max(len(steps), 1), thread_name_prefix="step") as pool:
        while waiting or running:
            for step in list(waiting.values()):
                blocked = _blocked_by(step, outcomes, planned, status_of)
                if blocked:
                    del waiting[step.id]
                    settle(Outcome(step.id, NOT_STARTED, "needs " + ", ".join(blocked)))
                elif _ready(step, set(waiting) - {step.id}, set(running.values()), status_of):
                    del waiting[step.id]
                    running[pool.submit(run_step, step)] = step.id
            if not running:
                break  # what is left waits on something that cannot happen
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                step_id = running.pop(future)
                error = future.exception()
                settle(Outcome(step_id, FAILED if error else future.result(),
                               f"{type(error).__name__}: {error}" if error else ""))
    for step_id in waiting:
        settle(Outcome(step_id, NOT_STARTED, "its needs were not met"))
    return order
