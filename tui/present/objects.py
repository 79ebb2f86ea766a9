"""The live slab objects and the objcg each is charged to."""
from __future__ import annotations

from rich.text import Text

from tui.present.highlight import Highlight
from tui.present.fit import PAD, field, fit
from tui.present.style import DIM, GHOST, hidden, styled
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
    fields = [field(styled(f"{name:<8}", hl.hit("object", name, "*"), "bold"),
                    styled(name, hl.hit("object", name, "*"), "bold"), shrink=PAD),
              field(f"{rec['size']:>7} B", f" {rec['size']} B")]
    if hl.hides("object", name, "objcg", "accounted", "memcg"):
        fields.append(field(Text("  → ", DIM) + hidden()))
    elif w.object_kind(rec) == "pages":  # a page block: it pins its memcg's css (no objcg)
        fields.append(field(Text(f"  pages o{rec['order']}", DIM)))
        if rec["memcg"] is None and rec["objcg"] is not None:  # from v5.13 it pins its objcg
            objcg = styled(rec["objcg"], hl.hit("object", name, "objcg"))
            fields.append(field(Text(" → objcg ", DIM) + objcg + Text(" (ref)", DIM),
                                Text(" → ", DIM) + objcg, drop=1))
        elif rec["memcg"] is None:
            fields.append(field(Text(" unaccounted", DIM), drop=1))
        else:
            memcg = styled(rec["memcg"], hl.hit("object", name, "memcg"), "magenta")
            fields.append(field(Text(" → memcg ", DIM) + memcg + Text(" (css ref)", DIM),
                                Text(" → memcg ", DIM) + memcg, Text(" → ", DIM) + memcg, drop=1))
    elif rec["objcg"] is None:
        fields.append(field(Text("  unaccounted", DIM), Text(" unaccounted", DIM), drop=1))
    else:
        objcg = styled(rec["objcg"], hl.hit("object", name, "objcg"))
        fields.append(field(Text("  → objcg ", DIM) + objcg, Text(" → ", DIM) + objcg, drop=1))
    return fit(fields, width)
