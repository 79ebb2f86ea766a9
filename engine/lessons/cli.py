"""`objcg-lab lesson ...` for teachers, headless:

    objcg-lab lesson                 the numbered lesson list (the TUI player will use it too)
    objcg-lab lesson check FILE...   validate a lesson and play its solution; exit 0 or 2
    objcg-lab lesson answers FILE    every predict step's correct answer (an answer key)

FILE may also be a course lesson's number or name, as `objcg-lab lesson N` takes it.
The lesson format is documented in docs/lessons.md.

Exit status: 0 all good; 2 any problem (unreadable, TOML syntax, keys, types, a command
that fails, a field that does not exist, a wrong answer, a goal not reached). Every
problem is printed as FILE:LINE: error: WHERE: WHAT, all of them, in line order.
"""
from __future__ import annotations

import os
import sys
from typing import Callable, TextIO

from engine.lessons import progress
from engine.lessons.check import Report, ScreenCheck, check_file
from engine.lessons.course import entries, find, read_index
from engine.lessons.values import show


def lesson_path(choice: str, directory: str | None = None) -> str | None:
    """A lesson file for `check` and `answers`: a path as given, or a course lesson's
    number or name as `objcg-lab lesson` takes them ('3', '03-page-rounding')."""
    if os.path.exists(choice) or choice.endswith(".toml"):
        return choice  # a file (a missing one is reported as FILE:1: error: ...)
    entry = find(choice, directory)
    return entry.path if entry is not None else None


def _each(choice: str, err: TextIO, action: Callable[[str], int]) -> int:
    path = lesson_path(choice)
    if path is None:
        print(f"objcg-lab: error: no lesson '{choice}' (a number or name as `objcg-lab lesson` "
              "lists them, or a .toml file)", file=err)
        return 2
    return action(path)


def main_lesson(argv: list[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr,
                screens: ScreenCheck | None = None) -> int:
    """`screens`: the check of what the player's screens show (the TUI passes it in;
    without it, only the lesson's data and its play are checked)."""
    if argv[:1] == ["check"] and len(argv) > 1:
        return max(_each(choice, err, lambda p: _check(p, out, err, screens)) for choice in argv[1:])
    if argv[:1] == ["answers"] and len(argv) == 2:
        return _each(argv[1], err, lambda p: _answers(p, out, err, screens))
    if argv[:1] in (["check"], ["answers"]):
        print(f"usage: objcg-lab lesson {argv[0]} FILE|N|NAME (see docs/lessons.md)", file=err)
        return 2
    return list_lessons(out, err)


def _status(report: Report) -> int:
    return 0 if report.ok and report.lesson is not None else 2


def _check(path: str, out: TextIO, err: TextIO, screens: ScreenCheck | None) -> int:
    if os.path.basename(path) == "index.toml":  # `lesson check lessons/*.toml` meets it too
        files, problems = read_index(os.path.dirname(path) or ".")
        for problem in problems:
            print(problem, file=err)
        if not problems:
            print(f"{path}: ok: the course index lists {len(files)} lessons", file=out)
        return 2 if problems else 0
    report = check_file(path, screens)
    for problem in report.problems:
        print(problem, file=err)
    if report.lesson is not None and report.ok:
        lesson = report.lesson
        print(f"{path}: ok: '{lesson.title}', {len(lesson.steps)} steps, "
              f"{len(report.answers)} predictions, {len(report.goals)} goals reached", file=out)
    elif report.problems:
        print(f"{path}: {len(report.problems)} problem(s)", file=err)
    return _status(report)


def _answers(path: str, out: TextIO, err: TextIO, screens: ScreenCheck | None) -> int:
    report = check_file(path, screens)
    for problem in report.problems:
        print(problem, file=err)
    if report.lesson is None:
        return 2
    lesson = report.lesson
    print(f"Answer key: {lesson.title} ({path})", file=out)
    if not report.answers:
        print("  (this lesson asks for no predictions)", file=out)
    for answer in report.answers:
        unit = f" {answer.unit}" if answer.unit else ""
        print(f"\nstep {answer.step + 1}: {answer.question.strip()}", file=out)
        print(f"  answer: {show(answer.value)}{unit}    [{answer.field}]", file=out)
    for index, checks in report.goals:
        print(f"\nstep {index + 1} (goal) solution reaches:", file=out)
        for check in checks:
            print(f"  {check}", file=out)
    return _status(report)


def list_lessons(out: TextIO, err: TextIO, directory: str | None = None) -> int:
    listed, problems = entries(directory)
    for problem in problems:
        print(problem, file=err)
    data = progress.load(progress.default_path())
    print("objcg-lab lessons (play one with: objcg-lab lesson N)", file=out)
    for entry in listed:
        done = data.get("lessons", {}).get(entry.id, {})
        mark = "done" if done.get("completed") else (f"{len(done.get('done', []))} steps" if done else "")
        print(f"  {entry.number:>2}. {entry.id:<26} {entry.title}" + (f"  [{mark}]" if mark else ""),
              file=out)
    return 2 if problems else 0
