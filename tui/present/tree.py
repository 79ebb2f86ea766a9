"""The memcg tree: which rows exist (`tree_rows`) and how one row is drawn."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, NamedTuple, Sequence

from rich.text import Text

from tui import world as w
from tui.present.fit import Field
from tui.present.names import guides
from tui.present.style import DIM
from tui.world import ROOT, World

LIST_PREVIEW = 3


RowKind = Literal["memcg", "objcg", "item", "more", "travel"]


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


def _find_keep(world: World, needle: str, top: str) -> frozenset[str]:
    """Memcgs a find keeps: matches and their context, with ancestors (tui.find)."""
    from tui.find import found

    return found(world, needle).memcgs


def tree_label_width(rows: Sequence[Row], cap: int = 22) -> int:
    """Column for the figures after memcg names, from the visible rows."""
    widths = [len(r.prefix) + len(r.memcg) for r in rows if r.kind == "memcg"]
    return min(cap, max(widths, default=1)) + 1


def guides_field(prefix: str) -> Field:
    """The guides before an objcg or list row, fewer cells a level when room is short."""
    def render(width: int) -> Text:
        for per_level in (3, 2, 1, 0):
            drawn = guides(prefix, per_level)
            if len(drawn) <= width or per_level == 0:
                return Text(drawn, DIM)
        raise AssertionError("unreachable")

    # squeezed only when nothing else is left to give: rows whose guides differ in width
    # would no longer line up with their memcg's
    return Field((Text(prefix, DIM),), keep=True, squeeze=render, floor=len(prefix),
                 least=min(1, len(prefix)), first=True)
