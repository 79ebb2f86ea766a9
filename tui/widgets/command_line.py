"""The command line: any script command, plus `save FILE`, `find TEXT` and `help`.
Up/down walk the history, Tab completes (commands, paths, tasks, objects, objcgs)."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input


if TYPE_CHECKING:
    from tui.complete import Names


class _Suggest(Suggester):
    """Grey inline suggestion when the completion is unambiguous."""

    def __init__(self, names: Callable[[], Names]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._names = names

    async def get_suggestion(self, value: str) -> str | None:
        from tui.complete import complete  # at first use: not needed for the first frame

        new, found = complete(value, self._names())
        return new.rstrip() if len(found) == 1 and new.rstrip() != value else None


ASLEEP = "press : to type a command, / to find"
AWAKE = "type a command (e.g. alloc Z0 100 task=web cpu=0), Tab completes, Enter runs, Esc leaves"


class CommandLine(Input):
    """A one-line prompt with history; Esc gives focus back to the panels.

    Focused, it says so loudly (the -awake class, a "›" prompt and its placeholder), so
    nobody types explorer keys into it, or command text at the panels, by mistake.
    """

    DEFAULT_CSS = """
    CommandLine.-awake { text-style: bold; }
    """
    BINDINGS = [Binding("escape", "leave", "leave command line")]

    # Tab, up and down are handled as the key arrives, not as bindings: a binding runs only
    # once the key has bubbled up to the app, after any keys typed behind it were inserted,
    # so a fast typist's (or tmux's) "al<Tab>Z" completed the wrong text.
    _KEYS = {"tab": ("action_complete", ()), "up": ("action_history", (-1,)),
             "down": ("action_history", (1,))}

    class Completed(Message):
        """Tab found several candidates (or none): the app lists them, `chosen` (Tab
        again goes round them) marked, for as long as the line stays `line`."""

        def __init__(self, candidates: list[str], line: str, chosen: int | None = None) -> None:
            super().__init__()
            self.candidates = candidates
            self.line = line
            self.chosen = chosen

    class Left(Message):
        """The learner pressed Esc."""

    def __init__(self, names: Callable[[], Names], *, id: str | None = None) -> None:
        super().__init__(placeholder=ASLEEP, suggester=_Suggest(names), select_on_focus=False,
                         id=id)
        self._names = names
        self.history: list[str] = []
        self._at = 0
        # after a Tab with several candidates: (the line before the word, the candidates,
        # the one shown, the line as Tab left it); Tab again at that line shows the next
        self._round: tuple[str, list[str], int, str] | None = None

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":  # likewise: submit what is typed so far
            event.stop()
            event.prevent_default()
            # ...and empty the line now: keys typed behind Enter (a burst from tmux, a fast
            # typist) start the next line instead of joining this one before it is run.
            line, self.value = self.value, ""
            self.post_message(self.Submitted(self, line))
            return
        if not self.value and event.character in (":", "/"):
            # The prompt stays open after Enter: a ':' or '/' typed out of habit at the
            # empty line means what it means at the panels (a command; find), not text.
            event.stop()
            event.prevent_default()
            if event.character == "/":
                self.value = "find "
                self.cursor_position = len(self.value)
            return
        if event.key in self._KEYS:
            event.stop()
            event.prevent_default()
            name, args = self._KEYS[event.key]
            getattr(self, name)(*args)
            return
        await super()._on_key(event)

    def on_focus(self) -> None:  # Input's own _on_focus runs too (Textual calls both)
        self.placeholder = AWAKE
        self.add_class("-awake")

    def on_blur(self) -> None:
        self.placeholder = ASLEEP
        self.remove_class("-awake")

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
        from tui.complete import complete

        if self._round is not None and self._round[3] == self.value:  # Tab again: the next one
            base, found, shown, _ = self._round
            shown = (shown + 1) % len(found)
            self._set(base + found[shown])
            self._round = (base, found, shown, self.value)
            self.post_message(self.Completed(found, self.value, shown))
            return
        new, found = complete(self.value, self._names())
        self._set(new)
        self._round = None
        if len(found) > 1:
            common = os.path.commonprefix(found)
            base = new[:len(new) - len(common)]
            shown = found.index(common) if common in found else -1
            self._round = (base, found, shown, new)
            self.post_message(self.Completed(found, new, shown if shown >= 0 else None))
        elif not found:
            self.post_message(self.Completed(found, new))

    def _set(self, value: str) -> None:
        self.value = value
        self.cursor_position = len(value)

    def action_leave(self) -> None:
        self.post_message(self.Left())
