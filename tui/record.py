"""The explorer's tape: chapters and pauses on the timeline, and recording to a file.

A `Tape` keeps the marks (engine.recording.Mark) of the session shown in the explorer.
While recording, every change (a command typed, a chapter, a pause) rewrites the file
atomically with the whole session so far, so a crash or a killed terminal loses at most
the command being typed. A pause is recorded when the teacher pauses playback, or stays
at least DWELL seconds at a point reached by stepping. Plain Python: tested without a
terminal; the app calls these and shows the returned one-line messages.
"""
from __future__ import annotations

import bisect
import time
from pathlib import Path
from typing import Callable

from engine.recording import Loaded, Mark, render
from tui.outfiles import OutputError, confined, write_file
from tui.session import Session

DWELL = 2.0  # seconds at a stepped-to point that make it a recorded pause
DEFAULT_NAME = "objcg-recording.objcg"


class Tape:
    """Marks on the timeline, and the file they are recorded to (if any)."""

    def __init__(self, marks: list[Mark] | None = None, *, title: str = "",
                 intro: tuple[str, ...] = (), clock: Callable[[], float] = time.monotonic) -> None:
        self.marks: list[Mark] = list(marks or [])
        self.title = title
        self.intro = intro
        self.path: Path | None = None
        self.clock = clock
        self._written = ""
        self._commands: list[str] = []  # the timeline as last seen
        self._pending: tuple[int, float] | None = None  # a stepped-to point and when

    @classmethod
    def from_loaded(cls, loaded: Loaded) -> Tape:
        return cls(loaded.marks, title=loaded.title, intro=loaded.intro)

    def attach(self, session: Session) -> Tape:
        """Start watching `session`'s timeline (as it is now)."""
        self._commands = [c.command.text for c in session.machine.commands]
        return self

    def committed(self, session: Session) -> str | None:
        """A line was entered at the command line: the timeline may have changed."""
        self._settle(session)
        return self.sync(session)

    @property
    def recording(self) -> bool:
        return self.path is not None

    # -- reading the marks ------------------------------------------------------------
    def chapters(self) -> list[Mark]:
        """In timeline order (a chapter added after stepping back comes before later ones)."""
        return sorted((m for m in self.marks if m.kind == "chapter"), key=lambda m: m.cursor)

    def stops(self) -> set[int]:
        """Where replay's play stops by itself."""
        return {m.cursor for m in self.marks}

    def chapter_at(self, cursor: int) -> tuple[int, Mark] | None:
        """(1-based number, chapter) of the first chapter at exactly `cursor`."""
        for number, mark in enumerate(self.chapters(), start=1):
            if mark.cursor == cursor:
                return number, mark
        return None

    def next_chapter(self, cursor: int, delta: int) -> tuple[int, Mark] | None:
        """The next (delta>0) or previous chapter point strictly after/before `cursor`."""
        chapters = sorted(self.chapters(), key=lambda m: m.cursor)
        points = [m.cursor for m in chapters]
        if delta > 0:
            i = bisect.bisect_right(points, cursor)
            return (i + 1, chapters[i]) if i < len(chapters) else None
        i = bisect.bisect_left(points, cursor) - 1
        return (i + 1, chapters[i]) if i >= 0 else None

    def arrival(self, cursor: int) -> str:
        """What the message line says on arriving at `cursor` ('' if nothing marked)."""
        found = self.chapter_at(cursor)
        if found is not None:
            number, mark = found
            return f"chapter {number}/{len(self.chapters())}: {mark.title}"
        if cursor in self.stops():
            return "recorded pause: space plays on"
        return ""

    # -- marking -----------------------------------------------------------------------
    def add_chapter(self, session: Session, text: str) -> str:
        """A chapter at the cursor; at a point that already has one, a note for it."""
        text = " ".join(text.split())
        if not text:
            return "no chapter: the title was empty"
        self._settle(session)
        cursor = session.cursor
        for i, mark in enumerate(self.marks):
            if mark.kind == "chapter" and mark.cursor == cursor:
                self.marks[i] = Mark(cursor, "chapter", mark.title, (*mark.notes, text))
                return self._saved(session, f"note added to chapter '{mark.title}'")
        self.marks.append(Mark(cursor, "chapter", text))
        number = self.chapter_at(cursor)
        where = f"chapter {number[0] if number else '?'}/{len(self.chapters())} '{text}' " \
                f"at micro-step {cursor}"
        return self._saved(session, where)

    def moved(self, session: Session) -> None:
        """The teacher stepped or jumped: a pause there if they stay DWELL seconds."""
        self._settle(session)
        self._pending = (session.cursor, self.clock())

    def paused(self, session: Session) -> None:
        """The teacher paused playback before its end: a pause there."""
        self._pending = None
        if not session.at_end:
            self._add_pause(session.cursor)
        self.sync(session)

    def _settle(self, session: Session) -> None:
        if self._pending is not None and self.recording:
            cursor, since = self._pending
            if self.clock() - since >= DWELL and cursor <= session.total:
                self._add_pause(cursor)
        self._pending = None

    def _add_pause(self, cursor: int) -> None:
        if self.recording and cursor not in self.stops():
            self.marks.append(Mark(cursor, "pause"))

    # -- recording ------------------------------------------------------------------------
    def start(self, path: str, session: Session) -> str:
        """Record to a new file (never an existing one). Raises OutputError."""
        target = confined(path)  # refused at once in a served session: not even exists()
        if target.exists():
            raise OutputError(f"{target}: error: already exists; not overwriting it "
                              "(choose another name)")
        self._write(target, session, first=True)
        self.path = target
        self._pending = None
        return f"recording to {target} ({len(session.machine.commands)} commands so far); " \
               "R stops, c adds a chapter"

    def stop(self, session: Session) -> str:
        if self.path is None:
            return "not recording"
        self._settle(session)
        self.sync(session)
        path, self.path = self.path, None
        return f"recording stopped: {path} has {len(session.machine.commands)} commands " \
               f"and {len(self.chapters())} chapters; objcg-lab replay {path}"

    def sync(self, session: Session) -> str | None:
        """The timeline may have changed: forget marks past a replaced future, and rewrite
        the file if anything changed. Returns an error line if the file could not be written."""
        commands = session.machine.commands
        texts = [c.command.text for c in commands]
        if texts != self._commands:
            same = 0
            for old, new in zip(self._commands, texts):
                if old != new:
                    break
                same += 1
            if same < len(self._commands):  # a command typed in the past replaced these
                bound = commands[same - 1].end if same else 0
                self.marks = [m for m in self.marks if m.cursor <= bound]
            self._commands = texts
        if self.path is None:
            return None
        try:
            self._write(self.path, session)
        except OutputError as err:
            return str(err)
        return None

    def text(self, session: Session) -> str:
        commands = [(c.command.text, c.first, c.end) for c in session.machine.commands]
        return render(commands, self.marks, source=session.source, title=self.title,
                      intro=self.intro)

    def _write(self, path: Path, session: Session, first: bool = False) -> None:
        self._commands = [c.command.text for c in session.machine.commands]
        text = self.text(session)
        if text == self._written and not first:
            return
        write_file(path, text, replace=not first)
        self._written = text

    def _saved(self, session: Session, message: str) -> str:
        problem = self.sync(session)
        if problem:
            return problem
        if self.recording:
            return f"{message} (recorded)"
        return f"{message} (not recording: R writes the session and its chapters to a file)"


def free_name(directory: Path = Path("."), default: str = DEFAULT_NAME) -> str:
    """The first of objcg-recording.objcg, objcg-recording-2.objcg, ... that does not exist."""
    stem, suffix = default.rsplit(".", 1)
    name, n = default, 1
    while (directory / name).exists():
        n += 1
        name = f"{stem}-{n}.{suffix}"
    return name
