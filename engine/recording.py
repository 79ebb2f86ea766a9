"""Recordings: a session as a plain-text scenario script with directives in comments.

A recording is a valid `.objcg` script (so `objcg-lab run FILE` replays its commands)
whose extra meaning lives in comment lines that start with `#@`:

    # objcg-lab recording v1          the first line: what this file is
    #@ title TEXT                     optional: the handout's title
    #@ chapter [step=M] TITLE         a chapter starts here (a note typed in the explorer)
    #@ note TEXT                      a paragraph for the chapter above (or the intro)
    #@ pause [step=M]                 the teacher paused here: replay's play stops here
    #@ branch                         an abandoned future forks here (see below)
    #@ | LINE                         one line of that branch: a command or a directive
    #@ end                            written last: without it the file was cut short

A directive's position is the end of the command line above it, or with `step=M` its
M-th micro-step (0 = just before it); before the first command it is the start. Only
this module knows the format; it has no UI and no I/O.

Nothing of a file is lost by reading and writing it again: plain `#` comments and blank
lines are kept as marks of kind "comment" (placed like a directive: at the end of the
command above, or at the point of the directive right below them), those above the first
directive or command as the file's head, and each command line as it was written (its
spacing and its own `# ...` comment). So render(load(text)) is text for any file render
wrote, and for hand-written ones whose comments do not stand between the title and the
introduction's notes.

Branches: a command typed while stepped back starts a new future; the one it replaced
is kept as a branch. The file's own command lines are the current line of history (what
`objcg-lab run` runs); each abandoned future is a `#@ branch` block placed where it
forks (after the command above it), its lines prefixed `#@ | `: the commands that
followed there, with their own chapter, pause and note directives (step=M counts in
the branch command above). The explorer re-runs a branch's commands to switch to it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

from engine.invariants import InvariantViolation
from engine.machine import Machine
from engine.script import ScriptError, parse_line, strip_comment

HEADER = "# objcg-lab recording v1"
_HEADER = re.compile(r"^#\s*objcg-lab recording v(\S+)\s*$")
_STEP = re.compile(r"^step=(\d+)$")
KINDS = ("chapter", "pause")
COMMENT = "comment"  # a plain line kept as written: a Mark whose title is the line


BRANCH_LINE = "#@ |"


class RecordingError(Exception):
    """A problem in a recording; str() is one line, `FILE:LINE: error: ...`."""


@dataclass(frozen=True)
class Mark:
    """A point of the timeline the teacher marked: a chapter or a pause."""

    cursor: int  # micro-steps applied at that point (0 .. len(machine.steps))
    kind: str  # "chapter" | "pause" | "comment"
    title: str = ""  # a comment's: the whole line
    notes: tuple[str, ...] = ()
    line: int = 0  # where it was read (0 when made in the explorer)


BranchMark = tuple[int, "int | None", Mark]
"""A mark in a branch: (index of the branch command it follows, step in it or None for
its end, the mark; its cursor is meaningless until the branch is switched to)."""


@dataclass(frozen=True)
class Branch:
    """An abandoned future: the command lines that followed a fork point."""

    fork: int  # commands of the current line it shares (0: it forks at the start)
    lines: tuple[str, ...]  # as written (with a command's own `# ...` comment)
    marks: tuple[BranchMark, ...] = ()
    line: int = 0  # where its `#@ branch` was read (0 when made in the explorer)

    def commands(self) -> list[str]:
        """Its command lines without their comments."""
        return [" ".join(strip_comment(line)) for line in self.lines]

    def describe(self) -> str:
        first = self.commands()[0] if self.lines else ""
        more = f" + {len(self.lines) - 1} more" if len(self.lines) > 1 else ""
        return f"after command {self.fork}: {first}{more}"


@dataclass
class Loaded:
    """What a recording replays to: the valid part, and the first problem if any."""

    machine: Machine
    marks: list[Mark]
    title: str = ""
    intro: tuple[str, ...] = ()
    branches: list[Branch] = field(default_factory=list)  # abandoned futures, in file order
    lines: list[str] = field(default_factory=list)  # each command's line as written
    head: tuple[str, ...] = ()  # the plain lines under the header, above anything else
    problem: str | None = None  # one line; None when the whole file was valid and complete
    fatal: bool = False  # not a recording at all: nothing to replay
    violation: str | None = None  # the engine broke an invariant while replaying

    def chapters(self) -> list[Mark]:
        return [m for m in self.marks if m.kind == "chapter"]


def is_recording(text: str) -> bool:
    """Whether `text` starts (after blank lines) with a recording's header line."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    return _HEADER.match(first.strip()) is not None


@dataclass
class _Reader:
    where: str
    machine: Machine
    marks: list[Mark] = field(default_factory=list)
    title: str = ""
    intro: list[str] = field(default_factory=list)
    branches: list[Branch] = field(default_factory=list)
    open_branch: int | None = None  # the line of a `#@ branch` whose `#@ |` lines follow
    lines: list[str] = field(default_factory=list)
    head: list[str] = field(default_factory=list)
    in_head: bool = True  # nothing but plain lines read yet
    pending: list[tuple[int, str]] = field(default_factory=list)  # comments to place

    def comment(self, line: int, raw: str) -> None:
        if self.in_head:
            self.head.append(raw)
        else:
            self.pending.append((line, raw))

    def placed(self, cursor: int | None = None) -> None:
        """Something other than a comment comes next: the waiting comments stand at
        `cursor` (the directive's below them) or at the end of the command above."""
        self.in_head = False
        if self.pending:
            at = self.position(0, None) if cursor is None else cursor
            self.marks += [Mark(at, COMMENT, raw, (), line) for line, raw in self.pending]
            self.pending = []

    def error(self, line: int, message: str) -> RecordingError:
        return RecordingError(f"{self.where}:{line}: error: {message}")

    def position(self, line: int, step: int | None) -> int:
        commands = self.machine.commands
        if not commands:
            if step:
                raise self.error(line, f"step={step} before the first command (only step=0)")
            return 0
        last = commands[-1]
        if step is None:
            return last.end
        if step > last.end - last.first:
            raise self.error(line, f"step={step} is past the end of '{last.command.text}' "
                                   f"({last.end - last.first} micro-steps)")
        return last.first + step

    def directive(self, line: int, body: str) -> None:
        word, _, rest = body.strip().partition(" ")
        rest = rest.strip()
        if word == "end":
            raise self.error(line, "'#@ end' takes nothing after it")
        if word not in KINDS:
            self.placed()
        if word == "title":
            self.title = rest
            return
        if word == "branch":
            if rest:
                raise self.error(line, f"'#@ branch' takes nothing after it, not '{rest}'")
            self.branches.append(Branch(len(self.machine.commands), (), line=line))
            self.open_branch = line
            return
        if word == "note":
            if not rest:
                raise self.error(line, "'#@ note' needs a text")
            if self.marks and any(m.kind == "chapter" for m in self.marks):
                i = max(i for i, m in enumerate(self.marks) if m.kind == "chapter")
                mark = self.marks[i]
                self.marks[i] = Mark(mark.cursor, mark.kind, mark.title, (*mark.notes, rest),
                                     mark.line)
            else:
                self.intro.append(rest)
            return
        if word not in KINDS:
            raise self.error(line, f"unknown directive '#@ {word}' (known: branch, chapter, "
                                   "note, pause, title, end)")
        step = None
        first, _, after = rest.partition(" ")
        if first.startswith("step="):  # a title may start with "Steps ..."
            match = _STEP.match(first)
            if not match:
                raise self.error(line, f"'{first}' is not a micro-step: write step=M with M a "
                                       "whole number from 0 (0 = before the command's first)")
            step, rest = int(match.group(1)), after.strip()
        if word == "chapter" and not rest:
            raise self.error(line, "'#@ chapter' needs a title")
        if word == "pause" and rest:
            raise self.error(line, f"'#@ pause' takes only step=M, not '{rest}'")
        cursor = self.position(line, step)
        self.placed(cursor)
        self.marks.append(Mark(cursor, word, rest, (), line))

    def branch_line(self, line: int, body: str) -> None:
        """One `#@ |` line: a command of the open branch, or a directive about it."""
        if self.open_branch is None or not self.branches:
            raise self.error(line, "a '#@ |' line outside a branch (it must follow '#@ branch' "
                                   "or another '#@ |' line)")
        branch = self.branches[-1]
        text = body.strip()
        if not text.startswith("#@"):
            if parse_line(body, line) is not None:  # syntax only: it runs when switched to
                self.branches[-1] = replace(branch, lines=(*branch.lines, text))
            else:  # a comment, after the branch command above (-1: before its first)
                comment = (len(branch.lines) - 1, None, Mark(0, COMMENT, text, (), line))
                self.branches[-1] = replace(branch, marks=(*branch.marks, comment))
            return
        word, _, rest = text[2:].strip().partition(" ")
        rest = rest.strip()
        if not branch.lines:
            raise self.error(line, f"'#@ {word}' in a branch before its first command")
        at = len(branch.lines) - 1
        if word == "note":
            if not rest:
                raise self.error(line, "'#@ note' needs a text")
            marks = list(branch.marks)
            for i in range(len(marks) - 1, -1, -1):
                index, step, mark = marks[i]
                if mark.kind == "chapter":
                    marks[i] = (index, step, Mark(0, "chapter", mark.title, (*mark.notes, rest), line))
                    break
            else:
                raise self.error(line, "'#@ note' in a branch before any chapter of it")
            self.branches[-1] = replace(branch, marks=tuple(marks))
            return
        if word not in KINDS:
            raise self.error(line, f"'#@ {word}' in a branch (known there: chapter, note, pause)")
        step = None
        first, _, after = rest.partition(" ")
        match = _STEP.match(first)
        if match:
            step, rest = int(match.group(1)), after.strip()
        if word == "chapter" and not rest:
            raise self.error(line, "'#@ chapter' needs a title")
        if word == "pause" and rest:
            raise self.error(line, f"'#@ pause' takes only step=M, not '{rest}'")
        mark = Mark(0, word, rest, (), line)
        self.branches[-1] = replace(branch, marks=(*branch.marks, (at, step, mark)))

    def close_branch(self) -> None:
        if self.open_branch is not None and self.branches and not self.branches[-1].lines:
            raise self.error(self.open_branch, "'#@ branch' with no '#@ |' command lines after it")
        self.open_branch = None


def load(text: str, where: str,
         machine_factory: Callable[[], Machine] = Machine) -> Loaded:
    """Replay a recording. Never raises for bad input: the first problem ends the valid
    part and is reported in `problem` (one line naming FILE:LINE)."""
    reader = _Reader(where, machine_factory())
    lines = text.split("\n")
    cut_mid_line = bool(lines) and lines[-1] != ""  # no final newline
    if not cut_mid_line:
        lines.pop()
    loaded = Loaded(reader.machine, reader.marks)
    header = next((i for i, raw in enumerate(lines) if raw.strip()), None)
    found = _HEADER.match(lines[header].strip()) if header is not None else None
    if found is None or header is None:
        at = (header or 0) + 1
        loaded.problem = (f"{where}:{at}: error: not an objcg-lab recording (it must start with "
                          f"'{HEADER}'); to open a script use 'objcg-lab explore FILE'")
        loaded.fatal = True
        return loaded
    if found.group(1) != "1":
        loaded.problem = (f"{where}:{header + 1}: error: recording format v{found.group(1)}; "
                          "this objcg-lab reads v1")
        loaded.fatal = True
        return loaded
    ended = False
    for number, raw in enumerate(lines[header + 1:], start=header + 2):
        last = number == len(lines)
        try:
            if ended:
                if raw.strip():
                    raise reader.error(number, "text after '#@ end' (the end of the recording)")
                continue
            stripped = raw.strip()
            if stripped.startswith(BRANCH_LINE):
                reader.branch_line(number, stripped[len(BRANCH_LINE):])
                continue
            reader.close_branch()
            if stripped.startswith("#@"):
                if stripped[2:].strip() == "end":
                    reader.placed()
                    ended = True
                    continue
                if last and cut_mid_line:
                    raise reader.error(number, "the last line has no end of line: the file was "
                                               "cut short; replaying what comes before it")
                reader.directive(number, stripped[2:])
                continue
            command = parse_line(raw, number)
            if command is None:
                reader.comment(number, raw)
                continue
            if last and cut_mid_line:
                raise reader.error(number, "the last line has no end of line: the file was cut "
                                           "short; replaying what comes before it")
            reader.placed()
            try:
                reader.machine.submit(command, where)
            except ScriptError as err:
                raise RecordingError(str(err)) from None
            reader.lines.append(raw)
        except ScriptError as err:
            loaded.problem = str(err.located(where, number))
            break
        except RecordingError as err:
            loaded.problem = str(err)
            break
        except InvariantViolation as err:
            loaded.violation = loaded.problem = f"{where}:{number}: {err}"
            break
    else:
        if not ended:
            loaded.problem = (f"{where}:{len(lines)}: error: no '#@ end' line: the recording "
                              "was cut short (add '#@ end' if it is complete)")
    loaded.head = tuple(reader.head)
    reader.placed()  # comments at the end of what was read
    loaded.title, loaded.intro = reader.title, tuple(reader.intro)
    loaded.branches = [b for b in reader.branches if b.lines]
    loaded.lines = reader.lines
    return loaded


def render(commands: Sequence[tuple[str, int, int]], marks: Sequence[Mark], *,
           source: str = "", title: str = "", intro: Sequence[str] = (),
           branches: Sequence[Branch] = (), head: Sequence[str] | None = None) -> str:
    """The text of a recording: `commands` are (line as written, first, end) in timeline
    order, marks are placed at their cursors (stable for marks at the same point),
    branches after the command they fork after. `head`: the plain lines under the header
    (None: a line on how to replay and one naming `source`). Deterministic."""
    out = [HEADER]
    if head is None:
        out.append("# Replay: objcg-lab replay FILE; headless: objcg-lab run FILE. "
                   "Directives: #@ lines.")
        if source:
            out.append(f"# Started from {_one_line(source)}")
    else:
        out += head
    if title:
        out.append(f"#@ title {_one_line(title)}")
    out += [f"#@ note {_one_line(text)}" for text in intro]
    placed: dict[tuple[int, int | None], list[Mark]] = {}
    for mark in sorted(marks, key=lambda m: m.cursor):
        placed.setdefault(_place(mark.cursor, commands), []).append(mark)
    forks: dict[int, list[Branch]] = {}
    for branch in branches:
        forks.setdefault(min(branch.fork, len(commands)), []).append(branch)
    out += _ends_text(placed.pop((-1, None), []), forks.get(0, []))
    for index, (text, _first, _end) in enumerate(commands):
        out.append(text)
        here = sorted((k[1], v) for k, v in placed.items() if k[0] == index and k[1] is not None)
        for step, group in here:
            out += _marks_text(group, step)
        out += _ends_text(placed.get((index, None), []), forks.get(index + 1, []))
    out.append("#@ end")
    return "\n".join(out) + "\n"


def _ends_text(marks: list[Mark], branches: list[Branch]) -> list[str]:
    """The marks at the end of a command and the branches forking there: the branches
    after the marks, except marks read from below them in the file."""
    below = min((b.line for b in branches), default=0)
    after = [m for m in marks if below and m.line > below]
    before = [m for m in marks if not (below and m.line > below)]
    return _marks_text(before, None) + _branches_text(branches) + _marks_text(after, None)


def _branches_text(branches: list[Branch]) -> list[str]:
    out = []
    for branch in branches:
        out.append("#@ branch")
        for index in range(-1, len(branch.lines)):  # -1: comments before its first command
            if index >= 0:
                out.append(f"{BRANCH_LINE} {branch.lines[index]}")
            ordered = sorted((m for m in branch.marks if m[0] == index),
                             key=lambda m: (m[1] is None, m[1] or 0))
            for _i, step, mark in ordered:
                out += [f"{BRANCH_LINE} {line}" for line in _marks_text([mark], step)]
    return out


def _place(cursor: int, commands: Sequence[tuple[str, int, int]]) -> tuple[int, int | None]:
    """(command index, step, or None for its end); (-1, None) for the start."""
    if cursor <= 0 or not commands:
        return (-1, None)
    for index, (_text, first, end) in enumerate(commands):
        if first < cursor <= end:
            return (index, None if cursor == end else cursor - first)
    return (len(commands) - 1, None)  # past the end: clamp (the explorer never makes one)


def _marks_text(marks: list[Mark], step: int | None) -> list[str]:
    out = []
    at = f" step={step}" if step is not None else ""
    for mark in marks:
        if mark.kind == COMMENT:
            out.append(mark.title)
            continue
        title = f" {_one_line(mark.title)}" if mark.kind == "chapter" else ""
        out.append(f"#@ {mark.kind}{at}{title}")
        out += [f"#@ note {_one_line(note)}" for note in mark.notes]
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())
