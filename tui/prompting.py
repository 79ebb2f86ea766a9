"""The explorer's command line: opening it, what Enter does, Tab's candidates."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from tui.record import Tape
from tui.session import Session
from tui.widgets.command_line import CommandLine
from tui.widgets.memcg_tree import MemcgTree

if TYPE_CHECKING:
    from tui.complete import Names
    from tui.drawing import Drawing as _Base
else:
    _Base = object


class Prompting(_Base):
    """Mixed into ExplorerApp (after Drawing): ':' and '/', and lines entered."""

    session: Session
    tape: Tape
    find_text: str
    playing: bool

    def action_prompt(self, prefill: str = "") -> None:
        line = self.query_one(CommandLine)
        if self.focused is not line:
            line.value = ""  # a new ':' starts a new line (a refused one is in the history)
        if prefill:
            line.value = prefill
            line.cursor_position = len(prefill)
        self.set_focus(line)  # now, not after a refresh: keys typed right after ":" land here

    def action_find(self) -> None:
        self.action_prompt("find ")

    def on_command_line_left(self) -> None:
        self.query_one(MemcgTree).focus()

    def on_command_line_completed(self, message: CommandLine.Completed) -> None:
        found = message.candidates
        self.say("no completion" if not found else "  ".join(found[:40]))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        line = event.value.strip()
        if not line:
            return
        from tui import typed

        outcome = typed.execute(self.session, line)
        self.say(outcome.message)
        problem = self.tape.committed(self.session)  # when recording: the file follows
        if problem:
            self.say(problem, error=True)
        if outcome.find is not None:
            self.find_text = outcome.find
        if outcome.record is not None:
            self.session.goto(outcome.record.first)
            self.playing = True
        self.redraw(relayout=True)
        if outcome.help:
            self.action_help()  # type: ignore[attr-defined]
        cmdline = self.query_one(CommandLine)
        cmdline.remember(line)  # a refused line too: up-arrow brings it back to mend
        if outcome.consumed:  # as vim's ':' does, Enter hands the keys back to the panels
            cmdline.value = ""
            if isinstance(self.screen.focused, CommandLine):
                self.query_one(MemcgTree).focus()

    def _names(self) -> Names:
        from tui import typed

        return typed.names_of(self.session)
