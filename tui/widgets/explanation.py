"""Below the trail: why the current micro-step happens, in one plain line, then the
command's kernel WARNs as dmesg would show them and the engine's notes."""
from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from tui import present


class Explanation(Static):
    """A few lines, redrawn at every step."""

    DEFAULT_CSS = """
    Explanation { height: auto; max-height: 8; padding: 0 1; }
    """

    lines: list[Text] = []
    _height = -1  # rows the text took at the last update (-1: not laid out yet)

    def show(self, function: str | None, why: str | None, warnings: list[str],
             notes: list[str], cpu: int | None, now: str | None = None) -> None:
        """`now`: the current trail line in full, when the trail had to cut it."""
        lines: list[Text] = []
        if now is not None:
            lines.append(Text.assemble(("now: ", "bold yellow"), now))
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
        self.lines = lines
        shown = lines or [Text("(no command yet: press n to step, : to type one)", present.DIM)]
        height = self._height_of(shown)
        self.update(Group(*lines) if lines else shown[0],
                    layout=height != self._height)  # a layout pass only when the height changes
        self._height = height

    def _height_of(self, lines: list[Text]) -> int:
        width = self.content_size.width
        if width <= 0:
            return -1
        return sum(len(line.wrap(self.app.console, width)) for line in lines)
