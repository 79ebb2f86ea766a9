"""Static text whose colour words follow the theme (tui.themes.recolor): the message
line, the help and the pins screens say 'green' or 'bold red', and mean the theme's
readable green and red."""
from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from tui.present.wrap import wrap_text
from tui.themes import palette, recolor


class ThemedText(Static):
    """`show(text)` instead of `update`; drawn again in a new theme's colours. Prose is
    wrapped here at the widget's width, never a last word alone on its line."""

    prose = True

    def __init__(self, content: Text | str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._raw = content

    def show(self, content: Text | str) -> None:
        self._raw = content
        self.update(self._themed())

    def _themed(self) -> Text | str:
        raw = self._raw
        return recolor(raw, palette(self.app)) if isinstance(raw, Text) else raw

    def render(self) -> Any:
        content = self._themed()
        width = self.content_size.width
        if not self.prose or width <= 0 or not isinstance(content, Text) or "\n" in content.plain:
            return super().render()
        return Text("\n").join(wrap_text(content, width, orphans=False))

    def on_mount(self) -> None:
        self.update(self._themed())
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.update(self._themed()))
