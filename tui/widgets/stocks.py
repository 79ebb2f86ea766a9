"""Per-CPU stocks: the page stock against the charge batch, the byte stock against
PAGE_SIZE (a full bar is a whole page)."""
from __future__ import annotations

from rich.text import Text

from tui import present
from tui.present import Highlight
from tui.present.work import work_lines
from tui.widgets.rowmemo import NO_CHANGE_KNOWN, Change, RowMemo
from tui.widgets.textlines import TextLines
from tui.world import World


class CpuStocks(TextLines):
    """Two lines per CPU (one with many CPUs); a step repaints the lines it changed."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.world: World | None = None
        self.highlight = present.NO_HIGHLIGHT
        self._memo = RowMemo()  # lines kept while a step touches no record they read

    def show(self, world: World, highlight: Highlight, change: Change = NO_CHANGE_KNOWN) -> None:
        self.world, self.highlight = world, highlight
        self._memo.begin(change, highlight.masked)
        self.update_lines()

    def make_lines(self, width: int) -> list[Text]:
        if self.world is None:
            return []
        one_line = self.one_line
        lines: list[Text] = self._memo.text(
            (width, one_line), lambda world, hl: present.stock_lines(world, hl, max(20, width), one_line=one_line),
            self.world, self.highlight)
        return lines

    def rows_needed(self) -> int:
        width = self.content_size.width
        return len(self._lines) if width == self._width else len(self.make_lines(width))

    def work_rows(self) -> int:
        """Of rows_needed(), those of the deferred work listed under the CPUs."""
        if self.world is None:
            return 0
        return len(work_lines(self.world.work(), max(20, self.content_size.width)))

    @property
    def one_line(self) -> bool:
        """Many CPUs, or a small screen: one line per CPU leaves room for the objcgs."""
        cpus = len(self.world.cpus()) if self.world is not None else 0
        return cpus > 4 or (cpus > 2 and self.screen.has_class("-compact"))
