"""Below the trail: why the current micro-step happens, in one plain line, then the
command's kernel WARNs as dmesg would show them and the engine's notes.

All along a command the panel keeps the rows its tallest micro-step needs (a Δ line
comes and goes, a reason wraps or not): the trail above it does not move at every
step, and a step does not cost Textual a layout of the whole screen."""
from __future__ import annotations

from typing import Callable

from rich.text import Text

from tui import present
from tui.widgets.textlines import TextLines


def why_line(function: str | None, why: str) -> Text:
    line = Text.assemble(("why: ", "bold cyan"))
    if function:
        line.append(f"{function}: ", "bold")
    line.append(why, "italic")
    return line


class Explanation(TextLines):
    """A few lines, redrawn at every step (the lines that changed)."""

    DEFAULT_CSS = """
    Explanation { height: auto; max-height: 10; padding: 0 1; }
    """

    lines: list[Text] = []  # what it says, before wrapping
    _said: list[Text] = []  # the lines to show (or the hint when there is nothing)
    _floor: tuple[object, int] = (None, 0)  # (command and width, rows kept all along it)

    def hold(self, command: object, steps: Callable[[], list[tuple[str, str, bool]]]) -> None:
        """Keep, all along `command` (compared with ==), the rows the tallest of its
        micro-steps needs; `steps` gives each one's (function, reason, whether it changes
        something)."""
        width = self.content_size.width
        key = (command, width)
        if width <= 0 or self._floor[0] == key:
            return
        need = max((self._rows_of([why_line(f, why)]) + changes for f, why, changes in steps()),
                   default=0)
        self._floor = (key, need)

    def show(self, function: str | None, why: str | None, warnings: list[str],
             notes: list[str], cpu: int | None, delta: Text | None = None) -> None:
        """`delta`: the last micro-step's changes in one line (tui.present.delta)."""
        lines: list[Text] = [delta] if delta is not None else []
        if why is not None:
            lines.append(why_line(function, why))
        for warning in warnings:
            for text in present.kernel_warning(warning, cpu):
                lines.append(Text(text, "bold red" if text.startswith("WARNING") else "red"))
        for note in notes:
            lines.append(Text(f"note: {note}", "yellow"))
        self.lines = lines
        keys = ": press n to step, : to type one" if getattr(self.app, "controls", True) else ""
        self._said = lines or [Text(f"(no command yet{keys})", present.DIM)]
        height = max(self._rows_of(self._said), self._floor[1])
        self._floor = (self._floor[0], height)  # never shrinks within the command
        self.update_lines()

    @property
    def rows(self) -> int:
        """Rows taken: the lines shown, or more, kept for the command."""
        return max(1, len(self._lines))

    def make_lines(self, width: int) -> list[Text]:
        if width <= 0:
            return list(self._said)
        wrapped = [part for line in self._said for part in line.wrap(self.app.console, width)]
        return wrapped + [Text()] * max(0, self._floor[1] - len(wrapped))

    def _rows_of(self, lines: list[Text]) -> int:
        width = self.content_size.width
        if width <= 0:
            return len(lines)
        return sum(len(line.wrap(self.app.console, width)) for line in lines)
