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


def _address_order(prefix: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in prefix.split("/")[0].split("."))
    except ValueError:
        return (999,)


def _network(net: Network) -> list[Text]:
    """The network's lines: its title line, then notes and subnets in address order."""
    head = Text()
    head.append(f"{STATE_MARK.get(net.state, '·')} {net.title}", style=f"bold {STATE_STYLE.get(net.state, '')}")
    head.append(f"  {net.name}  {net.address_space or '(address space not decided)'}  ")
    head.append(net.state, style=STATE_STYLE.get(net.state, ""))
    lines = [head] + [Text(f"  {note}", style="italic") for note in net.notes]
    for subnet in sorted(net.subnets, key=lambda s: _address_order(s.prefix)):
        lines.append(Text(f"  {subnet.name:<34} {subnet.prefix:<18} {subnet.note}"))
    return lines


def draw(picture: Topology) -> Text:
    """The hub, then each spoke hanging off it: the peering's state on the spoke's own line,
    so no link reads as belonging to the network drawn above it."""
    hub, spokes = picture.networks[0], picture.networks[1:]
    out = Text("\n").join(_network(hub))
    for peering, spoke in zip(picture.peerings, spokes):
        last = spoke is spokes[-1]
        first, *rest = _network(spoke)
        out.append("\n  │\n  " + ("└" if last else "├") + "─ peering ")
        out.append(peering.state, style=STATE_STYLE.get(peering.state, ""))
        out.append(" ─ ")
        out.append_text(first)
        for line in rest:
            out.append("\n" + ("     " if last else "  │  "))
            out.append_text(line)
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
