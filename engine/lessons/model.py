"""The lesson as data: typed steps, and the problems a teacher is told about.

Everything here is frozen: the loader builds it once from a TOML file, the player and
the checker only read it. Every element remembers its line in the file so that a
problem found later (a command that fails, a field that does not exist) can still be
reported as FILE:LINE.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

# The widgets an explain step may point at. The TUI maps each to one of its views.
WIDGETS = ("memcg_tree", "objcgs", "stocks", "trail", "tasks", "objects", "command_line")

Value = Union[int, bool, str, None, list]  # a field's value as the JSON state has it


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lesson file, located for the teacher."""

    file: str
    line: int
    where: str  # e.g. "step 3 (predict), field" or "title"
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: error: {self.where}: {self.message}"


@dataclass(frozen=True)
class Commands:
    """Script lines with their line numbers in the lesson file."""

    lines: tuple[tuple[int, str], ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.lines)

    def __bool__(self) -> bool:
        return any(text.strip() and not text.strip().startswith("#") for _, text in self.lines)


@dataclass(frozen=True)
class Explain:
    kind: Literal["explain"]
    line: int
    text: str
    widget: str | None = None
    field: str | None = None
    field_line: int = 0
    restart: Commands = Commands()  # a fresh machine runs these before the step
    hides: tuple[str, ...] = ()  # fields drawn as '?' from this step until asked
    hides_line: int = 0


@dataclass(frozen=True)
class Run:
    kind: Literal["run"]
    line: int
    commands: Commands
    text: str | None = None
    mode: Literal["whole", "steps"] = "whole"
    hides: tuple[str, ...] = ()
    hides_line: int = 0


@dataclass(frozen=True)
class Predict:
    kind: Literal["predict"]
    line: int
    question: str
    field: str
    answer: Value
    explanation: str
    commands: Commands = Commands()
    unit: str | None = None
    answer_line: int = 0
    field_line: int = 0
    hides: tuple[str, ...] = ()
    hides_line: int = 0


@dataclass(frozen=True)
class Expect:
    """One field a goal compares, with the value it must reach (or, in a hint's
    condition, a test: `op` "not", "below" or "above" the value)."""

    field: str
    value: Value
    line: int
    op: Literal["=", "not", "below", "above"] = "="


@dataclass(frozen=True)
class Hint:
    """One hint of a goal; with `when`, given only while every named field has its value
    (so that no hint asks for something that has no effect from where the learner is)."""

    text: str
    when: tuple[Expect, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Goal:
    kind: Literal["goal"]
    line: int
    text: str
    expect: tuple[Expect, ...]
    solution: Commands
    hints: tuple[Hint, ...] = ()
    hides: tuple[str, ...] = ()
    hides_line: int = 0


Step = Union[Explain, Run, Predict, Goal]


@dataclass(frozen=True)
class Lesson:
    file: str  # the path it was loaded from, as given
    id: str  # the file name without .toml
    title: str
    teaches: str
    setup: Commands
    steps: tuple[Step, ...]
    minutes: int | None = None
    setup_line: int = 1
    kinds: tuple[str, ...] = ()  # each step's type as written ("?" if unknown)

    def where(self, index: int, key: str | None = None) -> str:
        """How a problem names a step: 'step 3 (predict)' or 'step 3 (predict), field'."""
        kind = self.kinds[index] if index < len(self.kinds) else self.steps[index].kind
        base = f"step {index + 1} ({kind})"
        return base if key is None else f"{base}, {key}"
