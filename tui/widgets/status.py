"""The invariant status line: byte conservation for the selected objcg, as a sum."""
from __future__ import annotations

from textual.widgets import Static

from tui import present
from engine.conservation import Conservation


class InvariantStatus(Static):
    """One line: ✓/✗ and pages × PAGE_SIZE = live + stocks + leftover."""

    DEFAULT_CSS = """
    InvariantStatus { height: 1; padding: 0 1; }
    """

    def show(self, conservation: Conservation | None, masked: bool = False) -> None:
        text = present.conservation_text(conservation, masked)
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.update(text)
