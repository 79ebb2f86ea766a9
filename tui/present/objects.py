"""The live slab objects and the objcg each is charged to."""
from __future__ import annotations

from rich.text import Text

from tui.present.highlight import Highlight
from tui.present.fit import field, fit, name_field
from tui.present.style import CHANGED, DIM, GHOST, hidden
from tui import world as w
from tui.world import World


def object_rows(world: World, find: str = "") -> list[str]:
    from tui.find import found

    keep = found(world, find).objects if find else None
    return [o["name"] for o in world.objects() if keep is None or o["name"] in keep]


def object_text(world: World, name: str, hl: Highlight, width: int | None = None) -> Text:
    rec = world.object(name)
    if rec is None:
        return Text(f"{name}: freed", GHOST)
    fields = [name_field(name, CHANGED if hl.hit("object", name, "*") else "bold", pad=8),
              field(f"{rec['size']:>7} B", f" {rec['size']} B")]
    if hl.hides("object", name, "objcg", "accounted", "memcg"):
        fields.append(field(Text("  → ", DIM) + hidden()))
    elif w.object_kind(rec) == "pages":  # a page block: it pins its memcg's css (no objcg)
        fields.append(field(Text(f"  pages o{rec['order']}", DIM)))
        if rec["memcg"] is None and rec["objcg"] is not None:  # from v5.13 it pins its objcg
            objcg, style = rec["objcg"], CHANGED if hl.hit("object", name, "objcg") else "cyan"
            fields.append(name_field(objcg, style, before=Text(" → ", DIM), drop=1, keep=False, also=(
                Text.assemble((" → objcg ", DIM), (objcg, style), (" (ref)", DIM)),
                Text.assemble((" → objcg ", DIM), (objcg, style)))))
        elif rec["memcg"] is None:
            fields.append(field(Text(" unaccounted", DIM), drop=1))
        else:
            memcg, style = rec["memcg"], CHANGED if hl.hit("object", name, "memcg") else "magenta"
            fields.append(name_field(memcg, style, before=Text(" → ", DIM), drop=1, keep=False, also=(
                Text.assemble((" → memcg ", DIM), (memcg, style), (" (css ref)", DIM)),
                Text.assemble((" → memcg ", DIM), (memcg, style)))))
    elif rec["objcg"] is None:
        fields.append(field(Text("  unaccounted", DIM), Text(" unaccounted", DIM), drop=1))
    else:
        objcg, style = rec["objcg"], CHANGED if hl.hit("object", name, "objcg") else ""
        fields.append(name_field(objcg, style, before=Text(" → ", DIM), drop=1, keep=False,
                                 also=(Text.assemble(("  → objcg ", DIM), (objcg, style)),)))
    return fit(fields, width)
