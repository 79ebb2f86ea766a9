"""The top line: where in the timeline the cursor is, and whether it is playing."""
from __future__ import annotations

from textual.widgets import Static

from tui import present
from tui.present import Position


class PositionBar(Static):
    """One line, rebuilt at every step."""

    DEFAULT_CSS = """
    PositionBar { height: 1; background: $panel; }
    """

    def show(self, position: Position, playing: bool, speed: float,
             recording: str | None = None) -> None:
        text = present.header_text(position, playing, speed, recording)
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.update(text, layout=False)  # one line whatever it says: no layout pass
