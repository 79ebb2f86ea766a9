"""When a prediction's figure is on screen, and when the player hides it.

A prediction without `commands` asks about the state on screen. Hiding its figure only
while the question is shown is not enough: the screen of the step before (a run step's
result, an earlier prediction's answered state) may already show the value. Its
*window* runs from the step during which the figure last took the value it has when
asked (the setup: the first step; a `restart`: that step itself) to the question:
`lesson check` draws every screen of the window (tui.lesson.visibility).

The player hides a prediction's figure while its question is shown, and from any step
that declares `hides = ["FIELD", ...]` until the next prediction about that field is
answered (`masks_at`). A lesson either asks about the effect of commands not run yet
(`commands`), or hides the figure from the step where it takes its value.
Predictions with `commands` need neither: their answer is about a state that does not
exist until they are answered.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine import Machine, ScriptError
from engine.diff import changed_fields
from engine.lessons.check import read_field
from engine.lessons.mask import MaskKey, mask_for
from engine.lessons.model import Commands, Explain, Goal, Lesson, Predict, Run, Step
from engine.lessons.values import same


@dataclass(frozen=True)
class Window:
    """The steps whose screens must hide a prediction's figure."""

    predict: int  # the prediction's step index
    start: int  # the first step that can show the answered value
    field: str
    answer: Any  # the engine's value when the question is asked

    def covers(self, index: int, answered: bool) -> bool:
        """Is the figure hidden at step `index` (`answered`: that step's prediction is)?"""
        return self.start <= index < self.predict or (index == self.predict and not answered)


def canonical_commands(step: Step) -> Commands:
    """The commands a step contributes to the canonical path."""
    if isinstance(step, (Run, Predict)):
        return step.commands
    if isinstance(step, Goal):
        return step.solution
    return Commands()


def restarts(lesson: Lesson, index: int) -> bool:
    """Does step `index` start over on a fresh machine (an explain step's `restart`)?"""
    steps = lesson.steps
    return 0 <= index < len(steps) and isinstance(steps[index], Explain) and bool(steps[index].restart)  # type: ignore[union-attr]


@dataclass(frozen=True)
class Path:
    """The canonical path, step by step: the state each step starts from (after its
    `restart`), and what each step's commands changed, as (kind, name, field)."""

    states: list[dict[str, Any]]
    changed: list[set[tuple[str, str, str]]]


def canonical_path(lesson: Lesson) -> Path:
    """Lines that fail are skipped (`lesson check` reports them)."""
    machine = Machine(history=True, check=False)
    _run(machine, lesson.setup, lesson.file)
    states, changed = [], []
    for index, step in enumerate(lesson.steps):
        if restarts(lesson, index):
            machine = Machine(history=True, check=False)
            _run(machine, step.restart, lesson.file)  # type: ignore[union-attr]
        states.append(machine.snapshot())
        first = len(machine.steps)
        _run(machine, canonical_commands(step), lesson.file)
        changed.append(set().union(*(changed_fields(s.changes) for s in machine.steps[first:])))
    return Path(states, changed)


def touches(changed: set[tuple[str, str, str]], field: str) -> bool:
    """Did these changes write the figure (or create or drop its record)?"""
    keys = mask_for(field)
    records = {(kind, name) for kind, name, _ in keys}
    return any(key in keys or (key[2] == "*" and key[:2] in records) for key in changed)


def machine_before(lesson: Lesson, index: int) -> Machine:
    """A machine with history in the canonical state before step `index` (from the
    setup, or from the last `restart` at or before it)."""
    start = max((i for i in range(index + 1) if restarts(lesson, i)), default=-1)
    machine = Machine(history=True, check=False)
    _run(machine, lesson.steps[start].restart if start >= 0 else lesson.setup, lesson.file)  # type: ignore[union-attr]
    for step in lesson.steps[max(start, 0):index]:
        _run(machine, canonical_commands(step), lesson.file)
    return machine


def _run(machine: Machine, commands: Commands, where: str) -> None:
    for line, text in commands.lines:
        try:
            machine.run_line(text, where, line)
        except ScriptError:
            pass


def windows(lesson: Lesson, path: Path | None = None) -> list[Window]:
    """One window per prediction without commands whose figure exists when asked: it
    starts at the last earlier step whose commands wrote the figure (or that started
    with another value), else at the setup or the last `restart`."""
    path = canonical_path(lesson) if path is None else path
    out = []
    for index, step in enumerate(lesson.steps):
        if not isinstance(step, Predict) or step.commands:
            continue
        answer, error = read_field(path.states[index], step.field)
        if error:
            continue
        start = index
        while start > 0 and not restarts(lesson, start):
            before, error = read_field(path.states[start - 1], step.field)
            if error or not same_value(before, answer) or touches(path.changed[start - 1], step.field):
                start -= 1  # the figure took its value during that step
                break
            start -= 1
        out.append(Window(index, start, step.field, answer))
    return out


def same_value(a: Any, b: Any) -> bool:
    """Equal as engine values (both come from the state, so no name shortcuts apply)."""
    return type(a) is type(b) and a == b if not isinstance(a, list) else same(a, b)


@dataclass(frozen=True)
class Hidden:
    """A field the lesson hides from step `start` until step `until` is answered."""

    start: int
    until: int | None  # the prediction that asks it (None: none does, an error)
    field: str

    def covers(self, index: int, answered: bool) -> bool:
        until = self.start if self.until is None else self.until
        return self.start <= index < until or (index == until and not answered)


def declared(lesson: Lesson) -> list[Hidden]:
    """Every `hides` entry, with the prediction that ends it: the first prediction
    without commands about that field, at or after the declaring step."""
    out = []
    for index, step in enumerate(lesson.steps):
        for field in step.hides:
            until = next((j for j in range(index, len(lesson.steps))
                          if isinstance(s := lesson.steps[j], Predict) and not s.commands
                          and s.field == field), None)
            out.append(Hidden(index, until, field))
    return out


def masks_at(lesson: Lesson, hidden: list[Hidden], index: int, answered: bool) -> frozenset[MaskKey]:
    """Every figure hidden at step `index`: its own prediction's until answered, and
    those a step declared hidden until a later prediction asks them."""
    keys: set[MaskKey] = set()
    step = lesson.steps[index] if index < len(lesson.steps) else None
    if isinstance(step, Predict) and not step.commands and not answered:
        keys |= mask_for(step.field)
    for entry in hidden:
        if entry.until is not None and entry.covers(index, answered):
            keys |= mask_for(entry.field)
    return frozenset(keys)
