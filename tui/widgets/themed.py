"""Static text whose colour words follow the theme (tui.themes.recolor): the message
line, the help and the pins screens say 'green' or 'bold red', and mean the theme's
readable green and red."""
from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual.widgets import Static

from tui.present.wrap import wrap_text
from tui.themes import palette, recolor


class ThemedText(Static):
    """`show(text)` instead of `update`; drawn again in a new theme's colours. Prose is
    wrapped here at the widget's width, never a last word alone on its line."""

    prose = True

    def __init__(self, content: Text | str = "", **kwargs: object) -> None:
        super().__init__(content, **kwargs)  # type: ignore[arg-type]  # in the theme's colours once mounted
        self._raw = content

    def show(self, content: Text | str) -> None:
        self._raw = content
        self.update(self._themed())

    def _themed(self) -> Text | str:
        raw = self._raw
        return recolor(raw, palette(self.app)) if isinstance(raw, Text) else raw

    def render(self) -> Any:
        content = self._themed()
        if not self.prose or not isinstance(content, Text) or "\n" in content.plain:
            return super().render()
        return Prose(content)


class Prose:
    """Text wrapped at the width it is drawn at, no last word alone on its line (as
    text, `str()`, it is the text itself)."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("\n").join(wrap_text(self.text, options.max_width, orphans=False))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, self.text.cell_len)

    def on_mount(self) -> None:
        self.update(self._themed())
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.update(self._themed()))
