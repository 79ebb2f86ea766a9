"""The kernel trail: the current command's micro-steps in kernel words, indented by call
depth, the one just applied highlighted and the ones still to come dimmed."""
from __future__ import annotations

from typing import Sequence

from rich.text import Text

from engine import Step
from engine.steps import describe
from tui import present
from tui.present import Where
from tui.widgets.rowlist import RowList


class Trail(RowList[int]):
    """Rows are indices into the machine's steps."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(self._draw_row, id=id)
        self.steps: Sequence[Step] = ()
        self.at = 0  # the machine's cursor: steps[at - 1] is the current one
        self._span: tuple[int, int] = (0, 0)

    def show(self, steps: Sequence[Step], first: int, end: int, at: int) -> None:
        """Show steps[first:end]; steps before `at` are done."""
        self.steps, self.at = steps, at
        if (first, end) != self._span or len(self.rows) != end - first:
            self._span = (first, end)
            self.set_rows(range(first, end))
        current = at - 1 - first
        if 0 <= current < len(self.rows):
            self.set_reactive(RowList.cursor, current)
            self.show_row(min(len(self.rows) - 1, current + 2))
            self.show_row(current)
        self.redraw()  # the lines whose text or cursor changed

    def _draw_row(self, index: int) -> Text:
        step = self.steps[index]
        where: Where = "current" if index == self.at - 1 else ("past" if index < self.at else "future")
        return present.trail_text(describe(step.data), step.depth, where)
