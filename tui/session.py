"""The explorer's hold on the engine: one Machine, its timeline, and moves through it.

Kept apart from the Textual app so the moves (step, command back, jump, submit, save)
are plain Python, tested without a terminal. The app only calls these and redraws.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

from engine import CommandRecord, Machine, ScriptError, Step
from engine.invariants import InvariantViolation
from engine.recording import COMMENT, Branch, BranchMark, Mark
from tui import present
from tui.present import Highlight, Position
from tui.world import World, changed, field_swings

COMMAND_LINE = "<command line>"
BRANCH = "<branch>"

Span = tuple[str, int, int]  # a command's text, first micro-step, end


class MarkKeeper(Protocol):
    """Who keeps the marks (chapters, pauses) on the timeline: tui.record's Tape."""

    def cut(self, bound: int, spans: Sequence[Span]) -> tuple[BranchMark, ...]:
        """Take the marks past `bound` (they belong to the commands in `spans`)."""
        ...

    def paste(self, marks: Sequence[BranchMark], spans: Sequence[Span]) -> None:
        """Put a branch's marks back, on the commands in `spans` that now run."""
        ...

    def text(self, session: Session) -> str:
        """The session with its marks, as a recording (what `save` writes)."""
        ...

    def chapters(self) -> list[Mark]:
        ...


BIG_SCRIPT = 5000  # lines; a longer script keeps micro-step history for its end only
HISTORY_TAIL = 200  # commands of a big script run with history (and invariant checks)


class LoadError(Exception):
    """A script that cannot be opened or run; str() is one line."""


@dataclass
class Submitted:
    """What a command typed at the command line did."""

    record: CommandRecord | None
    violation: str | None = None
    forked: Branch | None = None  # typed in the past: the future it replaced, kept


class Session:
    """A machine with its timeline, as the explorer moves through it."""

    def __init__(self, machine: Machine, source: str) -> None:
        self.machine = machine
        self.source = source
        self.violation: str | None = None  # the engine broke an invariant: shown loudly
        self.typed = 0  # lines entered at the command line, for error locations
        # History never loses work: a future replaced by a command typed in the past is
        # kept here, relative to the current line (newest last); discarding is undoable.
        self.branches: list[Branch] = []
        self.discarded: list[tuple[int, Branch]] = []
        self.marks: MarkKeeper | None = None
        # The script's comments and blank lines, until a MarkKeeper takes them in.
        self.comments: list[Mark] = []
        self._lines: dict[int, tuple[CommandRecord, str]] = {}  # id -> (record, its line)
        self._typing: list[str] = []  # the lines of a `together` block being typed

    # -- loading -----------------------------------------------------------------------
    @classmethod
    def from_text(cls, text: str, where: str,
                  progress: Callable[[int, int], None] | None = None) -> Session:
        """Run a whole script. ScriptError propagates; an engine invariant violation stops
        the load where it happened and is kept for the banner.

        A script longer than BIG_SCRIPT lines opens in seconds, not tens of seconds: all
        but its last HISTORY_TAIL commands run in the engine's fast mode (no undo log, no
        per-step checks), then history starts; the explorer steps through that tail.
        `progress(lines done, lines)` is called every 1,000 lines."""
        lines = text.splitlines()
        big = len(lines) > BIG_SCRIPT
        machine = Machine(history=False, check=False, books=True) if big else Machine()
        session = cls(machine, where)
        tail_from = _tail_start(lines, HISTORY_TAIL) if big else 0
        last: CommandRecord | None = None
        block: list[str] = []  # a `together` block's lines so far: one command's
        for number, raw in enumerate(lines, start=1):
            if number == tail_from:
                machine.start_history()
            if progress is not None and number % 1000 == 0:
                progress(number, len(lines))
            try:
                record = machine.run_line(raw, where, number)
            except InvariantViolation as err:
                session.violation = f"{where}:{number}: {err}"
                break
            if machine.block is not None:
                block.append(raw)
            elif record is not None:
                session.keep_line(record, "\n".join([*block, raw]))
                block, last = [], record
            elif last is not None and number < tail_from:
                # a fast prelude has no micro-steps to place a comment at: it stays with
                # the line of the command above it (never re-run, never cut into a branch)
                session.keep_line(last, f"{session.line_of(last)}\n{raw}")
            else:
                session.comments.append(Mark(machine.cursor, COMMENT, raw))
        machine.finish(where)  # a `together` left open is an error at its line
        machine.start_history()  # (a no-op unless the tail was empty)
        return session

    @classmethod
    def from_file(cls, path: str, progress: Callable[[int, int], None] | None = None) -> Session:
        text = read_script(path)
        try:
            return cls.from_text(text, path, progress)
        except ScriptError as exc:
            raise LoadError(str(exc)) from None

    # -- the lines as written -------------------------------------------------------------
    def keep_line(self, record: CommandRecord, text: str) -> None:
        """`record` ran from `text`: save writes the line as it was written."""
        self._lines[id(record)] = (record, text)  # the record kept: its id stays its own

    def line_of(self, record: CommandRecord) -> str:
        kept = self._lines.get(id(record))
        if kept is not None and kept[0] is record:
            return kept[1]
        if record.parts or self.machine.live is not None:  # a block chosen by hand: its
            from tui.hand import script_of  # lines, the schedule chosen in its first

            return script_of(self.machine, record)
        return record.command.text

    def spans(self, records: Sequence[CommandRecord] | None = None) -> list[Span]:
        """(line as written, first micro-step, end) of each command of the current line."""
        return [(self.line_of(c), c.first, c.end)
                for c in (self.machine.commands if records is None else records)]

    # -- where we are -------------------------------------------------------------------------
    @property
    def cursor(self) -> int:
        return self.machine.cursor

    @property
    def total(self) -> int:
        return len(self.machine.steps)

    @property
    def at_end(self) -> bool:
        return self.cursor >= self.total

    def world(self) -> World:
        return World(self.machine.state)

    def current(self) -> int | None:
        """Index of the command whose micro-step was applied last (None at the start;
        after a fast prelude, its last command)."""
        index = self.machine.command_index_at(self.cursor)
        if index is None and self.machine.prelude:
            return self.machine.prelude - 1
        return index

    def record(self, index: int | None) -> CommandRecord | None:
        commands = self.machine.commands
        return commands[index] if index is not None and 0 <= index < len(commands) else None

    def position(self) -> Position:
        index = self.current()
        rec = self.record(index)
        nxt = self.record(0 if index is None else index + 1)
        kernel = self.machine.state.sys["kernel"]
        if rec is None:
            return Position(None, len(self.machine.commands), 0, 0, "", None,
                            nxt.command.text if nxt else None, kernel)
        return Position(index, len(self.machine.commands), self.cursor - rec.first,
                        rec.end - rec.first, rec.command.text, rec.ret,
                        nxt.command.text if nxt else None, kernel, oops=rec.oops is not None)

    def highlight(self) -> Highlight:
        """What the micro-step just applied changed."""
        if self.cursor == 0:
            return present.NO_HIGHLIGHT
        changes = self.machine.steps[self.cursor - 1].changes
        return Highlight(frozenset(changed(changes)), field_swings(changes))

    def ghosts(self) -> tuple[frozenset[str], frozenset[str]]:
        """Memcgs freed and objcgs released by the current command so far: shown greyed
        until the command is over, then they leave the screen."""
        rec = self.record(self.current())
        if rec is None:
            return frozenset(), frozenset()
        world = self.world()
        memcgs, objcgs = set(), set()
        for step in self.machine.steps[rec.first:self.cursor]:
            for kind, name, fld in changed(step.changes):
                if fld != "state":
                    continue
                if kind == "memcg" and (world.memcg(name) or {}).get("state") == "freed":
                    memcgs.add(name)
                elif kind == "objcg" and (world.objcg(name) or {}).get("state") == "released":
                    objcgs.add(name)
        return frozenset(memcgs), frozenset(objcgs)

    def touched_memcgs(self) -> frozenset[str]:
        """Memcgs the current command has changed so far, directly or through an objcg
        pointing at them: a folded tree opens down to them."""
        rec = self.record(self.current())
        if rec is None:
            return frozenset()
        world = self.world()
        out: set[str] = set()
        for step in self.machine.steps[rec.first:self.cursor]:
            for kind, name, _fld in changed(step.changes):
                if kind == "memcg":
                    out.add(name)
                elif kind == "objcg":
                    objcg = world.objcg(name)
                    if objcg is not None:
                        out.add(objcg["memcg"])
        return frozenset(out)

    def visible_warnings(self) -> list[str]:
        """The current command's WARNs, once the cursor has passed the step that printed each."""
        rec = self.record(self.current())
        if rec is None:
            return []
        return [warning for warning, at in zip(rec.warnings, rec.warned_at) if self.cursor > at]

    def command_cpu(self) -> int | None:
        rec = self.record(self.current())
        cpu = rec.command.opts.get("cpu") if rec else None
        return int(cpu) if cpu is not None and cpu.isdigit() else None

    # -- moving --------------------------------------------------------------------------------
    def step(self) -> Step | None:
        return self.machine.step()

    def back(self) -> Step | None:
        return self.machine.back()

    def goto(self, target: int) -> None:
        self.machine.goto(target)

    def _bounds(self) -> list[int]:
        return [0] + [c.end for c in self.machine.commands]

    def next_command(self) -> None:
        """To the end of the current command, or of the next one if already there."""
        bounds = self._bounds()
        i = bisect.bisect_right(bounds, self.cursor)
        self.goto(bounds[i] if i < len(bounds) else self.total)

    def prev_command(self) -> None:
        """To the start of the current command, or of the previous one if already there."""
        bounds = self._bounds()
        i = bisect.bisect_left(bounds, self.cursor)
        self.goto(bounds[i - 1] if i > 0 else 0)

    # -- changing history ----------------------------------------------------------------------
    def submit(self, text: str) -> Submitted:
        """Run one script line typed by the learner. ScriptError propagates (nothing was
        applied); an invariant violation is caught and kept for the banner. Typed while
        stepped back, it starts a new branch: the future it replaces is kept in
        `branches`."""
        from tui import hand  # (at first use: not needed for the explorer's first frame)

        self.typed += 1
        hand.settle(self.machine)  # a block stepped by hand, the cursor before it: it ends
        if self.machine.block is None:
            self._typing = []  # (a block refused at its end left its lines here)
        keep = self._kept() if not self.at_end else len(self.machine.commands)
        future = self.machine.commands[keep:]
        try:
            record = hand.run_line(self.machine, text, COMMAND_LINE, self.typed)
        except InvariantViolation as err:
            self.violation = f"{COMMAND_LINE}:{self.typed}: {err}"
            return Submitted(None, self.violation, self._forked(keep, future))
        if self.machine.block is not None:  # a `together` block's line: kept for its end
            self._typing.append(text.strip())
        elif record is not None:
            self.keep_line(record, "\n".join([*self._typing, text.strip()]))
            self._typing = []
        return Submitted(record, None, self._forked(keep, future))

    def _kept(self) -> int:
        """Commands a line typed now keeps: the current one runs to its end first."""
        index = self.current()
        return max(self.machine.prelude, 0 if index is None else index + 1)

    def _forked(self, keep: int, future: list[CommandRecord]) -> Branch | None:
        """If the commands in `future` were dropped, keep them as a branch."""
        if not future or (len(self.machine.commands) > keep
                          and self.machine.commands[keep] is future[0]):
            return None
        return self._save_branch(keep, self.spans(future))

    def _save_branch(self, keep: int, spans: Sequence[Span]) -> Branch:
        bound = spans[0][1]
        marks = self.marks.cut(bound, spans) if self.marks is not None else ()
        saved = Branch(keep, tuple(text for text, _f, _e in spans), marks)
        # Branches forking inside the future just left now fork where it does.
        self.branches = [_rebase(b, saved) if b.fork > keep else b for b in self.branches]
        self.discarded = [(i, _rebase(b, saved) if b.fork > keep else b) for i, b in self.discarded]
        self.branches.append(saved)
        return saved

    # -- branches ----------------------------------------------------------------------------
    def switch(self, number: int) -> str:
        """Make branch `number` (1-based) the current line; the future it replaces becomes
        a branch. The cursor goes to the fork point. Returns a one-line message."""
        if not 1 <= number <= len(self.branches):
            return self.no_branch(number)
        from tui import hand

        hand.settle(self.machine, fully=True)  # a block stepped by hand ends first
        branch = self.branches.pop(number - 1)
        keep = min(branch.fork, len(self.machine.commands))
        future = self.machine.commands[keep:]
        bound = future[0].first if future else (self.machine.commands[keep - 1].end if keep else 0)
        self.machine.truncate(keep)
        saved = self._save_branch(keep, self.spans(future)) if future else None
        ran: list[Span] = []
        for text in branch.lines:
            self.typed += 1
            try:
                rec = None
                for line in text.split("\n"):  # a `together` block: all its lines
                    rec = self.machine.run_line(line, BRANCH, self.typed) or rec
            except (ScriptError, InvariantViolation) as err:  # it ran once: never expected
                self.violation = f"{BRANCH}: '{text}' no longer runs: {err}"
                break
            if rec is not None:
                self.keep_line(rec, text)
                ran.append((text, rec.first, rec.end))
        if self.marks is not None:
            self.marks.paste(branch.marks, ran)
        self.goto(bound)
        kept = f"; the future you left is branch {len(self.branches)}" if saved else ""
        return (f"switched to the branch {branch.describe()}: {len(ran)} command(s) ahead{kept} "
                "(y switches back)")

    def discard(self, number: int) -> str:
        if not 1 <= number <= len(self.branches):
            return self.no_branch(number)
        branch = self.branches.pop(number - 1)
        self.discarded.append((number - 1, branch))
        return f"discarded branch {number} ({branch.describe()}); 'undiscard' brings it back"

    def undiscard(self) -> str:
        if not self.discarded:
            return "nothing discarded"
        index, branch = self.discarded.pop()
        if branch.fork > len(self.machine.commands):
            branch = Branch(len(self.machine.commands), branch.lines, branch.marks)
        self.branches.insert(min(index, len(self.branches)), branch)
        return f"branch {min(index, len(self.branches) - 1) + 1} is back ({branch.describe()})"

    def branch_list(self) -> str:
        if not self.branches:
            return "no other branches: a command typed while stepped back makes one"
        return "  ".join(f"{n}: {b.describe()}" for n, b in enumerate(self.branches, start=1))

    def no_branch(self, number: int) -> str:
        if not self.branches:
            return "no other branches: a command typed while stepped back makes one"
        return f"no branch {number} (there are {len(self.branches)}: 'branches' lists them)"

    def script_text(self) -> str:
        """The session so far as a recording, with its marks (chapters, pauses, notes,
        title), branches, and the comments and lines as the script had them:
        `objcg-lab run`, `explore` and `replay` all take it."""
        if self.marks is not None:
            return self.marks.text(self)
        from engine.recording import render

        return render(self.spans(), self.comments, source=self.source, branches=self.branches)

    def save(self, path: str, force: bool = False) -> str:
        """Write the session (an existing file only with force); returns a one-line
        result, raises LoadError on failure."""
        from tui.outfiles import OutputError, write_file

        try:
            write_file(path, self.script_text(), replace=force)
        except OutputError as err:
            raise LoadError(str(err).replace("pass --force", "save FILE --force")) from None
        chapters = len(self.marks.chapters()) if self.marks is not None else 0
        more = "".join(f", {n} {one if n == 1 else many}" for n, one, many in (
            (chapters, "chapter", "chapters"), (len(self.branches), "branch", "branches")) if n)
        return f"saved {len(self.machine.commands)} commands{more} to {path}"


def _rebase(branch: Branch, onto: Branch) -> Branch:
    """`branch` forked inside `onto`'s commands: the same future, from `onto`'s fork."""
    shared = branch.fork - onto.fork
    marks = tuple((index + shared, step, mark) for index, step, mark in branch.marks)
    return Branch(onto.fork, onto.lines[:shared] + branch.lines, marks)


def read_script(path: str) -> str:
    """The script's text, read as `objcg-lab run` reads it; a LoadError of one line."""
    from engine.headless import error_line, read_script as read_text

    try:
        return read_text(path)
    except ScriptError as exc:
        raise LoadError(error_line(path, exc)) from None


def _tail_start(lines: list[str], commands: int) -> int:
    """The line number where the last `commands` command lines begin."""
    seen = 0
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index].split("#", 1)[0].strip()
        if text:
            seen += 1
            if seen == commands:
                return index + 1
    return 1
