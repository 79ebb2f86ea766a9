"""Below the trail: what the current micro-step changed (the Δ line), why it happens in
one plain line, then the command's kernel WARNs as dmesg would show them and the
engine's notes.

All along a command the panel keeps the rows its tallest micro-step needs (a Δ line
comes and goes, a reason wraps or not, the notes come at the last step): the trail
above it does not move at every step, and a step does not cost Textual a layout of the
whole screen. When the layout leaves it fewer rows than that (a tiny terminal), its
last row says how many lines are left out; a line is never cut."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from rich.text import Text

from tui import present
from tui.present.wrap import wrap_text
from tui.widgets.textlines import TextLines


def why_line(function: str | None, why: str) -> Text:
    line = Text.assemble(("why: ", "bold cyan"))
    if function:
        line.append(f"{function}: ", "bold")
    line.append(why, "italic")
    return line


@dataclass(frozen=True)
class Said:
    """What the panel says at one micro-step."""

    function: str | None = None
    why: str | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    cpu: int | None = None
    delta: tuple[str, ...] = ()  # the step's changes (tui.present.delta_parts)


NOTHING = Text("(no command yet: press n to step, : to type one)", present.DIM)


def said_lines(said: Said, width: int, delta_rows: int, controls: bool = True) -> list[Text]:
    """The panel's lines (before wrapping), the Δ line fitted to `delta_rows` rows;
    without controls (an exported picture) no key is suggested."""
    lines: list[Text] = []
    if said.delta:
        lines.append(present.delta_line(list(said.delta), width, delta_rows))
    if said.why is not None:
        lines.append(why_line(said.function, said.why))
    for warning in said.warnings:
        for text in present.kernel_warning(warning, said.cpu):
            lines.append(Text(text, "bold red" if text.startswith("WARNING") else "red"))
    for note in said.notes:
        lines.append(Text(f"note: {note}", "yellow"))
    return lines or [NOTHING if controls else Text("(no command yet)", present.DIM)]


class Explanation(TextLines):
    """A few lines, redrawn at every step (the lines that changed)."""

    DEFAULT_CSS = """
    Explanation { height: auto; padding: 0 1; }
    """
    MORE = "▼ {n} more line(s) here on a taller terminal"

    delta_rows = 2  # the Δ line's rows at most (1 on a small terminal)
    _said = Said()

    @property
    def _controls(self) -> bool:
        """Whether the screen shows the explorer's keys (not in an exported picture)."""
        return bool(getattr(self.app, "controls", True)) if self.is_attached else True
    _floor: tuple[object, int] = (None, 0)  # (command, width, Δ rows), rows kept all along it

    def hold(self, command: object, steps: Callable[[], list[Said]]) -> None:
        """Keep, all along `command` (compared with ==), the rows the tallest of its
        micro-steps needs; `steps` gives what the panel says at each one."""
        width = self.content_size.width
        key = (command, width, self.delta_rows)
        if width <= 0 or self._floor[0] == key:
            return
        need = max((len(self._wrapped(said, width)) for said in steps()), default=0)
        self._floor = (key, need)

    def show(self, said: Said) -> None:
        self._said = said
        self.update_lines()

    @property
    def lines(self) -> list[Text]:
        """What it says now, before wrapping (at the panel's width)."""
        width = self.content_size.width
        return said_lines(self._said, width if width > 0 else 80, self.delta_rows, self._controls)

    @property
    def rows(self) -> int:
        """Rows wanted: the lines shown, or more, kept for the command."""
        return max(1, len(self._lines))

    def make_lines(self, width: int) -> list[Text]:
        if width <= 0:
            return said_lines(self._said, 80, self.delta_rows, self._controls)
        wrapped = self._wrapped(self._said, width)
        return wrapped + [Text()] * max(0, self._floor[1] - len(wrapped))

    def _wrapped(self, said: Said, width: int) -> list[Text]:
        return [part for line in said_lines(said, width, self.delta_rows, self._controls)
                for part in wrap_text(line, width, orphans=False)]
