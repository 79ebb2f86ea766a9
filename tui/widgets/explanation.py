"""Below the trail: why the current micro-step happens, in one plain line, then the
command's kernel WARNs as dmesg would show them and the engine's notes."""
from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from tui import present
from tui.themes import palette, recolor


class Explanation(Static):
    """A few lines, redrawn at every step."""

    DEFAULT_CSS = """
    Explanation { height: auto; max-height: 10; padding: 0 1; }
    """

    lines: list[Text] = []
    _height = -1  # rows the text took at the last update (-1: not laid out yet)

    def show(self, function: str | None, why: str | None, warnings: list[str],
             notes: list[str], cpu: int | None, delta: Text | None = None) -> None:
        """`delta`: the last micro-step's changes in one line (tui.present.delta)."""
        lines: list[Text] = [delta] if delta is not None else []
        if why is not None:
            line = Text.assemble(("why: ", "bold cyan"))
            if function:
                line.append(f"{function}: ", "bold")
            line.append(why, "italic")
            lines.append(line)
        for warning in warnings:
            for text in present.kernel_warning(warning, cpu):
                lines.append(Text(text, "bold red" if text.startswith("WARNING") else "red"))
        for note in notes:
            lines.append(Text(f"note: {note}", "yellow"))
        family = palette(self.app)
        self.lines = lines
        lines = [recolor(line, family) for line in lines]
        shown = lines or [recolor(Text("(no command yet: press n to step, : to type one)",
                                       present.DIM), family)]
        height = self._height_of(shown)
        self.update(Group(*lines) if lines else shown[0],
                    layout=height != self._height)  # a layout pass only when the height changes
        self._height = height

    def _height_of(self, lines: list[Text]) -> int:
        width = self.content_size.width
        if width <= 0:
            return -1
        return sum(len(line.wrap(self.app.console, width)) for line in lines)
