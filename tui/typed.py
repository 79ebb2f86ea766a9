"""What a line typed at the command line does: a script command, or one of the explorer's
own (`save FILE`, `find [TEXT]`, `help`). Decided here, applied by the app."""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from engine import CommandRecord, ScriptError
from engine.script import GRAMMAR
from tui import hand, present
from tui.complete import UI_COMMANDS, Names
from tui.session import COMMAND_LINE, LoadError, Session


@dataclass(frozen=True)
class Outcome:
    """The result of one typed line."""

    consumed: bool  # clear the line and remember it; False: leave it there to be fixed
    message: Text
    record: CommandRecord | None = None  # a script command ran: play it from its start
    find: str | None = None  # a new filter
    help: bool = False
    violation: bool = False
    moved: bool = False  # the timeline changed under the cursor (a branch switched to)
    settled: Text | None = None  # the message once the command's play is over
    leave: bool = False  # the keys go back to the panels (a block's thread keys)
    play: bool = True  # play `record` from its start; False: it waits for the learner's keys


def execute(session: Session, line: str) -> Outcome:
    words = line.split()
    if words and words[0] in UI_COMMANDS:
        return _explorer_command(session, words)
    try:
        done = session.submit(line)
    except ScriptError as err:  # the line is right there: its location would say nothing
        if err.message.startswith("unknown command"):  # the explorer's own are commands too
            known = ", ".join(sorted(GRAMMAR))
            ours = ", ".join(sorted(UI_COMMANDS))
            return _error(f"error: unknown command '{words[0]}' (script commands: {known}; "
                          f"the explorer's: {ours})")
        return _error(f"error: {err.message}" if err.where == COMMAND_LINE else str(err))
    if done.record is None:
        if done.violation:
            return Outcome(True, _red(done.violation), violation=True)
        return Outcome(True, Text(hand.typing_note(session.machine)))  # a block's lines
    rec = done.record
    if hand.is_live(session.machine, rec):  # a block typed here waits for the learner
        note = Text(hand.begun_note(session))
        return Outcome(True, note, record=rec, settled=note, leave=True, play=False)
    result = Text.assemble((f"{rec.command.text} → {present.errno_name(rec.ret)}",
                            "green" if rec.ret == 0 else "bold red"))
    if done.forked is not None:
        result.append(f"  a new branch: the {len(done.forked.lines)} later command(s) "
                      f"({done.forked.commands()[0]}...) are kept, y switches back", "yellow")
    text = result.copy()
    text.append(f"  playing its {rec.end - rec.first} micro-steps (Esc, then space pauses, "
                "N skips to its end)", present.DIM)
    return Outcome(True, text, record=rec, settled=result)


def _explorer_command(session: Session, words: list[str]) -> Outcome:
    name = words[0]
    if name == "help":
        return Outcome(True, Text(""), help=True)
    if name == "find":
        find = " ".join(words[1:])
        return Outcome(True, Text(f"find: {find!r} (escape clears)" if find else "find cleared"),
                       find=find)
    if name in ("branches", "undiscard"):
        if len(words) != 1:
            return _error(f"{COMMAND_LINE}: error: usage: {UI_COMMANDS[name]}")
        said = session.branch_list() if name == "branches" else session.undiscard()
        return Outcome(True, Text(said))
    if name in ("branch", "discard"):
        if len(words) != 2 or not words[1].isdigit():
            return _error(f"{COMMAND_LINE}: error: usage: {UI_COMMANDS[name]} "
                          f"(N from 'branches': {session.branch_list()})")
        number = int(words[1])
        if not 1 <= number <= len(session.branches):
            return _error(session.no_branch(number))
        if name == "discard":
            return Outcome(True, Text(session.discard(number)))
        return Outcome(True, Text(session.switch(number)), moved=True)
    force = words[2:] == ["--force"]
    if len(words) != 2 and not (len(words) == 3 and force):
        return _error(f"{COMMAND_LINE}: error: usage: {UI_COMMANDS[name]}")
    try:
        return Outcome(True, Text(session.save(words[1], force=force)))
    except LoadError as err:
        return _error(str(err))


def _error(text: str) -> Outcome:
    return Outcome(False, _red(text))


def _red(text: str) -> Text:
    return Text(text, "bold red")


def names_of(session: Session) -> Names:
    """What Tab completes against, at the cursor."""
    world = session.world()
    paths = ["/"] + [p for p in world.live_paths() if p != "/"]
    return Names(paths=tuple(paths), memcgs=tuple(world.memcg_names()),
                 tasks=tuple(t["name"] for t in world.tasks()),
                 objects=tuple(o["name"] for o in world.objects()),
                 objcgs=tuple(o["name"] for o in world.objcgs() if o["state"] != "released"),
                 cpus=len(world.cpus()), in_block=session.machine.block is not None,
                 v1=world.v1, started=session.cursor > 0)
