"""The invariant status line: byte conservation for the selected objcg, as a sum."""
from __future__ import annotations

from rich.text import Text

from tui import present
from engine.conservation import Conservation
from tui.widgets.textlines import TextLines


class InvariantStatus(TextLines):
    """One line: ✓/✗ and pages × PAGE_SIZE = live + stocks + leftover (two when narrow)."""

    DEFAULT_CSS = """
    InvariantStatus { height: auto; max-height: 2; padding: 0 1; }
    """

    _shown: Conservation | None = None
    _masked = False

    def show(self, conservation: Conservation | None, masked: bool = False) -> None:
        self._shown, self._masked = conservation, masked
        self.update_lines()

    def make_lines(self, width: int) -> list[Text]:
        text = present.conservation_text(self._shown, width=width, masked=self._masked)
        return text.split("\n")
