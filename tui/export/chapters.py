"""The chapters an export shows, the range --from/--to cut, and where --at puts a
chapter's picture.

Every export sees the same chapters: in timeline order, never empty (chapters marked at
one point are one chapter: their titles joined by " / ", their notes together), and at
least one (a recording without chapters is one chapter, named as the recording).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from engine.recording import Loaded
from tui.export.source import slug


class ChapterError(Exception):
    """A --from, --to or --at that names nothing; str() is one line."""


@dataclass(frozen=True)
class Chapter:
    number: int  # 1-based, in timeline order
    title: str
    notes: tuple[str, ...]
    start: int  # the point it starts at (micro-steps applied)
    end: int  # where the next starts, or the end of the recording
    marked: bool = True  # False: the whole of a recording without chapters

    def caption(self, count: int) -> str:
        """What the message line says in the chapter: its number, title and notes."""
        if not self.marked:
            return ""
        notes = f" — {' '.join(self.notes)}" if self.notes else ""
        return f"chapter {self.number}/{count}: {self.title}{notes}"


def chapters_of(loaded: Loaded, name: str) -> list[Chapter]:
    """`name`: the title of the one chapter of a recording without any."""
    total = len(loaded.machine.steps)
    groups: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
    for mark in sorted(loaded.chapters(), key=lambda m: m.cursor):
        groups.setdefault(mark.cursor, []).append((mark.title, mark.notes))
    if not groups:
        return [Chapter(1, loaded.title or name, (), 0, total, marked=False)]
    points = sorted(groups)
    out = []
    for number, start in enumerate(points, start=1):
        titles = [title for title, _notes in groups[start]]
        notes = tuple(note for _title, notes in groups[start] for note in notes)
        end = points[number] if number < len(points) else total
        out.append(Chapter(number, " / ".join(titles), notes, start, end))
    return out


def chapter_at(chapters: list[Chapter], cursor: int) -> Chapter | None:
    """The chapter `cursor` is in (None before the first)."""
    inside = [c for c in chapters if c.start <= cursor]
    return inside[-1] if inside else None


def chapter_range(chapters: list[Chapter], first: str | None,
                  last: str | None) -> list[Chapter]:
    """--from/--to CHAPTER (a number or a title): the chapters from one to the other
    (--to alone: from the first; --from alone: that chapter only)."""
    if first is None and last is None:
        return chapters

    def find(spec: str, option: str) -> int:
        if spec.isdigit() and 1 <= int(spec) <= len(chapters):
            return int(spec) - 1
        for index, chapter in enumerate(chapters):
            if chapter.title == spec or slug(chapter.title) == slug(spec):
                return index
        known = "; ".join(f"{c.number}. {c.title}" for c in chapters)
        raise ChapterError(f"error: {option} {spec}: no such chapter (chapters: {known})")

    start = find(first, "--from") if first is not None else 0
    stop = find(last, "--to") if last is not None else start
    if stop < start:
        raise ChapterError(f"error: --to {last} comes before --from {first}")
    return chapters[start:stop + 1]


AT_CHOICES = "start, end, step=N or first (the end of the chapter's first command)"
_AT_STEP = re.compile(r"^step=(\d+)$")


def check_at(at: str) -> str:
    """--at as given, or ChapterError."""
    if at in ("first", "start", "end") or _AT_STEP.match(at):
        return at
    raise ChapterError(f"error: --at {at}: not one of {AT_CHOICES}")


def picture_point(chapter: Chapter, loaded: Loaded, at: str = "first") -> tuple[int, str]:
    """Where a chapter's picture is taken, and how the handout says it:
    `start` its point; `end` after its last micro-step; `step=N` after its N-th (at most
    its end); `first` (the default) the end of its first command, where that command's
    change is visible; a chapter that starts inside a command (step=M) is pictured at
    its point, the micro-step the teacher chose."""
    start, end = chapter.start, chapter.end
    if at == "start":
        return start, "at the chapter's start"
    if at == "end":
        return end, "at the chapter's end"
    found = _AT_STEP.match(at)
    if found:
        point = min(start + int(found.group(1)), end)
        return point, f"after its micro-step {point - start}"
    for record in loaded.machine.commands:
        if record.first < start < record.end:
            return start, "at the chapter's start"  # inside a command: where it was put
        if record.first >= start and record.end > record.first:
            point = min(record.end, end)
            if point == record.end:
                return point, f"after its first command, {record.command.text}"
            return point, "at the chapter's end"
    return start, "at the chapter's start"
