"""The memcg tree: every memcg with its page counter and refs, its active objcg and its
objcg_list in list order (present.tree_rows decides the rows)."""
from __future__ import annotations

from rich.text import Text

from tui import present
from textual.timer import Timer

from tui.present import Highlight, Row, TreeOptions
from tui.present.travel import FRAMES, arrivals, travel_rows
from tui.widgets.rowmemo import NO_CHANGE_KNOWN, Change, WorldRowList
from tui.world import World


def _key(row: Row) -> tuple[str, str, str | None]:
    return (row.kind, row.memcg, row.objcg)


class MemcgTree(WorldRowList[Row]):
    """The memcg hierarchy; Enter folds a memcg's children or unfolds a long objcg_list."""

    DEFAULT_CSS = """
    MemcgTree { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(_key, id=id)
        self.options = TreeOptions()
        self._label = 12
        self._rows: list[Row] = []  # the tree as the step left it
        self._journeys: list[tuple[str, str, str]] = []  # objcgs travelling up (travel.py)
        self._frame = FRAMES - 1
        self._timer: Timer | None = None

    def show(self, world: World, highlight: Highlight, options: TreeOptions, relayout: bool,
             change: Change = NO_CHANGE_KNOWN) -> None:
        """New state to draw; `relayout` when rows may have appeared or gone, `change`
        what changed since the last one (tui.widgets.rowmemo)."""
        journeys = arrivals(highlight)
        # a journey (re)starts when this step puts an objcg on a list; otherwise the rows
        # stay and only the lines whose figures changed are repainted
        moved = journeys != self._journeys or (bool(journeys) and highlight.changed != self.highlight.changed)
        self.world, self.highlight = world, highlight
        rebuilt = relayout or options != self.options or not self.rows
        if rebuilt:
            self.options = options
            self._rows = present.tree_rows(world, options)
            self._label = present.tree_label_width(self._rows)
        self.begin(change)
        if moved:
            self._journeys = journeys
            self.show_travel_frame(0 if journeys and self.animate else FRAMES - 1)
        elif rebuilt:
            self.set_rows(travel_rows(self._rows, self._journeys, self._frame))
        else:
            self.redraw()

    @property
    def animate(self) -> bool:
        """Headless runs (tests, screenshots) draw a chosen frame with `show_travel_frame` instead."""
        return not self.app.is_headless

    def show_travel_frame(self, frame: int) -> None:
        """Draw frame `frame` of the objcgs' journey; schedule the next at the play speed."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._frame = frame
        self.set_rows(travel_rows(self._rows, self._journeys, frame))
        if frame < FRAMES - 1 and self.animate:
            playing, speed = getattr(self.app, "playing", False), getattr(self.app, "speed", 4.0)
            pause = 1 / (speed * FRAMES) if playing else 0.12  # a step's time, or a short glide
            self._timer = self.set_timer(pause, lambda: self.show_travel_frame(frame + 1))

    def draw_from(self, row: Row, world: World, hl: Highlight) -> Text:
        return present.tree_row_text(world, row, hl, self.options, self._label, width=self.row_width)

    def context(self) -> object:
        return (self.options, self._label)

    def first_changed(self) -> int | None:
        """The first row showing something the current step changed (to scroll it into view)."""
        found = []
        for kind, name, _ in self.highlight.changed:
            if kind == "memcg":
                found.append(self.index_of(("memcg", name, None)))
            elif kind == "objcg":
                found.append(self._objcg_row(name))
        return min((i for i in found if i is not None), default=None)

    def _objcg_row(self, name: str) -> int | None:
        rec = self.world.objcg(name) if self.world is not None else None
        if rec is None:
            return None
        return self.index_of(("item", rec["memcg"], name)) or self.index_of(("objcg", name, name))
