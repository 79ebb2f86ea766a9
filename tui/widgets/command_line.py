"""The command line: any script command, plus `save FILE`, `find TEXT` and `help`.
Up/down walk the history, Tab completes (commands, paths, tasks, objects, objcgs)."""
from __future__ import annotations

from typing import Callable

from textual.binding import Binding
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input

from tui.complete import Names, complete


class _Suggest(Suggester):
    """Grey inline suggestion when the completion is unambiguous."""

    def __init__(self, names: Callable[[], Names]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._names = names

    async def get_suggestion(self, value: str) -> str | None:
        new, found = complete(value, self._names())
        return new.rstrip() if len(found) == 1 and new.rstrip() != value else None


class CommandLine(Input):
    """A one-line prompt with history; Esc gives focus back to the panels."""

    BINDINGS = [
        Binding("up", "history(-1)", "previous", show=False),
        Binding("down", "history(1)", "next", show=False),
        Binding("tab", "complete", "complete", show=False),
        Binding("escape", "leave", "leave command line"),
    ]

    class Completed(Message):
        """Tab found several candidates (or none): the app lists them."""

        def __init__(self, candidates: list[str]) -> None:
            super().__init__()
            self.candidates = candidates

    class Left(Message):
        """The learner pressed Esc."""

    def __init__(self, names: Callable[[], Names], *, id: str | None = None) -> None:
        super().__init__(placeholder="type a command (e.g. alloc Z0 100 task=web cpu=0), Tab completes",
                         suggester=_Suggest(names), select_on_focus=False, id=id)
        self._names = names
        self.history: list[str] = []
        self._at = 0

    def remember(self, line: str) -> None:
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
        self._at = len(self.history)

    def action_history(self, delta: int) -> None:
        if not self.history:
            return
        self._at = max(0, min(len(self.history), self._at + delta))
        self.value = self.history[self._at] if self._at < len(self.history) else ""
        self.cursor_position = len(self.value)

    def action_complete(self) -> None:
        new, found = complete(self.value, self._names())
        self.value = new
        self.cursor_position = len(new)
        if len(found) != 1:
            self.post_message(self.Completed(found))

    def action_leave(self) -> None:
        self.post_message(self.Left())
