"""Live objects: size and the objcg each is bound to (filtered by `find`)."""
from __future__ import annotations

from rich.text import Text

from tui import present
from tui.present import Highlight
from tui.widgets.rowlist import RowList
from tui.world import World


class ObjectList(RowList[str]):
    """One row per live object, in allocation order."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(self._draw_row, id=id)
        self.world: World | None = None
        self.highlight = present.NO_HIGHLIGHT
        self._find: str | None = None

    def show(self, world: World, highlight: Highlight, find: str, relayout: bool) -> None:
        self.world, self.highlight = world, highlight
        if relayout or find != self._find or not self.rows:
            self._find = find
            self.set_rows(present.object_rows(world, find))
        else:
            self.redraw()

    def _draw_row(self, name: str) -> Text:
        assert self.world is not None
        return present.object_text(self.world, name, self.highlight, width=self.row_width)
