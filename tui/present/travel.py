"""Reparenting drawn where it happens: an objcg travelling up the tree.

When a micro-step of memcg_reparent_objcgs puts an objcg on its parent's objcg_list,
the tree shows the objcg's row leaving the dying memcg and climbing, frame by frame,
to its place on the parent's list; the last frame is the tree as the step left it."""
from __future__ import annotations

from typing import Sequence

from rich.text import Text

from tui.present.fit import fit, name_field
from tui.present.highlight import Highlight
from tui.present.style import SWING
from tui.present.tree import Row, guides_field

FRAMES = 4  # frames of one journey, the last one being the row at its destination


def arrivals(hl: Highlight) -> list[tuple[str, str, str]]:
    """(objcg, from_memcg, to_memcg) for each objcg this step put on an objcg_list."""
    out = []
    lists = {(name, swing) for (kind, name, fld), swing in hl.swings.items()
             if kind == "memcg" and fld == "objcg_list"}
    for parent, (old, new) in sorted(lists):
        for objcg in tuple(new or ()):
            if objcg in tuple(old or ()):
                continue
            pointer = hl.swing("objcg", objcg, "memcg")
            source = pointer[0] if pointer is not None else next(
                (name for name, (was, now) in lists
                 if objcg in tuple(was or ()) and objcg not in tuple(now or ())), None)
            if source is not None and source != parent:
                out.append((objcg, source, parent))
    return out


def travel_rows(rows: Sequence[Row], journeys: list[tuple[str, str, str]], frame: int) -> list[Row]:
    """The tree's rows with each travelling objcg `frame`/FRAMES-1 of the way up."""
    out = list(rows)
    if frame >= FRAMES - 1:
        return out
    for objcg, source, parent in journeys:
        keys = [(r.kind, r.memcg, r.objcg) for r in out]
        dst = _find(keys, ("item", parent, objcg))
        src = _find(keys, ("objcg", source, None), ("memcg", source, None))
        if dst is None or src is None:
            continue
        row = out.pop(dst)
        src += 1  # it leaves from just under the memcg's own objcg line
        if src > dst:
            src -= 1
        at = round(src + (dst - src) * frame / (FRAMES - 1))
        out.insert(max(0, at), Row("travel", parent, objcg, row.prefix, row.depth))
    return out


def _find(keys: list[tuple[str, str, str | None]], *wanted: tuple[str, str, str | None]) -> int | None:
    for want in wanted:
        for i, key in enumerate(keys):
            if key[0] == want[0] and key[1] == want[1] and (want[2] is None or key[2] == want[2]):
                return i
    return None


def travel_text(row: Row, width: int | None = None) -> Text:
    """The travelling row: the objcg on its way to the parent's list."""
    return fit([guides_field(row.prefix), name_field(str(row.objcg), SWING, before=Text("  ⇧ ", SWING)),
                name_field(row.memcg, SWING, before=Text(" → ", SWING), keep=False, drop=1,
                           also=(Text(f" → {row.memcg}'s objcg_list", SWING),))], width)
