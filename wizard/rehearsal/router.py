"""Matching ARM/Graph paths to handlers. ARM paths are case-insensitive, so every pattern is."""

from __future__ import annotations

import re
from typing import Callable

from wizard.rehearsal.http_types import Request, Response

Handler = Callable[[Request], Response]

SEG = r"[^/]+"


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, methods: str, pattern: str, handler: Handler) -> None:
        """``pattern`` uses ``{name}`` for one path segment and ``{name*}`` for several."""
        regex = re.sub(r"\{(\w+)\*\}", r"(?P<\1>.+?)", pattern)
        regex = re.sub(r"\{(\w+)\}", rf"(?P<\1>{SEG})", regex)
        compiled = re.compile(f"^{regex}/?$", re.IGNORECASE)
        for method in methods.split(","):
            self._routes.append((method.strip().upper(), compiled, handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None | bool:
        """(handler, params); False if the path exists for another method; None if unknown."""
        path_known = False
        for route_method, pattern, handler in self._routes:
            found = pattern.match(path)
            if found:
                if route_method == method.upper():
                    return handler, found.groupdict()
                path_known = True
        return False if path_known else None
