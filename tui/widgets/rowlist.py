"""A list with a cursor on Textual's line API, the base of every long panel.

Measured when the explorer was designed: a `Static` holding 2,000 lines takes ~0.6 s to
update, a `DataTable` of 10,000 rows ~3 s to build, while a `ScrollView` that draws only
its visible rows through `render_line` updates in ~0.04 s whatever the row count. With
10,000 objcgs on screen that is the only choice.
"""
from __future__ import annotations

from typing import Any, Callable, Generic, Hashable, Sequence, TypeVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.themes import cursor_style, palette, recolor
from tui.widgets.textlines import look, text_strip

RowT = TypeVar("RowT")

MORE_STYLE = Style(bold=True, reverse=True)


def _same(a: tuple[Text, bool] | None, b: tuple[Text, bool] | None) -> bool:
    """Do two visible lines look the same (text, styles, under the cursor or not)?"""
    if a is None or b is None:
        return a is b
    return a[1] == b[1] and look(a[0]) == look(b[0])


class RowList(ScrollView, Generic[RowT], can_focus=True):
    """Rows drawn on demand by `draw(row)`, a cursor, and a stable selection by key."""

    BINDINGS = [
        Binding("up,k", "move(-1)", "up", show=False),
        Binding("down,j", "move(1)", "down", show=False),
        Binding("pageup", "page(-1)", "page up", show=False),
        Binding("pagedown", "page(1)", "page down", show=False),
        Binding("enter", "activate", "open/close", show=False),
    ]

    DEFAULT_CSS = """
    RowList {
        height: 1fr;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 0;
    }
    """

    cursor: reactive[int] = reactive(0, init=False)
    """Index of the row under the cursor."""

    class Moved(Message):
        """The cursor moved to another row."""

        def __init__(self, rowlist: RowList[Any], row: object) -> None:
            super().__init__()
            self.rowlist = rowlist
            self.row = row

    class Activated(Message):
        """Enter (or a click on the row under the cursor) on a row."""

        def __init__(self, rowlist: RowList[Any], row: object) -> None:
            super().__init__()
            self.rowlist = rowlist
            self.row = row

    def __init__(self, draw: Callable[[RowT], Text], key: Callable[[RowT], Hashable] = lambda r: r,
                 *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._draw = draw
        self._key = key
        self.rows: Sequence[RowT] = ()
        self._index: dict[Hashable, int] | None = None  # key -> row, built when first needed
        # What each visible line shows, (row text, under the cursor), as last painted or
        # asked to be: a redraw repaints only the lines where it differs.
        self._drawn: list[tuple[Text, bool] | None] | None = None
        # y -> (row index, width, text) drawn by redraw for the next paint
        self._fresh: dict[int, tuple[int, int, Text]] = {}

    # -- content -----------------------------------------------------------------------
    def set_rows(self, rows: Sequence[RowT]) -> None:
        """Replace the rows, keeping the cursor on the same row (by key) if it is still there."""
        old = self.selected
        self.rows = rows
        self._index = None
        if old is not None:
            key = self._key(old)
            if not (self.cursor < len(rows) and self._key(rows[self.cursor]) == key):
                index = self.index_of(key)
                if index is not None:
                    self.set_reactive(RowList.cursor, index)
        self.set_reactive(RowList.cursor, max(0, min(self.cursor, len(rows) - 1)))
        self._set_virtual_height(len(rows))
        self.redraw()  # new rows are mostly the old ones (a trail grows by a line)

    def redraw(self) -> None:
        """New figures or rows: repaint only the visible lines whose text changed (a
        micro-step changes a few rows; repainting them all was most of a step's cost).
        A scroll or a resize repaints everything anyway (Textual does)."""
        top, width = self.scroll_offset.y, self.row_width
        drawn = self._visible_texts()
        self._fresh = {y: (top + y, width, line[0]) for y, line in enumerate(drawn) if line is not None}
        if self._drawn is None or len(drawn) != len(self._drawn):
            self._drawn = drawn
            self.refresh()
            return
        width = self.size.width
        for y, (new, old) in enumerate(zip(drawn, self._drawn)):
            if not _same(new, old):
                self.refresh(Region(0, y, width, 1))
        self._drawn = drawn

    def _visible_texts(self) -> list[tuple[Text, bool] | None]:
        """What render_line draws for each visible line: the row's text, and the cursor."""
        top, rows, cursor = self.scroll_offset.y, self.rows, self.cursor
        texts = [(self._text(rows[i]), i == cursor) if i < len(rows) else None
                 for i in range(top, top + self.size.height)]
        self._texts_done()
        return texts

    def _text(self, row: RowT) -> Text:
        """A row's text for a redraw (WorldRowList keeps them across micro-steps)."""
        return self._draw(row)

    def _texts_done(self) -> None:
        """Called after a redraw drew the visible rows' texts."""

    def _set_virtual_height(self, rows: int) -> None:
        """The scrollable height. Setting it asks Textual for a layout of the whole screen
        and a repaint of the whole list; only a scrollbar appearing, going or changing
        needs that. With every row fitting before and after, nothing moves."""
        size = Size(self.size.width, rows)
        if size == self.virtual_size:
            return
        room = self.scrollable_content_region.height
        if self.virtual_size.width == size.width and max(rows, self.virtual_size.height) <= room:
            self.set_reactive(RowList.virtual_size, size)
        else:
            self.virtual_size = size

    @property
    def selected(self) -> RowT | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def index_of(self, key: Hashable) -> int | None:
        if self._index is None:
            self._index = {}
            for i, row in enumerate(self.rows):
                self._index.setdefault(self._key(row), i)
        return self._index.get(key)

    def select_key(self, key: Hashable) -> bool:
        index = self.index_of(key)
        if index is not None:
            self.cursor = index
        return index is not None

    def show_row(self, index: int) -> None:
        """Scroll so that row `index` is visible, without moving the cursor; with a row of
        room each side, so that the 'more' markers never cover it."""
        top = max(0, index - 1)
        bottom = min(len(self.rows), index + 2)
        self.scroll_to_region(Region(0, top, 1, max(1, bottom - top)), animate=False, force=True)

    # -- drawing ------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = self.rich_style
        marker = self._marker(y, index)
        if marker is not None:
            return text_strip(marker, self.app.console).crop_extend(0, width, None).apply_style(base)
        if index >= len(self.rows):
            return Strip.blank(width, base)
        fresh = self._fresh.pop(y, None)  # drawn by redraw for this paint: not twice
        if fresh is not None and fresh[:2] == (index, self.row_width):
            drawn = fresh[2]
        else:
            drawn = self._draw(self.rows[index])
        if self._drawn is not None and y < len(self._drawn):
            self._drawn[y] = (drawn, index == self.cursor)  # what the screen now shows
        text = recolor(drawn, palette(self.app)).copy()  # the drawn text may be kept: not it
        text.no_wrap = True
        strip = text_strip(text, self.app.console)
        strip = strip.crop_extend(scroll_x, scroll_x + width, None)
        if index == self.cursor:
            strip = strip.apply_style(cursor_style(self.app, self.has_focus))
        return strip.apply_style(base)

    @property
    def row_width(self) -> int:
        """Cells a row may take (the panel's width less its scrollbar)."""
        return self.scrollable_content_region.width

    def _marker(self, y: int, index: int) -> Text | None:
        """'▲ N more above' on the first line, '▼ N more below' on the last, when they scroll."""
        height = self.scrollable_content_region.height
        if len(self.rows) <= height or height < 2:
            return None
        top = self.scroll_offset.y
        if y == 0 and top > 0 and height >= 3:
            hidden = top + 1
            return Text(f" ▲ {hidden} more above ", MORE_STYLE)
        if y == height - 1 and index < len(self.rows) - 1:
            hidden = len(self.rows) - index
            return Text(f" ▼ {hidden} more below ", MORE_STYLE)
        return None

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))

    # -- behaviour -----------------------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        self.show_row(new)
        self.refresh()
        if self.selected is not None:
            self.post_message(self.Moved(self, self.selected))

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh())

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y
        if 0 <= index < len(self.rows):
            if index == self.cursor:
                self.action_activate()
            self.cursor = index

    def action_move(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.size.height - 1))

    def action_activate(self) -> None:
        if self.selected is not None:
            self.post_message(self.Activated(self, self.selected))
