"""`objcg-lab replay FILE`: a recording in the explorer, at its start, with its chapters.

A recording with a problem opens with its valid part (the problem is said on screen and
printed again on exit); a file that is not a recording is refused with one line.
"""
from __future__ import annotations

import sys

from tui.app import ExplorerApp
from tui.export.source import SourceError, read, session_of
from tui.record import Tape
from tui.plural import counted


def greeting(path: str, commands: int, chapters: int, problem: str | None) -> str:
    if problem:
        return f"{problem} — showing the {commands} commands before it"
    keys = "] next chapter, [ previous, " if chapters else ""
    return (f"{path}: {counted(commands, 'command')}, {counted(chapters, 'chapter')}: {keys}space plays to the next "
            "mark, n/b step.  ? help")


def main_replay(path: str) -> int:
    try:
        loaded = read(path)
    except SourceError as err:
        print(err, file=sys.stderr)
        return 2
    session = session_of(loaded, path)
    tape = Tape.from_loaded(loaded)
    hello = greeting(path, len(loaded.machine.commands), len(loaded.chapters()), loaded.problem)
    ExplorerApp(session, start_at=0, greeting=hello, tape=tape).run()
    if loaded.problem:
        print(loaded.problem, file=sys.stderr)
        return 2
    return 0
