"""The top line: where in the timeline the cursor is, and whether it is playing."""
from __future__ import annotations

from rich.text import Text

from tui import present
from tui.present import Position
from tui.widgets.textlines import TextLines
from tui.plural import counted


class PositionBar(TextLines):
    """One line, rebuilt at every step."""

    DEFAULT_CSS = """
    PositionBar { height: 1; background: $panel; color: $objcg-on-panel; }
    """

    _shown: tuple[Position, bool, float, str | None] | None = None
    _branches = 0

    def show(self, position: Position, playing: bool, speed: float,
             recording: str | None = None, branches: int = 0) -> None:
        self._shown = (position, playing, speed, recording)
        self._branches = branches
        self.update_lines()

    def make_lines(self, width: int) -> list[Text]:
        if self._shown is None:
            return [Text()]
        mark = None
        position, playing, speed, recording = self._shown
        if not getattr(self.app, "controls", True):  # an export: nothing to press, nothing plays
            return [present.header_text(position, None, speed, recording, width=width)]
        if self._branches:  # other futures kept: said early in the line, where it is never cut
            n = self._branches
            mark = Text(f" {counted(n, 'other branch', 'other branches')} (y) ", "bold black on yellow")
        return [present.header_text(*self._shown, width=width, mark=mark)]
