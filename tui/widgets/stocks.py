"""Per-CPU stocks: the page stock against the charge batch, the byte stock against
PAGE_SIZE (a full bar is a whole page)."""
from __future__ import annotations

from rich.console import Group, RenderableType
from textual.widget import Widget

from tui import present
from tui.present import Highlight
from tui.themes import palette, recolor
from tui.world import World


class CpuStocks(Widget):
    """Two lines per CPU; redrawn whole (8 CPUs are 16 lines: cheap)."""

    DEFAULT_CSS = """
    CpuStocks { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.world: World | None = None
        self.highlight = present.NO_HIGHLIGHT

    def show(self, world: World, highlight: Highlight) -> None:
        self.world, self.highlight = world, highlight
        self.refresh()

    def render(self) -> RenderableType:
        if self.world is None:
            return ""
        lines = present.stock_lines(self.world, self.highlight, self.content_size.width,
                                    one_line=self.one_line)
        family = palette(self.app)
        for line in lines:
            line.no_wrap = True
            line.overflow = "crop"
        return Group(*(recolor(line, family) for line in lines))

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[no-untyped-def]
        return self.rows_needed()

    def rows_needed(self) -> int:
        if self.world is None:
            return 0
        width = max(20, self.content_size.width)
        return len(present.stock_lines(self.world, self.highlight, width, one_line=self.one_line))

    @property
    def one_line(self) -> bool:
        """Many CPUs, or a small screen: one line per CPU leaves room for the objcgs."""
        cpus = len(self.world.cpus()) if self.world is not None else 0
        return cpus > 4 or (cpus > 2 and self.screen.has_class("-compact"))
