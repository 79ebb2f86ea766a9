"""Play a lesson headless along its canonical path and find what is wrong with it.

The canonical path is: the setup, then every run step's commands, every predict
step's commands, every goal's solution, in order. Along it each predict answer is
compared with the engine's value, each goal is checked before its solution (it must not
be reached already) and after it (it must be reached), and every field reference must
name something that exists at that point, and a prediction asked without commands must
be about a figure the player can mask (engine.lessons.mask). A `hides` entry must name
a field that a later prediction asks. A goal's hints must not lead into a dead end, and
neither of its first two hints may hand out the whole solution (engine.lessons.goals).

What the screen shows is the TUI's business: `check_file(path, screens=...)` also runs
a check of the drawn screens (tui.lesson.visibility), which `objcg-lab lesson check`
passes in. Problems are collected, never raised: a teacher sees all of them in one go.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from engine import Machine, ScriptError
from engine.fields import parse_ref, resolve
from engine.lessons.loader import load_lesson
from engine.lessons.mask import unmaskable_reason
from engine.lessons.model import Commands, Expect, Explain, Goal, Lesson, Predict, Problem, Run
from engine.lessons.values import same, show


@dataclass(frozen=True)
class FieldCheck:
    """One compared field: what the lesson expects and what the engine has."""

    field: str
    expected: Any
    actual: Any
    ok: bool
    error: str | None = None  # the field does not exist

    def __str__(self) -> str:
        if self.error:
            return f"{self.field}: {self.error}"
        mark = "ok" if self.ok else "differs"
        return f"{self.field}: expected {show(self.expected)}, engine has {show(self.actual)} ({mark})"


@dataclass(frozen=True)
class Answer:
    """A predict step's correct answer, for the answer key."""

    step: int  # 0-based index
    question: str
    field: str
    value: Any
    unit: str | None


@dataclass
class Report:
    lesson: Lesson | None
    problems: list[Problem] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    goals: list[tuple[int, list[FieldCheck]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_field(state: dict[str, Any], ref: str) -> tuple[Any, str | None]:
    """(value, None) or (None, why the reference does not resolve)."""
    try:
        parse_ref(ref)
        return resolve(state, ref), None
    except (ValueError, KeyError, TypeError) as exc:
        return None, str(exc.args[0]) if exc.args else type(exc).__name__


def compare(state: dict[str, Any], expect: tuple[Expect, ...]) -> list[FieldCheck]:
    out = []
    for e in expect:
        actual, error = read_field(state, e.field)
        out.append(FieldCheck(e.field, e.value, actual, error is None and same(e.value, actual), error))
    return out


def when_checks(state: dict[str, Any], when: tuple[Expect, ...]) -> list[FieldCheck]:
    """A hint's condition: like `compare`, but a record that does not exist (a freed
    object, a memcg not made yet) reads as none, so `"object X0 objcg" = "none"` means
    'X0 is gone'; a test (`not`, `below`, `above`) holds as it says."""
    out = []
    for e in when:
        actual, error = read_field(state, e.field)
        if error and error.startswith("no "):
            actual, error = None, None
        out.append(FieldCheck(e.field, e.value, actual, error is None and holds(e, actual), error))
    return out


def holds(e: Expect, actual: Any) -> bool:
    """Does a condition hold for the field's value?"""
    if e.op == "not":
        return not same(e.value, actual)
    if e.op in ("below", "above"):
        if not isinstance(actual, int) or isinstance(actual, bool):
            return False
        return actual < e.value if e.op == "below" else actual > e.value  # type: ignore[operator]
    return same(e.value, actual)


def run_commands(machine: Machine, commands: Commands, where: str) -> list[ScriptError]:
    """Run each line; a failing line is skipped (nothing of it applied) and returned."""
    errors = []
    for line, text in commands.lines:
        try:
            machine.run_line(text, where, line)
        except ScriptError as err:
            errors.append(err)
    return errors


ScreenCheck = Callable[[Lesson], list[Problem]]


def check_file(path: str, screens: ScreenCheck | None = None) -> Report:
    """Form and play problems of a lesson file, all of them, in line order.

    `report.lesson` is None when the file is malformed (it cannot be played by learners),
    but a malformed lesson is still played as far as it goes, to find the rest.
    `screens`, when given, also checks what the screens show (no answer too early).
    """
    lesson, problems = load_lesson(path)
    if lesson is None:
        return Report(None, problems)
    report = check_lesson(lesson)
    if screens is not None and not problems:
        report.problems.extend(screens(lesson))
        report.problems.sort(key=lambda p: p.line)
    if problems:
        found = {(p.line, p.where, p.message) for p in problems}
        extra = [p for p in report.problems if (p.line, p.where, p.message) not in found]
        report = Report(None, sorted(problems + extra, key=lambda p: p.line))
    return report


def check_lesson(lesson: Lesson) -> Report:
    report = Report(lesson)
    machine = Machine(history=False)
    f = lesson.file

    def run(commands: Commands, where: str) -> None:
        for err in run_commands(machine, commands, f):
            report.problems.append(Problem(f, err.line, where, f"command failed: {err.message}"))

    run(lesson.setup, "setup")
    for index, step in enumerate(lesson.steps):
        where = lesson.where(index)
        if isinstance(step, Explain) and step.restart:  # start over on a fresh machine
            machine = Machine(history=False)
            run(step.restart, f"{where}, restart")
        if isinstance(step, Run):
            run(step.commands, f"{where}, commands")
        elif isinstance(step, Predict):
            run(step.commands, f"{where}, commands")
            value, error = read_field(machine.snapshot(), step.field)
            if error:
                report.problems.append(Problem(f, step.field_line, f"{where}, field", error))
                continue
            report.answers.append(Answer(index, step.question, step.field, value, step.unit))
            shown = None if step.commands else unmaskable_reason(step.field, value)
            if shown:
                report.problems.append(Problem(
                    f, step.field_line, f"{where}, field",
                    f"the answer would be visible on screen before the learner answers: {shown}; "
                    "ask it with the commands that change it (`commands`), or about another field"))
            if not same(step.answer, value):
                report.problems.append(Problem(
                    f, step.answer_line, f"{where}, answer",
                    f"the answer is {show(step.answer)} but the engine says "
                    f"{step.field} = {show(value)}"))
        elif isinstance(step, Goal):
            _check_goal(report, machine, index, step, run)
        elif step.field is not None:
            _, error = read_field(machine.snapshot(), step.field)
            if error:
                report.problems.append(Problem(f, step.field_line, f"{where}, field", error))
    _check_hides(report, lesson)
    report.problems.sort(key=lambda p: p.line)
    return report


def _check_hides(report: Report, lesson: Lesson) -> None:
    """Every `hides` entry names a figure a later prediction without commands asks."""
    from engine.lessons.reveal import declared

    for entry in declared(lesson):
        step = lesson.steps[entry.start]
        if entry.until is None:
            report.problems.append(Problem(
                lesson.file, step.hides_line, lesson.where(entry.start, "hides"),
                f"no prediction without commands asks '{entry.field}' at or after this step: "
                "nothing would ever show it again"))


def _check_goal(report: Report, machine: Machine, index: int, goal: Goal, run: Any) -> None:
    lesson = report.lesson
    assert lesson is not None
    where = lesson.where(index)
    state = machine.snapshot()
    for hint in goal.hints:
        for check in when_checks(state, hint.when):
            if check.error:
                report.problems.append(Problem(lesson.file, hint.line, f"{where}, hints", check.error))
    before = compare(state, goal.expect)  # a field may not exist yet: fine
    if before and all(c.ok for c in before):
        report.problems.append(Problem(lesson.file, goal.line, where,
                                       "the goal is already reached before the learner does anything"))
    _check_hints(report, index, goal)
    run(goal.solution, f"{where}, solution")
    after = compare(machine.snapshot(), goal.expect)
    report.goals.append((index, after))
    for check, e in zip(after, goal.expect):
        if check.error:
            report.problems.append(Problem(lesson.file, e.line, f"{where}, expect", check.error))
        elif not check.ok:
            report.problems.append(Problem(
                lesson.file, e.line, f"{where}, expect",
                f"the solution does not reach it: {check}"))
    if all(c.ok for c in after):
        _check_dead_ends(report, index, goal)


def _check_hints(report: Report, index: int, goal: Goal) -> None:
    """Neither of the first two hints hands out the whole solution."""
    from engine.lessons.goals import gives_solution, solution_commands

    lesson = report.lesson
    assert lesson is not None
    solution = solution_commands(goal)
    for n, hint in enumerate(goal.hints[:2]):
        if gives_solution(hint, solution):
            report.problems.append(Problem(
                lesson.file, hint.line, lesson.where(index, "hints"),
                f"hint {n + 1} is the whole solution: the first two hints must leave "
                "something to work out (put the solution in a third hint, or leave it to `s`)"))


def _check_dead_ends(report: Report, index: int, goal: Goal) -> None:
    """No hint leads where the goal can no longer be reached (engine.lessons.goals)."""
    from engine.lessons.goals import dead_ends
    from engine.lessons.reveal import machine_before

    lesson = report.lesson
    assert lesson is not None
    for dead in dead_ends(machine_before(lesson, index), goal):
        path = "; ".join(dead.path) or "at the start"
        report.problems.append(Problem(
            lesson.file, goal.hints[dead.hint].line, lesson.where(index, "hints"),
            f"hint {dead.hint + 1} leads into a dead end: after {path}, "
            f"its `{dead.command}` leaves the goal out of reach of the solution's "
            f"commands and the hints ({dead.why})"))
