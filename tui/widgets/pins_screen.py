"""The `p` screen: who pins the selected memcg or objcg, chain by chain.

The chains come from engine.pins (the reference graph of the current state); this screen
only lays them out. For a dying memcg it is the answer to "why isn't it freed yet?".
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.themed import ThemedText

if TYPE_CHECKING:
    from engine.pins import Pins

LEAD = {
    "dying": "rmdir has run; the memcg is freed when its last css reference goes. "
             "Each chain below ends in one of those references:",
    "killed": "memcg_reparent_objcgs killed it; obj_cgroup_release runs when its refcnt "
              "reaches 0. Each chain below ends in one of the references left:",
    "freed": "Freed: no reference is left.",
    "released": "Released: no reference is left.",
}


def pins_text(answer: Pins) -> Text:
    """The answer as rich text: a lead line, then each chain with its kernel reasons."""
    count = "CSS_NO_REF: the root's references are not counted" if answer.refcnt is None \
        else f"{'css_refs' if answer.target.startswith('memcg:') else 'refcnt'} {answer.refcnt}"
    text = Text()
    text.append(f"Who pins {answer.label}?", style="bold")
    text.append(f"  {answer.state}, {count}\n")
    text.append(LEAD.get(answer.state, "Every chain of references keeping it alive:") + "\n")
    for number, chain in enumerate(answer.chains, start=1):
        labels = [link.label for link in chain] + [answer.label]
        text.append(f"\n{number:>2}. ", style="bold")
        text.append(" → ".join(labels), style="bold")
        for pinned, link in zip(labels[1:], chain):
            text.append(f"\n      ↳ {pinned}: ")
            text.append(link.why, style="italic")
    if answer.more:
        text.append(f"\n\n… and {answer.more} more chains (objcg-lab run FILE --pins lists "
                    "them as JSON)")
    return text


class PinsScreen(ModalScreen[None]):
    """Every chain of references keeping one memcg or objcg alive."""

    BINDINGS = [Binding("escape,q,p", "dismiss", "close")]

    DEFAULT_CSS = """
    PinsScreen { align: center middle; }
    PinsScreen > VerticalScroll {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, answer: Pins) -> None:
        super().__init__()
        self.answer = answer

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield ThemedText(pins_text(self.answer), id="pins")
            yield Static("escape, q or p closes", classes="pins-footer")
