"""Static text that is never parsed as markup.

Engine text (check summaries, Azure error messages, JSON from the journal) routinely holds
square brackets; Rich markup would mangle it or fail on it. Every text widget in the wizard
that can show such text is one of these."""

from __future__ import annotations

from typing import Any

from textual.widgets import Label, Static


class Plain(Static):
    """A ``Static`` with markup off by default."""

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(content, **kwargs)


class PlainLabel(Label):
    """A ``Label`` with markup off by default."""

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(content, **kwargs)
