"""The invariant status line: byte conservation for the selected objcg, as a sum."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui import present
from engine.conservation import Conservation
from tui.themes import palette, recolor


class InvariantStatus(Static):
    """One line: ✓/✗ and pages × PAGE_SIZE = live + stocks + leftover."""

    DEFAULT_CSS = """
    InvariantStatus { height: auto; max-height: 2; padding: 0 1; }
    """

    _shown: Conservation | None = None
    _masked = False

    def show(self, conservation: Conservation | None, masked: bool = False) -> None:
        self._shown, self._masked = conservation, masked
        self.refresh()

    def on_resize(self) -> None:
        self.refresh()  # fitted to the width: fit again

    def render(self) -> Text:
        text = present.conservation_text(self._shown, width=self.content_size.width, masked=self._masked)
        text.no_wrap = True
        return recolor(text, palette(self.app))
