"""Static text whose colour words follow the theme (tui.themes.recolor): the message
line, the help and the pins screens say 'green' or 'bold red', and mean the theme's
readable green and red."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.themes import palette, recolor


class ThemedText(Static):
    """`show(text)` instead of `update`; drawn again in a new theme's colours."""

    def __init__(self, content: Text | str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._raw = content

    def show(self, content: Text | str) -> None:
        self._raw = content
        self.update(self._themed())

    def _themed(self) -> Text | str:
        raw = self._raw
        return recolor(raw, palette(self.app)) if isinstance(raw, Text) else raw

    def on_mount(self) -> None:
        self.update(self._themed())
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.update(self._themed()))
