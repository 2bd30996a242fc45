"""The network map: the hub and its spokes as the session has decided, planned or deployed
them (``steps.topology`` builds the snapshot; this screen only draws it). It scrolls at 80x24."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header

from steps.topology import Network, Topology, topology
from wizard.ui import stylesheets
from wizard.ui.widgets.plain import Plain

STATE_STYLE = {"deployed": "green", "deploying": "yellow", "planned": "cyan", "failed": "red", "connected": "green",
               "not decided": "dim"}
STATE_MARK = {"deployed": "●", "deploying": "◐", "planned": "○", "failed": "✖", "not decided": "·"}


def _network(net: Network, last: bool) -> Text:
    out = Text()
    out.append(f"{STATE_MARK.get(net.state, '·')} {net.title}", style=f"bold {STATE_STYLE.get(net.state, '')}")
    out.append(f"  {net.name}  {net.address_space or '(address space not decided)'}  ")
    out.append(net.state, style=STATE_STYLE.get(net.state, ""))
    for note in net.notes:
        out.append(f"\n    {note}", style="italic")
    for subnet in net.subnets:
        out.append(f"\n    {subnet.name:<34} {subnet.prefix:<18} {subnet.note}")
    return out


def draw(picture: Topology) -> Text:
    hub, spokes = picture.networks[0], picture.networks[1:]
    out = _network(hub, not spokes)
    for peering, spoke in zip(picture.peerings, spokes):
        out.append("\n  │\n  ├─ peering both ways: ")
        out.append(peering.state, style=STATE_STYLE.get(peering.state, ""))
        out.append("\n  │\n")
        out.append_text(_network(spoke, spoke is spokes[-1]))
    return out


class TopologyScreen(Screen[None]):
    """Press m on the main screen; Esc goes back. Rebuilt from the session each time it opens."""

    CSS_PATH = stylesheets.VIEWERS
    BINDINGS = [Binding("escape,m,q", "app.pop_screen", "Back")]

    def __init__(self, steps: dict[str, Any]) -> None:
        super().__init__()
        self.picture = topology(steps)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("The network this session builds: ● deployed  ◐ deploying  ○ planned  · not decided. Egress "
                    "from subnets marked → firewall goes through the hub firewall.", id="topology-intro")
        with VerticalScroll(id="topology-box"):
            yield Plain(draw(self.picture), id="topology")
        yield Footer()
