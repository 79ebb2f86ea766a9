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

    def show(self, conservation: Conservation | None) -> None:
        text = present.conservation_text(conservation)
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.update(text, layout=False)  # one line whatever it says: no layout pass
