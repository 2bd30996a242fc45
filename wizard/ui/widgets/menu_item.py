"""A menu choice: one focusable line that runs an app action on Enter or click.

The welcome screen is the first frame, so it stays light: a ``Button``'s default stylesheet
alone takes about 15 ms to parse, three times what this whole widget costs."""

from __future__ import annotations

from textual import events
from textual.binding import Binding

from wizard.ui.widgets.plain import Plain


class MenuItem(Plain, can_focus=True):
    """Shows ``key  label``; the key is bound on the screen, Enter and click work here."""

    BINDINGS = [Binding("enter,space", "choose", "Choose", show=False)]

    def __init__(self, label: str, key: str, action: str, *, id: str | None = None) -> None:
        super().__init__(f"{key}  {label}", id=id, classes="menu-item")
        self.key = key
        self.label = label
        self.action = action

    async def action_choose(self) -> None:
        """Run the line's action. ``run_action`` is a coroutine: called without ``await`` it
        never ran, which is why Enter on a menu line used to do nothing."""
        await self.run_action(self.action)

    async def on_click(self, event: events.Click) -> None:
        event.stop()
        self.focus()
        await self.run_action(self.action)
