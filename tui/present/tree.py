"""The memcg tree: which rows exist (`tree_rows`) and how one row is drawn."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, NamedTuple, Sequence

from rich.text import Text

from tui import world as w
from tui.present.highlight import Highlight
from tui.present.style import DIM, GHOST, PARENT, STATE_STYLE, SWING, kib, put
from tui.world import ROOT, World

LIST_PREVIEW = 3


RowKind = Literal["memcg", "objcg", "item", "more"]


class Row(NamedTuple):
    """One line of the memcg tree: a memcg, its objcg line, one objcg_list entry, or '…'."""

    kind: RowKind
    memcg: str
    objcg: str | None
    prefix: str
    depth: int


@dataclass(frozen=True)
class TreeOptions:
    """The learner's view choices for the tree; none of them changes the machine."""

    find: str = ""
    zoom: str | None = None
    auto_collapse: bool = False  # big trees: memcgs below the top level start collapsed
    toggled: frozenset[str] = frozenset()  # memcgs whose collapse state was flipped
    expanded_lists: frozenset[str] = frozenset()
    ghosts: frozenset[str] = frozenset()  # freed memcgs still shown (freed by this command)
    reveal: frozenset[str] = frozenset()  # memcgs the command touched: their ancestors unfold


def is_collapsed(opts: TreeOptions, name: str, depth: int) -> bool:
    return (opts.auto_collapse and depth >= 1) != (name in opts.toggled)


def tree_rows(world: World, opts: TreeOptions) -> list[Row]:
    """The rows of the memcg tree, depth first in creation order."""
    top = opts.zoom if opts.zoom and world.memcg(opts.zoom) else ROOT
    keep = _find_keep(world, opts.find, top) if opts.find else None
    opened = _ancestors(world, opts.reveal)
    rows: list[Row] = []
    # (name, depth, prefix for its own line, prefix for lines below it)
    todo: list[tuple[str, int, str, str]] = [(top, 0, "", "")]
    while todo:
        name, depth, head, body = todo.pop()
        rec = world.memcg(name)
        if rec is None:
            continue
        rows.append(Row("memcg", name, None, head, depth))
        kids = [c for c in world.children(name) if _shown(world, opts, c, keep)]
        folded = is_collapsed(opts, name, depth) and not opts.find and kids and name not in opened
        inner = body + ("│  " if kids and not folded else "   ")
        rows.append(Row("objcg", name, rec["objcg"], inner, depth))
        entries = w.objcg_list(rec)
        limit = len(entries) if name in opts.expanded_lists else LIST_PREVIEW
        for objcg in entries[:limit]:
            rows.append(Row("item", name, objcg, inner, depth))
        if len(entries) > limit:
            rows.append(Row("more", name, None, inner, depth))
        if folded:
            continue
        for i, child in reversed(list(enumerate(kids))):
            last = i == len(kids) - 1
            todo.append((child, depth + 1, body + ("└─ " if last else "├─ "),
                         body + ("   " if last else "│  ")))
    return rows


def _ancestors(world: World, names: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        rec = world.memcg(name)
        node = rec["parent"] if rec is not None else None
        while node is not None and node not in out:
            out.add(node)
            parent = world.memcg(node)
            node = parent["parent"] if parent is not None else None
    return out


def _shown(world: World, opts: TreeOptions, name: str, keep: set[str] | None) -> bool:
    rec = world.memcg(name)
    if rec is None or (rec["state"] == "freed" and name not in opts.ghosts):
        return False
    return keep is None or name in keep


def _find_keep(world: World, needle: str, top: str) -> set[str]:
    """Memcgs whose name, or an objcg they list, contains `needle`, with their ancestors."""
    keep: set[str] = set()
    for rec, _depth in world.walk(top):
        names = (rec["name"], rec["objcg"] or "", *w.objcg_list(rec))
        if any(needle in n for n in names):
            node: str | None = rec["name"]
            while node is not None and node not in keep:
                keep.add(node)
                parent = world.memcg(node)
                node = None if parent is None or node == top else parent["parent"]
    return keep


def tree_label_width(rows: Sequence[Row], cap: int = 22) -> int:
    """Column for the figures after memcg names, from the visible rows."""
    widths = [len(r.prefix) + len(r.memcg) for r in rows if r.kind == "memcg"]
    return min(cap, max(widths, default=1)) + 1


def tree_row_text(world: World, row: Row, hl: Highlight, opts: TreeOptions,
                  label: int = 12, narrow: bool = False) -> Text:
    """Draw one tree row; `narrow` (under ~56 columns) drops the figures that can wait."""
    if row.kind == "memcg":
        return _memcg_text(world, row, hl, opts, label, narrow)
    text = Text.assemble((row.prefix, DIM))
    if row.kind == "objcg":
        _objcg_line(world, text, row, hl, narrow)
    elif row.kind == "item":
        _list_item(world, text, row, hl, narrow)
    else:
        rec = world.memcg(row.memcg)
        hidden = len(w.objcg_list(rec)) - LIST_PREVIEW if rec else 0
        text.append(f"  … {hidden} more on the list (enter shows all)", DIM)
    return text


def _memcg_text(world: World, row: Row, hl: Highlight, opts: TreeOptions, label: int,
                narrow: bool) -> Text:
    rec = world.memcg(row.memcg)
    assert rec is not None
    name, state = rec["name"], rec["state"]
    ghost = state == "freed"
    text = Text.assemble((row.prefix, DIM))
    kids = [c for c in world.children(name) if _shown(world, opts, c, None)]
    folded = (is_collapsed(opts, name, row.depth) and bool(kids) and not opts.find
              and name not in _ancestors(world, opts.reveal))
    name_style = GHOST if ghost else ("bold" if state == "online" else "yellow")
    put(text, name, hl.hit("memcg", name, "*"), name_style)
    marker = f" ▸{len(kids)}" if folded else ""
    text.append(marker, "cyan")
    text.append(" " * max(1, label - len(row.prefix) - len(name) - len(marker)))
    usage = rec["usage"]
    put(text, f"{usage:>3} pg", hl.hit("memcg", name, "usage"), DIM if ghost else "")
    limit = rec["max"]
    if not narrow:
        text.append(f" {kib(usage * world.page_size):>5}", DIM)
    if not narrow or limit is not None or hl.hit("memcg", name, "max"):
        shown = "∞" if limit is None else f"{limit}" + ("" if narrow else f" ({kib(limit * world.page_size)})")
        put(text, f" max {shown}", hl.hit("memcg", name, "max"), DIM if limit is None else "")
    if rec["failcnt"] or hl.hit("memcg", name, "failcnt"):
        put(text, f" failcnt {rec['failcnt']}", hl.hit("memcg", name, "failcnt"), "red")
    if world.v1:
        _kmem_text(text, rec, hl, narrow)
    refs = w.css_refs(rec)
    put(text, f" ref {'-' if refs is None else refs}", hl.hit("memcg", name, "refcnt", "holders"))
    text.append(" ")
    put(text, "ghost (freed)" if ghost else state, hl.hit("memcg", name, "state"),
         STATE_STYLE.get(state, ""))
    _page_pins_text(text, rec, hl)
    dying = rec["nr_dying_descendants"]
    if dying or not narrow or hl.hit("memcg", name, "nr_dying_descendants"):
        label_ = " dying" if narrow else " dying-desc"  # nr_dying_descendants
        put(text, f"{label_} {dying}", hl.hit("memcg", name, "nr_dying_descendants"),
             "yellow" if dying else DIM)
    return text


def _kmem_text(text: Text, rec: w.Record, hl: Highlight, narrow: bool) -> None:
    """cgroup v1: the kmem counter beside the memory counter (pages, its max, failcnt)."""
    name = rec["name"]
    usage, limit, failcnt = w.kmem_counter(rec)
    put(text, f" {'k' if narrow else 'kmem '}{usage}", hl.hit("memcg", name, "kmem_usage"), "cyan")
    if limit is not None or hl.hit("memcg", name, "kmem_max"):
        put(text, f"/{'∞' if limit is None else limit}", hl.hit("memcg", name, "kmem_max"), "cyan")
    if failcnt or hl.hit("memcg", name, "kmem_failcnt"):
        put(text, f" kfail {failcnt}", hl.hit("memcg", name, "kmem_failcnt"), "red")


def _page_pins_text(text: Text, rec: w.Record, hl: Highlight) -> None:
    """The pages (alloc_pages) among the css holders: what keeps a removed memcg dying
    (after its state, so that a narrow row loses the page names before the state)."""
    pages = w.page_pins(rec)
    if pages:
        shown = " ".join(pages[:3]) + (f" +{len(pages) - 3}" if len(pages) > 3 else "")
        what = "page" if len(pages) == 1 else "pages"
        put(text, f" ({what} {shown})", hl.hit("memcg", rec["name"], "holders"), "magenta")


def _objcg_line(world: World, text: Text, row: Row, hl: Highlight, narrow: bool) -> None:
    rec = world.memcg(row.memcg)
    assert rec is not None
    text.append("objcg ", DIM)
    swing = hl.swing("memcg", row.memcg, "objcg")
    if row.objcg is None:
        changed = hl.hit("memcg", row.memcg, "objcg")
        was = f" (was {swing[0]})" if swing and swing[0] else ""
        put(text, "NULL" + was, changed, DIM)
    else:
        obj = world.objcg(row.objcg)
        put(text, row.objcg, hl.hit("memcg", row.memcg, "objcg"), "bold")
        if obj is not None:
            put(text, f" {obj['state']}", hl.hit("objcg", row.objcg, "state"),
                 STATE_STYLE.get(obj["state"], ""))
            put(text, f" ref {obj['refcnt']}", hl.hit("objcg", row.objcg, "refcnt", "holders"))
    entries = w.objcg_list(rec)
    list_changed = hl.hit("memcg", row.memcg, "objcg_list")
    if entries or list_changed or not narrow:
        label = "  list: " if narrow else "  objcg_list: "
        put(text, label + ("empty" if not entries else f"{len(entries)}"), list_changed, DIM)


def _list_item(world: World, text: Text, row: Row, hl: Highlight, narrow: bool) -> None:
    assert row.objcg is not None
    obj = world.objcg(row.objcg)
    listed = hl.swing("memcg", row.memcg, "objcg_list")
    moved = listed is not None and row.objcg in listed[1] and row.objcg not in (listed[0] or ())
    text.append("  ↳ ", PARENT)
    put(text, row.objcg, moved, "bold")
    if obj is None:
        return
    put(text, f" {obj['state']}", hl.hit("objcg", row.objcg, "state"),
         STATE_STYLE.get(obj["state"], ""))
    if obj["memcg"] != row.memcg:  # mid-reparent: it points up before the list is spliced
        swinging = hl.swing("objcg", row.objcg, "memcg") is not None
        text.append(f" ⇧▶ {obj['memcg']}", SWING if swinging else PARENT)
    if not narrow:
        put(text, f" ref {obj['refcnt']}", hl.hit("objcg", row.objcg, "refcnt", "holders"))
    put(text, f" left {obj['nr_charged_bytes']}",
         hl.hit("objcg", row.objcg, "nr_charged_bytes"), DIM)
    if moved:
        text.append(" ◀ moved in", SWING)
