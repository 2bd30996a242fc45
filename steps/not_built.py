"""Steps listed in the walkthrough order but not built yet. They carry their title and
lesson so a learner can read ahead; ``built=False`` makes every face say so plainly and
the engine refuses to run them."""

from __future__ import annotations

from wizard.engine.contract import StepDefinition


def planned(step_id: str, title: str, summary: str, needs: tuple[str, ...]) -> StepDefinition:
    return StepDefinition(id=step_id, title=title, summary=summary, lesson=f"{step_id}.md", built=False, needs=needs)


BUDGET = planned("budget", "Budget alerts", "Cost budget with alerts at 50, 75 and 90 percent.", ("prerequisites",))
CLEANUP = planned("cleanup", "Cleanup", "Delete what this session created, purge Key Vault, remove policies.",
                  ("prerequisites",))
