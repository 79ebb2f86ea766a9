"""The live slab objects and the objcg each is charged to."""
from __future__ import annotations

from rich.text import Text

from tui.present.highlight import Highlight
from tui.present.style import DIM, GHOST, put
from tui import world as w
from tui.world import World


def object_rows(world: World, find: str = "") -> list[str]:
    return [o["name"] for o in world.objects()
            if not find or find in o["name"] or find in (o["objcg"] or "")]


def object_text(world: World, name: str, hl: Highlight) -> Text:
    rec = world.object(name)
    if rec is None:
        return Text(f"{name}: freed", GHOST)
    text = Text()
    put(text, f"{name:<8}", hl.hit("object", name, "*"), "bold")
    text.append(f"{rec['size']:>7} B  ")
    if w.object_kind(rec) == "pages":
        _page_object_text(text, name, rec, hl)
    elif rec["objcg"] is None:
        text.append("unaccounted", DIM)
    else:
        text.append("→ objcg ", DIM)
        put(text, rec["objcg"], hl.hit("object", name, "objcg"))
    return text


def _page_object_text(text: Text, name: str, rec: w.Record, hl: Highlight) -> None:
    """A page block: it records its memcg and pins that memcg's css (no objcg)."""
    order, memcg = w.page_block(rec)
    text.append(f"pages o{order} ", DIM)
    if memcg is None:
        text.append("unaccounted", DIM)
        return
    text.append("→ memcg ", DIM)
    put(text, memcg, hl.hit("object", name, "memcg"), "magenta")
    text.append(" (css ref)", DIM)
