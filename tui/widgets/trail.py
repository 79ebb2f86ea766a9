"""The kernel trail: the current command's micro-steps in kernel words, at the depth of
the call stack, callers before callees, wrapped to the panel's width. Only what has run
is shown; `show_future` adds the rest of the command, dimmed."""
from __future__ import annotations

from typing import Sequence

from engine import Step
from tui import present
from tui.present import Entry, TrailLine
from tui.widgets.rowlist import RowList


class Trail(RowList[TrailLine]):
    """Rows are screen lines; an entry longer than the panel wraps onto several."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(present.trail_line_text, id=id)
        self.steps: Sequence[Step] = ()
        self.at = 0  # the machine's cursor: steps[at - 1] is the current one
        self.show_future = False
        self._span: tuple[object, ...] = ()
        self._entries: list[Entry] = []
        self._laid_out: tuple[int, int, bool] | None = None
        self._full: tuple[object, int] | None = None
        self.masked: frozenset[tuple[str, str, str]] = frozenset()  # see Highlight.masked

    def show(self, steps: Sequence[Step], first: int, end: int, at: int) -> None:
        """Show the entries of steps[first:end] that have run (steps before `at`)."""
        # a new branch has new steps; a prediction's mask changes the entries' text
        span = (first, end, id(steps[first]) if first < end else None, self.masked)
        self.steps, self.at = steps, at
        if span != self._span:
            self._span = span
            self._entries = present.trail_entries(steps, first, end, self.masked)
            self._laid_out = None
        self._layout()

    def full_height(self) -> int:
        """Screen lines of the whole command, run or not: the trail's need (stable all along
        a command, so panels do not move from one micro-step to the next)."""
        width = self.size.width - 1
        if width <= 0:
            return len(self._entries)
        if self._full is None or self._full[0] != (self._span, width):
            lines = present.trail_lines(self._entries, len(self.steps) + 1, width, future=True)
            self._full = ((self._span, width), len(lines))
        return self._full[1]

    def toggle_future(self) -> bool:
        self.show_future = not self.show_future
        self._laid_out = None
        self._layout()
        return self.show_future

    def _layout(self) -> None:
        width = self.size.width - 1  # wrapped before knowing whether a scrollbar will show
        key = (self.at, width, self.show_future)
        if key != self._laid_out and width > 0:
            self._laid_out = key
            lines = present.trail_lines(self._entries, self.at, width, self.show_future)
            self.set_rows(lines)
        current = next((i for i, line in enumerate(self.rows)
                        if line.where == "current" and line.first), None)
        if current is not None:
            self.set_reactive(RowList.cursor, current)
            last = current
            while last + 1 < len(self.rows) and not self.rows[last + 1].first:
                last += 1
            self.show_row(min(len(self.rows) - 1, last + (2 if self.show_future else 0)))
            self.show_row(current)
        elif self.rows:
            self.show_row(len(self.rows) - 1)
        self.redraw()  # the cursor moved to the new current line: repaint the lines that changed

    def on_resize(self) -> None:
        super().on_resize()
        self._layout()
