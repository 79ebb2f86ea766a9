"""Recordings: a session as a plain-text scenario script with directives in comments.

A recording is a valid `.objcg` script (so `objcg-lab run FILE` replays its commands)
whose extra meaning lives in comment lines that start with `#@`:

    # objcg-lab recording v1          the first line: what this file is
    #@ title TEXT                     optional: the handout's title
    #@ chapter [step=M] TITLE         a chapter starts here (a note typed in the explorer)
    #@ note TEXT                      a paragraph for the chapter above (or the intro)
    #@ pause [step=M]                 the teacher paused here: replay's play stops here
    #@ end                            written last: without it the file was cut short

A directive's position is the end of the command line above it, or with `step=M` its
M-th micro-step (0 = just before it); before the first command it is the start. Plain
`#` comments are ignored. Only this module knows the format; it has no UI and no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from engine.invariants import InvariantViolation
from engine.machine import Machine
from engine.script import ScriptError, parse_line

HEADER = "# objcg-lab recording v1"
_HEADER = re.compile(r"^#\s*objcg-lab recording v(\S+)\s*$")
_STEP = re.compile(r"^step=(\d+)$")
KINDS = ("chapter", "pause")


class RecordingError(Exception):
    """A problem in a recording; str() is one line, `FILE:LINE: error: ...`."""


@dataclass(frozen=True)
class Mark:
    """A point of the timeline the teacher marked: a chapter or a pause."""

    cursor: int  # micro-steps applied at that point (0 .. len(machine.steps))
    kind: str  # "chapter" | "pause"
    title: str = ""
    notes: tuple[str, ...] = ()
    line: int = 0  # where it was read (0 when made in the explorer)


@dataclass
class Loaded:
    """What a recording replays to: the valid part, and the first problem if any."""

    machine: Machine
    marks: list[Mark]
    title: str = ""
    intro: tuple[str, ...] = ()
    problem: str | None = None  # one line; None when the whole file was valid and complete
    fatal: bool = False  # not a recording at all: nothing to replay
    violation: str | None = None  # the engine broke an invariant while replaying

    def chapters(self) -> list[Mark]:
        return [m for m in self.marks if m.kind == "chapter"]


@dataclass
class _Reader:
    where: str
    machine: Machine
    marks: list[Mark] = field(default_factory=list)
    title: str = ""
    intro: list[str] = field(default_factory=list)

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
        if word == "title":
            self.title = rest
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
            raise self.error(line, f"unknown directive '#@ {word}' (known: chapter, note, "
                                   "pause, title, end)")
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
        self.marks.append(Mark(self.position(line, step), word, rest, (), line))


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
            if stripped.startswith("#@"):
                if stripped[2:].strip() == "end":
                    ended = True
                    continue
                if last and cut_mid_line:
                    raise reader.error(number, "the last line has no end of line: the file was "
                                               "cut short; replaying what comes before it")
                reader.directive(number, stripped[2:])
                continue
            command = parse_line(raw, number)
            if command is None:
                continue
            if last and cut_mid_line:
                raise reader.error(number, "the last line has no end of line: the file was cut "
                                           "short; replaying what comes before it")
            try:
                reader.machine.submit(command, where)
            except ScriptError as err:
                raise RecordingError(str(err)) from None
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
    loaded.title, loaded.intro = reader.title, tuple(reader.intro)
    return loaded


def render(commands: Sequence[tuple[str, int, int]], marks: Sequence[Mark], *,
           source: str = "", title: str = "", intro: Sequence[str] = ()) -> str:
    """The text of a recording: `commands` are (text, first, end) in timeline order, marks
    are placed at their cursors (stable for marks at the same point). Deterministic."""
    out = [HEADER,
           "# Replay: objcg-lab replay FILE; headless: objcg-lab run FILE. Directives: #@ lines."]
    if source:
        out.append(f"# Started from {_one_line(source)}")
    if title:
        out.append(f"#@ title {_one_line(title)}")
    out += [f"#@ note {_one_line(text)}" for text in intro]
    placed: dict[tuple[int, int | None], list[Mark]] = {}
    for mark in sorted(marks, key=lambda m: m.cursor):
        placed.setdefault(_place(mark.cursor, commands), []).append(mark)
    out += _marks_text(placed.pop((-1, None), []), None)
    for index, (text, _first, _end) in enumerate(commands):
        out.append(text)
        here = sorted((k[1], v) for k, v in placed.items() if k[0] == index and k[1] is not None)
        for step, group in here:
            out += _marks_text(group, step)
        out += _marks_text(placed.get((index, None), []), None)
    out.append("#@ end")
    return "\n".join(out) + "\n"


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
        title = f" {_one_line(mark.title)}" if mark.kind == "chapter" else ""
        out.append(f"#@ {mark.kind}{at}{title}")
        out += [f"#@ note {_one_line(note)}" for note in mark.notes]
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())
