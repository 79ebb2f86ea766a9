"""The kernel trail: the current command's micro-steps in kernel words, at the depth of
the call stack, callers before callees, wrapped to the panel's width. Only what has run
is shown; `show_future` adds the rest of the command, dimmed.

The list always holds the whole command, lines not run yet drawn blank: its height stays
the same all along a command, so a step neither moves the scrollbar's size nor asks
Textual for a layout of the screen (that was most of a step's cost)."""
from __future__ import annotations

from typing import Sequence

from rich.text import Text

from engine import Step
from tui import present
from tui.present import Entry, TrailLine, lanes
from tui.present.fit import field, fit
from tui.widgets.rowlist import RowList


class Trail(RowList[TrailLine]):
    """Rows are screen lines; an entry longer than the panel wraps onto several."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(self._line_text, id=id)
        self.steps: Sequence[Step] = ()
        self.at = 0  # the machine's cursor: steps[at - 1] is the current one
        self.show_future = False
        self._span: tuple[object, ...] = ()
        self._entries: list[Entry] = []
        self._laid_out: tuple[int, int, bool] | None = None
        self.masked: frozenset[tuple[str, str, str]] = frozenset()  # see Highlight.masked
        self._wrapped: tuple[object, list[tuple[Entry, list[str]]]] = (None, [])
        self._next: TrailLine | None = None  # the first line not run yet
        self._to_come = 0  # micro-steps not run yet
        self._lanes = False  # a `together` block: each line shows its thread's lane

    def show(self, steps: Sequence[Step], first: int, end: int, at: int) -> None:
        """Show the entries of steps[first:end] that have run (steps before `at`)."""
        # a new branch has new steps; a prediction's mask changes the entries' text
        span = (first, end, steps[first] if first < end else None, self.masked)  # the Step: ids are reused
        self.steps, self.at = steps, at
        if span != self._span:
            self._span = span
            self._entries = present.trail_entries(steps, first, end, self.masked)
            self._laid_out = None
            self._lanes = any(steps[i].lane for i in range(first, end))  # CPUs at once
        self._layout()

    def steps_to_come(self) -> Sequence[Step]:
        """The current command's micro-steps not run yet."""
        end = self._span[1] if self._span else self.at
        return self.steps[self.at:end] if isinstance(end, int) else ()

    def steps_shown(self) -> object:
        """Which command's steps the trail shows (and the prediction's mask)."""
        return self._span

    def full_height(self) -> int:
        """Screen lines of the whole command, run or not: the trail's need (stable all along
        a command, so panels do not move from one micro-step to the next)."""
        width = self.size.width - 1
        if width <= 0:
            return len(self._entries)
        return sum(len(parts) for _entry, parts in self._wrap(width))

    def _wrap(self, width: int) -> list[tuple[Entry, list[str]]]:
        """The command's entries wrapped to `width` (once per command and width)."""
        if self._wrapped[0] != (self._span, width):
            room = width - (lanes.GUTTER + 1 if self._lanes else 0)  # the lane gutter's cells
            self._wrapped = ((self._span, width), present.wrap_entries(self._entries, room))
        return self._wrapped[1]

    def _line_text(self, line: TrailLine) -> Text:
        if line.where != "future" or self.show_future:
            text = present.trail_line_text(line)
            if not self._lanes:
                return text
            entry = line.entry
            lane = self.steps[entry.at if entry.step is None else entry.step].lane
            return lanes.with_gutter(text, lane, line.first)
        if line is self._next:  # not run yet: nothing shown before it runs, but how much
            n, steps = self._to_come, "micro-step" + ("s" if self._to_come > 1 else "")
            keys = [field(" (t shows them)", drop=1, quiet=True, style=present.DIM)] \
                if getattr(self.app, "controls", True) else []
            return fit([field(f"  ⋯ {n} more {steps} to come", f"  ⋯ {n} more to come",
                              style=present.DIM)] + keys, self.row_width)
        return Text()

    def _marker(self, y: int, index: int) -> Text | None:
        """No 'N more below' over lines that have not run (they are blank)."""
        marker = super()._marker(y, index)
        if marker is not None and y > 0 and not self.show_future \
                and all(line.where == "future" for line in self.rows[index + 1:]):
            return None  # (the line it would cover is drawn: it has run, or it is blank)
        return marker

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
            lines = present.place_lines(self._wrap(width), self.at, future=True)
            future = [line for line in lines if line.where == "future"]
            self._next = future[0] if future else None
            self._to_come = len({line.entry.step for line in future if line.entry.step is not None})
            self.set_rows(lines)
        current = next((i for i, line in enumerate(self.rows)
                        if line.where == "current" and line.first), None)
        if current is not None:
            self.set_reactive(RowList.cursor, current)
            last = current
            while last + 1 < len(self.rows) and not self.rows[last + 1].first:
                last += 1
            self._scroll_to_current(current, min(len(self.rows) - 1, last + (2 if self.show_future else 0)))
        elif self.rows:  # nothing current: the last line that has run
            run = [i for i, line in enumerate(self.rows) if line.where != "future"]
            self.show_row(run[-1] if run else 0)
        self.redraw()  # the cursor moved to the new current line: repaint the lines that changed

    def _scroll_to_current(self, first: int, last: int) -> None:
        """Scroll so that the current entry's first line is on screen, never under a
        'more' marker, with as much of the rest of the entry (`last`) as fits."""
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        more_below = any(line.where != "future" or self.show_future for line in self.rows[last + 1:])
        lowest = first - height + (2 if height >= 2 else 1)  # the first line above the ▼ marker
        highest = first - 1 if height >= 3 and first > 0 else first  # and below the ▲ one
        top = last - height + (2 if more_below and height >= 2 else 1)  # the whole entry
        top = max(lowest, min(highest, top))
        self.scroll_to(y=max(0, min(top, len(self.rows) - height)), animate=False, force=True,
                       immediate=True)

    def on_resize(self) -> None:
        super().on_resize()
        self._layout()
