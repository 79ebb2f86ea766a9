"""Every objcg: its memcg pointer (own creator or, once reparented, an ancestor), state,
refcount with holders, and the leftover bytes in nr_charged_bytes."""
from __future__ import annotations

from rich.text import Text

from tui import present
from tui.present import Highlight
from tui.widgets.rowmemo import NO_CHANGE_KNOWN, Change, WorldRowList
from tui.world import World


class ObjcgList(WorldRowList[str]):
    """One row per objcg, in creation order."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._label = 8
        self._key_state: tuple[str, frozenset[str]] | None = None

    def show(self, world: World, highlight: Highlight, find: str, ghosts: frozenset[str],
             relayout: bool, change: Change = NO_CHANGE_KNOWN) -> None:
        self.world, self.highlight = world, highlight
        rebuilt = relayout or self._key_state != (find, ghosts) or not self.rows
        if rebuilt:
            self._key_state = (find, ghosts)
            rows = present.objcg_rows(world, find, ghosts)
            self._label = present.objcg_label_width(rows)
        self.begin(change)  # after the label: it is part of the rows' context
        if rebuilt:
            self.set_rows(rows)
        else:
            self.redraw()

    def draw_from(self, name: str, world: World, hl: Highlight) -> Text:
        return present.objcg_text(world, name, hl, self._label, width=self.row_width)

    def context(self) -> object:
        return self._label

    def first_changed(self) -> int | None:
        found = [self.index_of(name) for kind, name, _ in self.highlight.changed if kind == "objcg"]
        return min((i for i in found if i is not None), default=None)
