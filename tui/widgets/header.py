"""The top line: where in the timeline the cursor is, and whether it is playing."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui import present
from tui.present import Position


class PositionBar(Static):
    """One line, rebuilt at every step."""

    DEFAULT_CSS = """
    PositionBar { height: 1; background: $panel; }
    """

    def show(self, position: Position, playing: bool, speed: float,
             recording: str | None = None, branches: int = 0) -> None:
        text = present.header_text(position, playing, speed, recording)
        if branches:  # other futures kept: said early in the line, where it is never cut
            mark = Text(f" {branches} other branch{'es' if branches > 1 else ''} (y) ",
                        "bold black on yellow")
            head = len(" objcg-lab ")
            text = Text.assemble(text[:head], mark, text[head:])
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.update(text)
