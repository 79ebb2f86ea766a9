"""The status line: byte conservation of the selected objcg."""
from __future__ import annotations

from rich.text import Text

from engine.conservation import Conservation, byte_conservation

from tui.present.style import DIM
from tui.world import World


def conservation(world: World, objcg: str) -> Conservation | None:
    """Byte conservation (spec I1) for one objcg: pages × PAGE_SIZE = live + stocks + leftover."""
    return byte_conservation(world.state, objcg)


def conservation_text(c: Conservation | None) -> Text:
    if c is None:
        return Text("bytes: select an objcg to see its sum", DIM)
    ok = c.holds
    text = Text.assemble(("✓ " if ok else "✗ ", "bold green" if ok else "bold white on red"))
    text.append(f"objcg {c.objcg}: ", "bold")
    text.append(f"{c.pages} pg × {c.page_size} = {c.pages * c.page_size} = ")
    text.append(f"{c.live} live + {c.stocks} in stocks + {c.leftover} nr_charged_bytes")
    if c.inflight:
        text.append(f" + {c.inflight} in flight", "yellow")
    if not ok:
        total = c.live + c.stocks + c.leftover + c.inflight
        text.append(f"  (off by {c.pages * c.page_size - total})", "bold red")
    return text
