"""The course: lessons/index.toml lists the lesson files in teaching order.

    lessons = ["01-why-objcg.toml", "02-byte-stock.toml", ...]

`objcg-lab lesson N` and `objcg-lab lesson NAME` pick from this list (N counts from 1,
NAME is a file name with or without .toml).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass

from engine.lessons.lines import KeyLines
from engine.lessons.loader import lesson_id
from engine.lessons.model import Problem

INDEX_KEYS = ("lessons",)


def default_dir() -> str:
    """lessons/ next to the engine package (the repository layout)."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "lessons"))


@dataclass(frozen=True)
class Entry:
    number: int  # 1-based
    id: str
    path: str
    title: str


def read_index(directory: str | None = None) -> tuple[list[str], list[Problem]]:
    """The lesson file paths in order, and any problem with the index itself."""
    directory = directory or default_dir()
    path = os.path.join(directory, "index.toml")
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        data = tomllib.loads(text)
    except OSError as exc:
        return [], [Problem(path, 1, "file", f"cannot read the index: {exc.strerror}")]
    except tomllib.TOMLDecodeError as exc:
        return [], [Problem(path, 1, "TOML syntax", str(exc))]
    keys = KeyLines(text)
    problems = [Problem(path, keys.line_of((k,)), k, f"unknown key '{k}' (allowed: lessons)")
                for k in data if k not in INDEX_KEYS]
    names = data.get("lessons")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.append(Problem(path, keys.line_of(("lessons",)), "lessons",
                                "must be an array of lesson file names"))
        return [], problems
    files = []
    for name in names:
        full = os.path.join(directory, name)
        if not os.path.isfile(full):
            problems.append(Problem(path, keys.line_of(("lessons",)), "lessons",
                                    f"no lesson file '{name}' in {directory}"))
        files.append(full)
    return files, problems


def entries(directory: str | None = None) -> tuple[list[Entry], list[Problem]]:
    """Numbered lessons with their titles (read without playing them)."""
    files, problems = read_index(directory)
    out = []
    for number, path in enumerate(files, start=1):
        title = "(unreadable)"
        try:
            with open(path, "rb") as handle:
                title = str(tomllib.load(handle).get("title", "(no title)"))
        except (OSError, tomllib.TOMLDecodeError):
            pass
        out.append(Entry(number, lesson_id(path), path, title))
    return out, problems


def find(choice: str, directory: str | None = None) -> Entry | None:
    """A lesson by number (1-based) or by name (with or without .toml)."""
    listed, _ = entries(directory)
    if choice.isdigit():
        n = int(choice)
        return listed[n - 1] if 1 <= n <= len(listed) else None
    name = choice.removesuffix(".toml")
    return next((e for e in listed if e.id == name), None)
