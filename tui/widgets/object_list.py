"""Live objects: size and the objcg each is bound to (filtered by `find`)."""
from __future__ import annotations

from rich.text import Text

from tui import present
from tui.present import Highlight
from tui.widgets.rowmemo import NO_CHANGE_KNOWN, Change, WorldRowList
from tui.world import World


class ObjectList(WorldRowList[str]):
    """One row per live object, in allocation order."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._find: str | None = None

    def show(self, world: World, highlight: Highlight, find: str, relayout: bool,
             change: Change = NO_CHANGE_KNOWN) -> None:
        self.world, self.highlight = world, highlight
        self.begin(change)
        if relayout or find != self._find or not self.rows:
            self._find = find
            self.set_rows(present.object_rows(world, find))
        else:
            self.redraw()

    def draw_from(self, name: str, world: World, hl: Highlight) -> Text:
        return present.object_text(world, name, hl, width=self.row_width)

    def context(self) -> object:
        return None
