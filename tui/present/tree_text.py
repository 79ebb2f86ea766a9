"""Drawing one row of the memcg tree: a memcg, its objcg line, an objcg_list entry, '…'.

Every row is a list of fields fitted to the panel's width (tui.present.fit): the
figures a learner needs stay whole, the others drop with a visible `…`."""
from __future__ import annotations

from rich.text import Text

from tui import world as w
from tui.present.fit import PAD, Field, field, fit, name_field
from tui.present.highlight import Highlight
from tui.present.names import NAME_FLOOR, NAME_LEAST, guides, short_name
from tui.present.style import (CHANGED, COUNT, DIM, GHOST, PARENT, STATE_STYLE, SWING, charged_label,
                               hidden, holders_text, kib, styled)
from tui.present.travel import travel_text
from tui.present.tree import LIST_PREVIEW, Row, TreeOptions, _ancestors, _shown, guides_field, is_collapsed
from tui.world import World


def tree_row_text(world: World, row: Row, hl: Highlight, opts: TreeOptions,
                  label: int = 12, width: int | None = None) -> Text:
    """Draw one tree row in at most `width` cells, never cutting a figure."""
    if row.kind == "memcg":
        return fit(_memcg_fields(world, row, hl, opts, label), width)
    if row.kind == "travel":
        return travel_text(row, width)
    head = guides_field(row.prefix)
    if row.kind == "objcg":
        return fit([head, *_objcg_fields(world, row, hl)], width)
    if row.kind == "item":
        return fit([head, *_item_fields(world, row, hl)], width)
    rec = world.memcg(row.memcg)
    hidden = len(w.objcg_list(rec)) - LIST_PREVIEW if rec else 0
    return fit([head, field(f"  … {hidden} more on the list", style=DIM),
                field(" (enter shows all)", drop=1, quiet=True, style=DIM)], width)


def _memcg_fields(world: World, row: Row, hl: Highlight, opts: TreeOptions,
                  label: int) -> list[Field]:
    rec = world.memcg(row.memcg)
    assert rec is not None
    name, state = rec["name"], rec["state"]
    ghost = state == "freed"
    kids = [c for c in world.children(name) if _shown(world, opts, c, None)]
    folded = (is_collapsed(opts, name, row.depth) and bool(kids) and not opts.find
              and name not in _ancestors(world, opts.reveal))
    hide = hl.hides
    state_hidden = hide("memcg", name, "state")
    name_style = GHOST if ghost else ("bold" if state == "online" or state_hidden else "bold " + STATE_STYLE["dying"])
    head = memcg_head(row.prefix, name, CHANGED if hl.hit("memcg", name, "*") else name_style,
                      Text(f" ▸{len(kids)}", "cyan") if folded else Text())
    pad = max(1, label - head.variants[0].cell_len)
    fields = [head, Field((Text(" " * pad), Text(" ")), shrink=PAD)]
    usage = rec["usage"]
    if hide("memcg", name, "usage"):  # a masked figure never drops: its '?' says it is asked
        fields.append(field(hidden("  ") + Text(" pg")))
    else:
        fields.append(field(styled(f"{usage:>3} pg", hl.hit("memcg", name, "usage"), DIM if ghost else ""),
                            styled(f"{usage} pg", hl.hit("memcg", name, "usage"), DIM if ghost else "")))
        fields.append(field(f" {kib(usage * world.page_size):>5}", drop=9, quiet=True, style=DIM))
    limit = rec["max"]
    max_changed = hl.hit("memcg", name, "max")
    if hide("memcg", name, "max"):
        fields.append(field(hidden(" max ")))
    elif limit is None:
        fields.append(field(styled(" max ∞", max_changed, DIM), drop=8, quiet=not max_changed))
    else:
        fields.append(field(styled(f" max {limit} ({kib(limit * world.page_size)})", max_changed),
                            styled(f" max {limit}", max_changed), drop=3))
    if hide("memcg", name, "failcnt"):  # shown even at 0, or its absence would tell
        fields.append(field(hidden(" failcnt ")))
    elif rec["failcnt"] or hl.hit("memcg", name, "failcnt"):
        fields.append(field(styled(f" failcnt {rec['failcnt']}", hl.hit("memcg", name, "failcnt"), "red"),
                            drop=4))
    if world.v1:
        fields += _kmem_fields(rec, hl)
    refs = w.css_refs(rec)
    refs_hidden = hide("memcg", name, "css_refs")
    if refs_hidden:
        fields.append(field(hidden(" ref ")))
    else:
        fields.append(field(styled(f" ref {'-' if refs is None else refs}",
                                   hl.hit("memcg", name, "refcnt", "holders")), drop=2))
    pages = w.page_pins(rec)  # alloc_pages blocks among the css holders
    if pages and not refs_hidden:
        what = "page" if len(pages) == 1 else "pages"
        changed_pins = hl.hit("memcg", name, "holders")
        fields.append(field(*(styled(f" ({what} {' '.join(pages[:n])}"
                                     + (f" +{len(pages) - n}" if len(pages) > n else "") + ")",
                                     changed_pins, "magenta") for n in (3, 1)), drop=4))
    state_changed = hl.hit("memcg", name, "state")
    if state_hidden:
        fields.append(field(hidden(" ")))
    else:
        fields.append(field(Text(" ") + styled("ghost (freed)" if ghost else state, state_changed,
                                               STATE_STYLE.get(state, "")),
                            Text(" ") + styled("freed" if ghost else state, state_changed,
                                               STATE_STYLE.get(state, ""))))
    if state == "dying" and not state_hidden and not refs_hidden:  # what still holds it: the answer to "why isn't it freed?"
        holders = w.holders(rec)
        fields.append(field(*(Text(" held by ", DIM) + Text(holders_text(holders, n), STATE_STYLE["dying"])
                              for n in (6, 3, 1)), drop=5))
    dying = rec["nr_dying_descendants"]
    changed = hl.hit("memcg", name, "nr_dying_descendants")
    style = COUNT if dying else DIM  # a count of dying descendants, not a dying state
    if hide("memcg", name, "nr_dying_descendants"):
        fields.append(field(hidden(" nr_dying_descendants "), hidden(" dying-desc ")))
        return fields
    fields.append(field(styled(f" nr_dying_descendants {dying}", changed, style),
                        styled(f" dying-desc {dying}", changed, style),
                        drop=1 if dying or changed else 7, quiet=not (dying or changed)))
    return fields


def _kmem_fields(rec: w.Record, hl: Highlight) -> list[Field]:
    """cgroup v1: the kmem counter beside the memory counter (pages, its max, failcnt)."""
    name = rec["name"]
    usage, limit, failcnt = w.kmem_counter(rec)
    counter = f" kmem {usage}"
    if limit is not None or hl.hit("memcg", name, "kmem_max"):
        counter += f"/{'∞' if limit is None else limit}"
    changed = hl.hit("memcg", name, "kmem_usage", "kmem_max")
    fields = [field(styled(counter, changed, "cyan"), drop=3)]
    if failcnt or hl.hit("memcg", name, "kmem_failcnt"):
        fields.append(field(styled(f" kfail {failcnt}", hl.hit("memcg", name, "kmem_failcnt"), "red"),
                            drop=4))
    return fields


def _objcg_fields(world: World, row: Row, hl: Highlight) -> list[Field]:
    rec = world.memcg(row.memcg)
    assert rec is not None
    fields = [field(Text("objcg ", DIM), keep=True)]
    swing = hl.swing("memcg", row.memcg, "objcg")
    changed = hl.hit("memcg", row.memcg, "objcg")
    if hl.hides("memcg", row.memcg, "objcg"):
        fields.append(field(hidden()))
    elif row.objcg is None:
        fields.append(field(styled("NULL", changed, DIM), keep=True))
        if swing and swing[0]:
            fields.append(name_field(swing[0], CHANGED if changed else DIM, before=Text(" (was ", DIM),
                                     after=Text(")", DIM), drop=4, keep=False))
    else:
        obj = world.objcg(row.objcg)
        fields.append(name_field(row.objcg, CHANGED if changed else "bold"))
        if obj is not None:
            fields += _objcg_figures(row.objcg, obj, hl)
    entries = w.objcg_list(rec)
    list_changed = hl.hit("memcg", row.memcg, "objcg_list")
    count = "empty" if not entries else f"{len(entries)}"
    fields.append(field(styled(f"  objcg_list: {count}", list_changed, DIM),
                        styled(f"  list: {count}", list_changed, DIM),
                        drop=3 if entries or list_changed else 8, quiet=not (entries or list_changed)))
    return fields


def _item_fields(world: World, row: Row, hl: Highlight) -> list[Field]:
    assert row.objcg is not None
    obj = world.objcg(row.objcg)
    listed = hl.swing("memcg", row.memcg, "objcg_list")
    moved = listed is not None and row.objcg in listed[1] and row.objcg not in (listed[0] or ())
    if hl.hides("objcg", row.objcg, "memcg"):  # where it is listed says where it points
        return [field(Text.assemble(("  ↳ ", PARENT)) + hidden() + Text(" (hidden)"))]
    fields = [name_field(row.objcg, CHANGED if moved else "bold", before=Text("  ↳ ", PARENT))]
    if obj is None:
        return fields
    fields += _objcg_figures(row.objcg, obj, hl)[:1]
    if obj["memcg"] != row.memcg:  # mid-reparent: it points up before the list is spliced
        swinging = hl.swing("objcg", row.objcg, "memcg") is not None
        fields.append(name_field(obj["memcg"], SWING if swinging else PARENT,
                                 before=Text(" ⇧▶ ", SWING if swinging else PARENT), drop=2, keep=False))
    fields += _objcg_figures(row.objcg, obj, hl)[1:]
    left = obj["nr_charged_bytes"]
    changed = hl.hit("objcg", row.objcg, "nr_charged_bytes")
    if hl.hides("objcg", row.objcg, "nr_charged_bytes"):
        fields.append(field(*(hidden(f" {lab} ") for lab in charged_label())))
    else:
        fields.append(field(*(styled(f" {lab} {left}", changed, DIM) for lab in charged_label()), drop=1))
    if moved:
        fields.append(field(Text(" ◀ moved in", SWING), Text(" ◀", SWING)))
    return fields


def _objcg_figures(name: str, obj: w.Record, hl: Highlight) -> list[Field]:
    """An objcg's state and refcnt, or '?' for the one a prediction asks about."""
    if hl.hides("objcg", name, "state"):
        state = field(hidden(" "))
    else:
        state = field(Text(" ") + styled(obj["state"], hl.hit("objcg", name, "state"),
                                         STATE_STYLE.get(obj["state"], "")))
    if hl.hides("objcg", name, "refcnt"):
        ref = field(hidden(" ref "))
    else:
        ref = field(styled(f" ref {obj['refcnt']}", hl.hit("objcg", name, "refcnt", "holders")), drop=2)
    return [state, ref]


def memcg_head(prefix: str, name: str, style: str, fold: Text) -> Field:
    """A memcg row's start: the tree's guides, its name, '▸N' when folded. The name
    shortens in the middle first; the guides of a deep row take fewer cells only when
    even its shortest name would not fit (they then no longer line up)."""
    def render(width: int) -> Text:
        for per_level in (3, 2, 1, 0):
            drawn = guides(prefix, per_level)
            room = width - len(drawn) - fold.cell_len
            if room >= min(len(name), NAME_LEAST) or per_level == 0:  # guides go last
                return Text.assemble((drawn, DIM), (short_name(name, room), style), fold)
        raise AssertionError("unreachable")

    whole = Text.assemble((prefix, DIM), (name, style), fold)
    return Field((whole,), squeeze=render, keep=True,
                 floor=len(prefix) + min(len(name), NAME_FLOOR) + fold.cell_len,
                 least=len(guides(prefix, 0)) + min(len(name), NAME_LEAST) + fold.cell_len)

