"""Row texts kept from one micro-step to the next.

A micro-step changes a few records, yet finding the lines it changed meant drawing
every visible row of every list again: the largest part of a step's cost, in the
explorer and in every exported frame. While a row is drawn, the records it reads
through the World and the Highlight are noted; after one micro-step forward or back,
a row is drawn again only if it read a record that this step, or the step whose
highlight goes away, touched. A row that reads anything else (the raw state, the whole
change set) is not kept: it is drawn every time, as before.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable, NamedTuple

from rich.text import Text

from tui.present import NO_HIGHLIGHT, Highlight
from tui.widgets.rowlist import RowList, RowT
from tui.world import Reads, WatchedWorld, World

Key = tuple[str, str]  # (kind, name) of a record; name "*" stands for the whole table
Touched = frozenset[Key] | None  # None: anything may have changed


class Change(NamedTuple):
    """What changed since the previous redraw: `serial` counts redraws, `touched` are the
    records a micro-step forward or back changed (None: anything may have)."""

    serial: int
    touched: Touched


NO_CHANGE_KNOWN = Change(-2, None)


class WatchedHighlight:
    """A Highlight that notes which records' highlights are asked about."""

    def __init__(self, hl: Highlight, reads: Reads) -> None:
        self._hl, self._reads = hl, reads

    def hit(self, kind: str, name: str, *fields: str) -> bool:
        self._reads.keys.add((kind, name))
        return self._hl.hit(kind, name, *fields)

    def hides(self, kind: str, name: str, *fields: str) -> bool:
        self._reads.keys.add((kind, name))  # the mask itself is part of the context
        return self._hl.hides(kind, name, *fields)

    def touched(self, kind: str, name: str) -> bool:
        self._reads.keys.add((kind, name))
        return self._hl.touched(kind, name)

    def swing(self, kind: str, name: str, field: str) -> Any:
        self._reads.keys.add((kind, name))
        return self._hl.swing(kind, name, field)

    def __getattr__(self, name: str) -> Any:
        self._reads.opaque = True
        return getattr(self._hl, name)


class RowMemo:
    """The texts of the rows drawn at the last redraw, with what each read.

    `begin(change, context)` before drawing a new state: `change` is the explorer's
    Change (the redraw's serial number and the records changed since the one before),
    `context` everything else the texts depend on but the width, which is part of each
    key (labels, options, the prediction's mask); then `text(...)` for each row, and
    `end()` after a pass over the visible rows, to keep only those."""

    def __init__(self) -> None:
        self._kept: dict[Hashable, tuple[Any, frozenset[Key]]] = {}
        self._now: dict[Hashable, tuple[Any, frozenset[Key]]] = {}
        self._context: Hashable = None
        self._serial = -1  # the redraw the kept texts were drawn at

    def begin(self, change: Change, context: Hashable) -> None:
        follows = change.serial == self._serial + 1  # drawn at the redraw just before
        kept = {**self._kept, **self._now}  # both drawn at the state of the last begin
        if not follows or change.touched is None or context != self._context:
            kept = {}
        elif change.touched:
            kept = {key: value for key, value in kept.items() if not value[1] & change.touched}
        self._kept, self._now = kept, {}
        self._context, self._serial = context, change.serial

    def text(self, key: Hashable, draw: Callable[[WatchedWorld, WatchedHighlight], Any],
             world: World, hl: Highlight) -> Any:
        """What `draw` gives for `key` (a row's Text, or any value drawn from the World)."""
        kept = self._kept.get(key)
        if kept is None:
            reads = Reads()
            text = draw(WatchedWorld(world, reads), WatchedHighlight(hl, reads))
            if reads.opaque:
                return text
            kept = (text, frozenset(reads.keys))
        self._now[key] = kept
        return kept[0]

    def end(self) -> None:
        """Keep only what this redraw drew (the state it was drawn at is the new base)."""
        self._kept, self._now = self._now, {}


class WorldRowList(RowList[RowT]):
    """A list whose rows are drawn from the World and a Highlight: `draw_from(row, world,
    hl)` draws a row, `context()` names everything else its texts depend on, and `show`
    calls `begin(change)` with the new state before set_rows or redraw."""

    def __init__(self, key: Callable[[RowT], Hashable] = lambda r: r, *,
                 id: str | None = None) -> None:
        super().__init__(lambda row: self.draw_from(row, self.world, self.highlight), key, id=id)
        self.world: World | None = None
        self.highlight: Highlight = NO_HIGHLIGHT
        self._memo = RowMemo()

    def draw_from(self, row: RowT, world: Any, hl: Any) -> Text:
        raise NotImplementedError

    def context(self) -> Hashable:
        raise NotImplementedError

    def begin(self, change: Change) -> None:
        self._memo.begin(change, (self.context(), self.highlight.masked))

    def _text(self, row: RowT) -> Text:
        assert self.world is not None
        return self._memo.text((row, self.row_width), lambda world, hl: self.draw_from(row, world, hl),
                               self.world, self.highlight)

    def _texts_done(self) -> None:
        self._memo.end()
