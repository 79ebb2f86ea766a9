"""The lesson player's logic, without a screen: where the learner is, what they typed,
and whether it was right. The TUI drives this object and draws its machine.

Every step starts from the *canonical* state (setup plus the canonical commands of all
earlier steps: run commands, predict commands, goal solutions), so the numbers a
predict step asks about are the ones in the answer key even when the learner explored
freely during an earlier goal. Machines are deterministic, so rebuilding a state is
just replaying its commands.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine import CommandRecord, Machine
from engine.lessons.check import FieldCheck, compare, read_field, when_checks
from engine.lessons.mask import MaskKey
from engine.lessons.model import Commands, Goal, Lesson, Predict, Run, Step
from engine.lessons.reveal import canonical_commands as canonical
from engine.lessons.reveal import declared, masks_at, restarts
from engine.lessons.values import parse_typed, same


class LessonError(Exception):
    """The lesson's own commands failed: run `objcg-lab lesson check` on it."""


@dataclass(frozen=True)
class PredictResult:
    correct: bool
    typed: Any  # what the learner's text was read as
    actual: Any  # the engine's value
    explanation: str  # shown when wrong


@dataclass(frozen=True)
class GoalStatus:
    checks: tuple[FieldCheck, ...]

    @property
    def reached(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def differing(self) -> tuple[FieldCheck, ...]:
        """The fields that still differ: what the TUI shows next to the goal."""
        return tuple(c for c in self.checks if not c.ok)


class Player:
    """A learner's walk through one lesson."""

    def __init__(self, lesson: Lesson, *, history: bool = True) -> None:
        self.lesson = lesson
        self.history = history
        self.index = 0
        self.finished: set[int] = set()  # steps done (run, answered, reached)
        self.records: list[CommandRecord] = []  # of the current step
        self.given: list[int] = []  # indices of the current goal's hints given so far
        self.hidden = declared(lesson)  # figures hidden from a step until asked
        self.machine = self._build(0)

    # -- where we are ------------------------------------------------------------------
    @property
    def step(self) -> Step | None:
        return self.lesson.steps[self.index] if self.index < len(self.lesson.steps) else None

    @property
    def at_end(self) -> bool:
        return self.index >= len(self.lesson.steps)

    def state(self) -> dict[str, Any]:
        return self.machine.snapshot()

    def end_state(self) -> dict[str, Any]:
        """The state at the end of history, wherever the explorer's cursor replays: what
        a goal and its hints are about."""
        machine = self.machine
        if not self.history or machine.cursor == len(machine.steps):
            return machine.snapshot()
        at = machine.cursor
        machine.goto(len(machine.steps))
        try:
            return machine.snapshot()
        finally:
            machine.goto(at)

    def masks(self, answered: bool = False) -> frozenset[MaskKey]:
        """The figures the screen hides at this step (engine.lessons.reveal): this step's
        prediction until `answered`, and later predictions' already on screen."""
        return masks_at(self.lesson, self.hidden, self.index, answered)

    # -- moving --------------------------------------------------------------------------
    def next(self) -> bool:
        """Leave the current step (completing it canonically) and enter the next one.

        Past a goal the lesson goes on from the canonical state. When the learner's own
        commands led exactly there, their machine is kept, so what they typed stays in
        the timeline to step back through; returns whether it was."""
        if self.at_end:
            return False
        step = self.step
        kept = False
        if isinstance(step, Goal):  # reached or skipped: continue from the canonical state
            canonical_machine = self._build(self.index + 1)
            self.machine.goto(len(self.machine.steps))  # the end of what the learner did
            kept = self.machine.snapshot() == canonical_machine.snapshot()
            if not kept:
                self.machine = canonical_machine
        elif isinstance(step, (Run, Predict)) and not self._ran:
            self._run(canonical(step))
        if restarts(self.lesson, self.index + 1):
            self.machine, kept = self._build(self.index + 1), False
        self._enter(self.index + 1)
        return kept

    def back(self) -> None:
        if self.index > 0:
            self.goto(self.index - 1)

    def goto(self, index: int) -> None:
        """Jump to a step, at the canonical state before it."""
        index = max(0, min(index, len(self.lesson.steps)))
        self.machine = self._build(index)
        self._enter(index)

    def _enter(self, index: int) -> None:
        self.index = index
        self.records = []
        self.given = []
        self._ran = False

    # -- the step types ------------------------------------------------------------------
    def run(self) -> list[CommandRecord]:
        """A run step: execute its commands (once)."""
        step = self.step
        if isinstance(step, Run) and not self._ran:
            self._run(step.commands)
            self.finished.add(self.index)
        return self.records

    def answer(self, typed: str) -> PredictResult:
        """A predict step: lock in the learner's answer, run the step, compare. A typo
        (not a value of the field's kind) raises LessonError and locks in nothing."""
        step = self.step
        if not isinstance(step, Predict):
            raise ValueError("this step asks for no prediction")
        value = parse_typed(typed)
        if not self._ran:  # refuse a typo before the step's commands show the answer
            before, error = read_field(self.state(), step.field)
            if not error:
                _check_kind(typed, value, before)
            self._run(step.commands)
        actual, error = read_field(self.state(), step.field)
        if error:
            raise LessonError(error)
        value = _check_kind(typed, value, actual)
        self.finished.add(self.index)
        return PredictResult(same(value, actual), value, actual, step.explanation)

    def command(self, text: str) -> GoalStatus:
        """A goal step: run one command the learner typed (ScriptError for a bad line)."""
        record = self.machine.run_line(text, "<you>", 1)
        if record is not None:
            self.records.append(record)
        status = self.goal_status()
        if status.reached:
            self.finished.add(self.index)
        return status

    def goal_status(self) -> GoalStatus:
        step = self.step
        if not isinstance(step, Goal):
            raise ValueError("this step has no goal")
        return GoalStatus(tuple(compare(self.end_state(), step.expect)))

    def hint(self) -> str | None:
        """The next hint of a goal step that applies to the state now (a hint with `when`
        only while its fields have their values), or None when none is left."""
        waiting = self.hints_left()
        if not waiting:
            return None
        self.given.append(waiting[0])
        step = self.step
        assert isinstance(step, Goal)
        return step.hints[waiting[0]].text

    def hints_left(self) -> list[int]:
        """Indices of the hints not given yet that apply now, in order."""
        step = self.step
        if not isinstance(step, Goal):
            return []
        state = self.end_state()
        return [i for i, hint in enumerate(step.hints)
                if i not in self.given and all(c.ok for c in when_checks(state, hint.when))]

    def given_hints(self) -> list[str]:
        step = self.step
        return [step.hints[i].text for i in self.given] if isinstance(step, Goal) else []

    def show_solution(self) -> GoalStatus:
        """Reset to the state before the goal and play its solution."""
        step = self.step
        if not isinstance(step, Goal):
            raise ValueError("this step has no goal")
        self.machine = self._build(self.index)
        self.records = []
        self._run(step.solution)
        return self.goal_status()

    # -- internals -----------------------------------------------------------------------
    _ran = False

    def _run(self, commands: Commands) -> None:
        self._ran = True
        for line, text in commands.lines:
            record = self._line(self.machine, text, line)
            if record is not None:
                self.records.append(record)

    def _line(self, machine: Machine, text: str, line: int) -> CommandRecord | None:
        from engine import ScriptError

        try:
            return machine.run_line(text, self.lesson.file, line)
        except ScriptError as err:
            raise LessonError(str(err)) from None

    def _build(self, index: int) -> Machine:
        """The canonical machine before step `index`."""
        machine = Machine(history=self.history)
        start = max((i for i in range(index + 1) if restarts(self.lesson, i)), default=-1)
        first = self.lesson.steps[start].restart if start >= 0 else self.lesson.setup  # type: ignore[union-attr]
        commands = [first, *(canonical(s) for s in self.lesson.steps[max(start, 0):index])]
        for block in commands:
            for line, text in block.lines:
                self._line(machine, text, line)
        return machine


def _check_kind(typed: str, value: Any, actual: Any) -> Any:
    """The typed value, as the field's kind wants it; LessonError for a typo."""
    if isinstance(actual, list) and not isinstance(value, list):
        value = [] if value is None else [value]  # a one-element list typed bare
    problem = kind_problem(typed, value, actual)
    if problem:
        raise LessonError(problem)
    return value


def kind_problem(typed: str, value: Any, actual: Any) -> str | None:
    """Why what the learner typed cannot be an answer of the field's kind (None: it can)."""
    if isinstance(actual, bool):
        ok, want = isinstance(value, bool), "yes or no"
    elif isinstance(actual, int):
        ok, want = value is None or (isinstance(value, int) and not isinstance(value, bool)), \
            "a number, e.g. 4096 or 4K"
    elif isinstance(actual, list):
        ok, want = all(isinstance(v, str) and _name_like(v) for v in value), \
            "a list of names, e.g. /A/B, /A (or none)"
    else:  # a name, or None (no objcg, unlimited max): a name, a number or none
        ok = value is None or isinstance(value, int) or (isinstance(value, str) and _name_like(value))
        want = "a name such as /A, or none"
    return None if ok else f"'{typed.strip()}' is not an answer here: type {want}"


def _name_like(text: str) -> bool:
    return bool(text) and not any(c.isspace() for c in text) and not text.startswith(":")
