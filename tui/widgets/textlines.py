"""A few lines of rich Text drawn through Textual's line API.

A micro-step changes a figure or two; a Static re-renders all of its lines at every
change, which was a third of an export's time per frame. Here a new set of lines
repaints only the lines that differ, and a change in their number asks for a layout.
"""
from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tui.themes import palette, recolor


def text_strip(text: Text, console: Console) -> Strip:
    """One line of Text as a Strip, its own style included (Text.render leaves a Text's
    base style out when it has no spans: `Text("WARNING", "bold red")` came out plain)."""
    segments = text.render(console)
    if text.style:
        segments = Segment.apply_style(segments, console.get_style(text.style))
    return Strip(segments)


def look(text: Text) -> tuple[Any, ...]:
    """What a line looks like (Text's own == ignores its base style)."""
    return (text.plain, tuple(text.spans), str(text.style))


class TextLines(Widget):
    """Subclasses say what to show in `make_lines(width)` and call `update_lines()`
    when it may have changed (the width is the content's, known after layout)."""

    DEFAULT_CSS = """
    TextLines { height: auto; }
    """

    _lines: list[Text] = []
    _width = -1  # the width the lines were made for
    MORE = "▼ {n} more below"  # the last row, when the layout leaves fewer rows than lines

    def make_lines(self, width: int) -> list[Text]:
        raise NotImplementedError

    @property
    def plain(self) -> str:
        """What the lines say, without styles."""
        return "\n".join(line.plain for line in self._lines)

    def update_lines(self) -> None:
        width = self.content_size.width
        old = self._lines
        self._lines, self._width = self.make_lines(width), width
        if len(self._lines) != len(old):
            self.refresh(layout=True)
            return
        for y, (new, was) in enumerate(zip(self._lines, old)):
            if look(new) != look(was):
                self.refresh(Region(0, y, max(1, width), 1))
        height = self.content_size.height
        if 0 < height < len(self._lines):  # the marker's row counts what it hides
            self.refresh(Region(0, height - 1, max(1, width), 1))

    def on_resize(self) -> None:
        self.update_lines()  # fitted to the width: fit again
        self.refresh()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh())

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        if width != self._width:
            return len(self.make_lines(width))
        return len(self._lines)

    def hidden_lines(self) -> int:
        """Lines with something on them that the layout left no row for (the marker's
        row included)."""
        height = self.content_size.height
        if not 0 < height < len(self._lines):
            return 0
        return sum(1 for line in self._lines[height - 1:] if line.plain.strip())

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        base = self.rich_style
        if y >= len(self._lines):
            return Strip.blank(width, base)
        hidden = self.hidden_lines()
        line = self._lines[y]
        if hidden and y == self.content_size.height - 1:  # whole lines or none, and said so
            said = self.MORE.format(n=hidden)
            line = Text(said if len(said) <= width else f"▼ {hidden} more", "bold")
        text = recolor(line, palette(self.app)).copy()  # not the line itself:
        text.no_wrap = True  # a Text that will not wrap would be cut the next time it is wrapped
        text.end = ""
        return text_strip(text, self.app.console).crop_extend(0, width, None).apply_style(base)
