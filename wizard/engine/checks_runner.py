"""Run a step's checks concurrently. Checks are I/O bound (Azure calls), so threads give a
step's preflight wall time close to its slowest single check."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Callable, Sequence

from wizard.engine.contract import Check, CheckResult, CheckStatus, Finding, StepContext


def run_one(check: Check, ctx: StepContext) -> CheckResult:
    started = time.perf_counter()
    if check.needs_azure and ctx.azure is None:
        finding = Finding(CheckStatus.ERROR, "Needs a signed-in Azure session.",
                          remedy="Sign in (az login) or start a rehearsal session.")
    else:
        try:
            finding = check.run(ctx)
        except Exception as exc:  # noqa: BLE001 - a failing call becomes an ERROR result, never a crash
            from wizard.azure.errors import from_exception

            failure = exc.failure if hasattr(exc, "failure") else from_exception(exc)
            evidence = {"error_code": failure.code, "status": failure.status,
                        "correlation_id": failure.correlation_id, "resource": failure.resource}
            finding = Finding(CheckStatus.ERROR, f"Could not run: {failure.code}: {failure.message}"[:400],
                              {k: v for k, v in evidence.items() if v}, failure.remedy)
    return CheckResult(check.id, check.title, finding, round(time.perf_counter() - started, 3),
                       fixable=check.fix is not None and finding.status is not CheckStatus.PASS)


def run_all(checks: Sequence[Check], ctx: StepContext,
            on_start: Callable[[Check], None], on_done: Callable[[CheckResult], None]) -> list[CheckResult]:
    if not checks:
        return []
    results: dict[str, CheckResult] = {}
    with ThreadPoolExecutor(max_workers=min(len(checks), 16), thread_name_prefix="check") as pool:
        futures = {}
        for check in checks:
            on_start(check)
            futures[pool.submit(run_one, check, ctx)] = check
        for future in as_completed(futures):  # report each check the moment it finishes
            result = future.result()
            results[futures[future].id] = result
            on_done(result)
    return [results[c.id] for c in checks]
