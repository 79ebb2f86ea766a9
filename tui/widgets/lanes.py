"""Above the trail while a `together` block is at the cursor: one line per thread (its
lane, how far it got, where it is, what it read and has not used yet) and which keys
choose the next micro-step. Hidden outside a block."""
from __future__ import annotations

from rich.text import Text

from tui.present.lanes import thread_lines
from tui.widgets.textlines import TextLines

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.hand import ThreadRow


class LanesPanel(TextLines):
    """The threads of the block at the cursor, and a line of what the keys do."""

    SCOPED_CSS = False  # the rule for a compact screen names the screen
    DEFAULT_CSS = """
    LanesPanel { height: auto; border-bottom: solid $primary-darken-2; }
    Screen.-compact LanesPanel { border-bottom: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[ThreadRow] = []
        self.hint = Text()
        self.display = False

    def show(self, rows: list[ThreadRow], hint: Text) -> None:
        self.rows, self.hint = rows, hint
        self.display = bool(rows)
        if rows:
            self.update_lines()

    def make_lines(self, width: int) -> list[Text]:
        if not self.rows:
            return []
        compact = self.is_mounted and self.screen.has_class("-compact")
        hint = [self.hint] if self.hint.plain and not compact else []  # (the footer says it)
        return thread_lines(self.rows, max(20, width)) + hint
