"""Fault injection: make the rehearsal misbehave the way Azure sometimes does.

Faults are per route (method + path regex) and count down, so a test or a lesson can say
"the next two GETs of this deployment are throttled" and then see the wizard recover."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

KINDS = ("throttle", "status", "reset", "lro_failed", "slow_lro")


@dataclass
class Fault:
    """One injected misbehaviour. ``times`` is how many matching requests it still fires on.

    ``lro_failed`` and ``slow_lro`` match the deployment PUT and change that deployment's
    plan (a failed resource of ``resource_type``; durations multiplied by ``factor``)."""

    method: str = "*"
    path_regex: str = ".*"
    kind: str = "status"
    times: int = 1
    retry_after: float = 0
    status: int = 500
    resource_type: str | None = None
    code: str = ""
    message: str = ""
    factor: float = 5.0
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")
        self._pattern = re.compile(self.path_regex, re.IGNORECASE)

    def matches(self, method: str, path: str) -> bool:
        assert self._pattern is not None
        return (self.method == "*" or self.method.upper() == method.upper()) and bool(self._pattern.search(path))

    @staticmethod
    def from_dict(data: dict[str, Any]) -> "Fault":
        allowed = {"path_regex", "kind", "method", "times", "retry_after", "status", "resource_type",
                   "code", "message", "factor"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        return Fault(**data)


class FaultPlan:
    """Thread-safe: the HTTP server answers requests on several threads."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if f.times > 0]

    def take(self, method: str, path: str, kinds: tuple[str, ...]) -> list[Fault]:
        """Consume one firing of every live fault of ``kinds`` that matches this request."""
        fired: list[Fault] = []
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.kind in kinds and fault.matches(method, path):
                    fault.times -= 1
                    fired.append(fault)
        return fired
