"""`objcg-lab lesson [NAME|N|FILE] [--reset]`: the lesson player in the terminal.

`lesson check` and `lesson answers` stay headless (engine.lessons.cli). Without a
terminal (a pipe, a test) the lesson list is printed instead, as before.
"""
from __future__ import annotations

import os
import sys
from typing import TextIO

from engine.lessons import progress
from engine.lessons.cli import list_lessons
from engine.lessons.course import find


def resolve(choice: str, directory: str | None = None) -> str | None:
    """A lesson's path: N or NAME from the course index, or a .toml file's path."""
    entry = find(choice, directory)
    if entry is not None:
        return entry.path
    if choice.endswith(".toml") and os.path.isfile(choice):
        return choice
    return None


def _resolve_or_say(choice: str, err: TextIO) -> str | None:
    found = resolve(choice)
    if found is None:
        print(f"objcg-lab: error: no lesson '{choice}' (objcg-lab lesson lists them)", file=err)
    return found


def reset(args: list[str], out: TextIO, err: TextIO) -> int:
    path = progress.default_path()
    lesson = None
    if args:
        found = _resolve_or_say(args[0], err)
        if found is None:
            return 2
        lesson = os.path.splitext(os.path.basename(found))[0]
    try:
        progress.save(path, progress.reset(progress.load(path), lesson))
    except OSError as exc:
        print(f"objcg-lab: error: cannot write {path}: {exc.strerror or exc}", file=err)
        return 2
    print(f"progress reset: {lesson or 'all lessons'} ({path})", file=out)
    return 0


def main_play(args: list[str], *, reset_progress: bool = False,
              out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    if reset_progress:
        return reset(args, out, err)
    if len(args) > 1:
        print("usage: objcg-lab lesson [NAME|N|FILE] | check FILE... | answers FILE | --reset [NAME]",
              file=err)
        return 2
    path = None
    if args:
        path = _resolve_or_say(args[0], err)
        if path is None:
            return 2
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        if path is not None:
            print("objcg-lab: playing a lesson needs a terminal; the lessons are:", file=err)
        return list_lessons(out, err)
    from tui.lesson.app import LessonApp

    LessonApp(path).run()
    return 0
