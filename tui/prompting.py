"""The explorer's command line: opening it, what Enter does, Tab's candidates."""
from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Input

from engine import CommandRecord

from tui import present
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
    _played: CommandRecord | None = None  # the typed command being played

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
        """Esc: back to the panels, and the line empties (it is in the history: up brings
        it back), so no text is left in the prompt row that Enter would not run."""
        line = self.query_one(CommandLine)
        line.remember(line.value.strip())
        line.value = ""
        self.query_one(MemcgTree).focus()

    def on_command_line_completed(self, message: CommandLine.Completed) -> None:
        """The candidates, under the line, while it is the line they were found for."""
        found, line = message.candidates, self.query_one(CommandLine)
        if not found:
            said = Text("no completion: nothing the machine would accept here", present.DIM)
        else:
            said = Text()
            for i, word in enumerate(found[:40]):
                said.append("  " if i else "")
                said.append(word, "reverse" if i == message.chosen else "")
            if len(found) > 1:
                said.append("   (Tab again: the next one)", present.DIM)
        self.say(said, until=lambda: line.value != message.line)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        line = event.value.strip()
        if not line:
            return
        from tui import typed
        from tui.complete import UI_COMMANDS

        s = self.session
        if (self.playing and line.split()[0] not in UI_COMMANDS and s.machine.commands
                and s.machine.commands[-1] is self._played):
            # Typed while the last typed command still plays: it follows that command (the
            # play is only a replay of what already ran), it does not fork before it.
            s.goto(s.total)
        outcome = typed.execute(s, line)
        if outcome.settled is not None:  # "playing its N micro-steps" goes when play stops
            self.say(outcome.message, until=lambda: not self.playing, then=outcome.settled)
        else:
            self.say(outcome.message)
        problem = self.tape.committed(self.session)  # when recording: the file follows
        if problem:
            self.say(problem, error=True)
        if outcome.find is not None:
            self.find_text = outcome.find
            self.say(self._find_summary() if outcome.find else outcome.message)
        if outcome.record is not None:
            self.session.goto(outcome.record.first)
            self._played = outcome.record
            self.playing = outcome.play
        elif outcome.moved:
            self.playing = False
        self.redraw(relayout=True, follow=outcome.moved)
        if outcome.help:
            self.action_help()  # type: ignore[attr-defined]
        cmdline = self.query_one(CommandLine)
        if outcome.leave:
            self.query_one(MemcgTree).focus()
        cmdline.remember(line)  # a refused line too: up-arrow brings it back to mend
        # A prompt: the keys stay here for the next command (Escape leaves). A refused
        # line stays, selected, so the next keystrokes replace it (or an arrow edits it).
        if not outcome.consumed and not cmdline.value:  # (unless typing went on behind it)
            cmdline.value = line
            cmdline.select_all()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Find filters as you type (`/` opens the prompt with 'find ')."""
        if not isinstance(event.input, CommandLine):
            return
        self.expire_message()  # a Tab's candidates go once the line changes
        words = event.value.split(maxsplit=1)
        if not words or words[0] != "find" or not event.value.startswith("find "):
            return
        needle = words[1].strip() if len(words) > 1 else ""
        if needle != self.find_text:
            self.find_text = needle
            self.redraw(relayout=True)
        self.say(self._find_summary() if needle else "find: type a name (memcg, objcg, object)")

    def _find_summary(self) -> str:
        from tui.find import found

        hit = found(self.session.world(), self.find_text)
        if not hit:
            return f"find {self.find_text!r}: no match (Esc, then Esc again clears)"
        return (f"find {self.find_text!r}: {hit.matches} match(es), shown with their objcgs, "
                "memcgs and ancestors (Enter keeps it; Esc, Esc clears)")

    def _names(self) -> Names:
        from tui import typed

        return typed.names_of(self.session)
