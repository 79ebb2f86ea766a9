"""A kernel oops, as the kernel would print it: over the panels at the top of the screen
while the cursor is on the micro-step that crashed. Stepping back hides it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

if TYPE_CHECKING:
    from engine.kernel.oops import Oops


class OopsBox(Static):
    """Drawn over the panels at the top (as tall as it needs): the trail below stays in
    view, with the steps that led to the crash."""

    DEFAULT_CSS = """
    OopsBox {
        position: absolute; overlay: screen; display: none;
        height: auto; border: heavy red; border-title-color: red; border-title-style: bold;
        background: $surface; padding: 0 1;
    }
    """

    def show(self, oops: Oops | None, region: tuple[int, int, int, int]) -> None:
        """`region`: x, y, width and height of the area to cover."""
        if oops is None:
            self.display = False
            return
        from tui.present.oops import oops_text  # (at the first oops: not for the first frame)

        x, y, width, height = region
        self.styles.offset = (x, y)
        self.styles.width = width
        self.styles.max_height = height
        self.border_title = "kernel oops"
        self.update(oops_text(oops, max(20, width - 4), max(3, height - 2)))
        self.display = True

    @property
    def plain(self) -> str:
        return str(self.render()) if self.display else ""

