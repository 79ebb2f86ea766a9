"""The explorer's tape: chapters and pauses on the timeline, and recording to a file.

A `Tape` keeps the marks (engine.recording.Mark) of the session shown in the explorer.
While recording, every change (a command typed, a chapter, a pause) rewrites the file
atomically with the whole session so far, so a crash or a killed terminal loses at most
the command being typed. A pause is recorded when the teacher asks for one (P), pauses
playback, or (only if they set a dwell threshold: explore --record --dwell SECONDS)
stays that long at a point reached by stepping; each is written at once. Plain Python:
tested without a terminal; the app calls these and shows the returned one-line messages.
"""
from __future__ import annotations

import bisect
import time
from pathlib import Path
from typing import Callable, Sequence

from engine.recording import COMMENT, Branch, BranchMark, Loaded, Mark, render
from tui.outfiles import OutputError, confined, in_own_folder, write_file
from tui.session import Session, Span
from tui.plural import counted

DWELL = 2.0  # a suggested --dwell: seconds at a stepped-to point that make it a pause
DEFAULT_NAME = "objcg-recording.objcg"


class Tape:
    """Marks on the timeline, and the file they are recorded to (if any)."""

    def __init__(self, marks: list[Mark] | None = None, *, title: str = "",
                 intro: tuple[str, ...] = (), clock: Callable[[], float] = time.monotonic,
                 dwell: float | None = None, head: tuple[str, ...] | None = None) -> None:
        self.marks: list[Mark] = list(marks or [])  # with the file's comments (kind COMMENT)
        self.title = title
        self.intro = intro
        self.head = head  # a loaded recording's lines under its header (None: new)
        self.path: Path | None = None
        self.clock = clock
        self.dwell = dwell  # None: staying at a point never makes a pause
        # The app's timer: schedule(delay, callback); a dwelt pause is then written as soon
        # as the threshold passes, not at the next move.
        self.schedule: Callable[[float, Callable[[], None]], object] | None = None
        self._written = ""
        self._pending: tuple[int, float] | None = None  # a stepped-to point and when
        self._branches: list[Branch] = []  # a loaded recording's, until attached

    @classmethod
    def from_loaded(cls, loaded: Loaded) -> Tape:
        tape = cls(loaded.marks, title=loaded.title, intro=loaded.intro, head=loaded.head)
        tape._branches = list(loaded.branches)
        return tape

    def attach(self, session: Session) -> Tape:
        """Keep `session`'s marks (and its script's comments): when its history forks, the
        marks of the future it leaves go with that branch, and come back when it is
        switched to."""
        session.marks = self
        self.marks[:0], session.comments = session.comments, []
        if self._branches and not session.branches:
            session.branches = self._branches
        self._branches = []
        return self

    def cut(self, bound: int, spans: Sequence[Span]) -> tuple[BranchMark, ...]:
        out: list[BranchMark] = []
        kept: list[Mark] = []
        for mark in self.marks:
            if mark.cursor <= bound or not spans:
                kept.append(mark)
                continue
            for index, (_text, first, end) in enumerate(spans):
                if first < mark.cursor <= end or index == len(spans) - 1:
                    step = None if mark.cursor >= end else mark.cursor - first
                    out.append((index, step, Mark(0, mark.kind, mark.title, mark.notes)))
                    break
        self.marks = kept
        return tuple(out)

    def paste(self, marks: Sequence[BranchMark], spans: Sequence[Span]) -> None:
        for index, step, mark in marks:
            if spans and index < len(spans):  # -1: a comment before its first command
                _text, first, end = spans[max(index, 0)]
                cursor = first if index < 0 else end if step is None else min(first + step, end)
                self.marks.append(Mark(cursor, mark.kind, mark.title, mark.notes))

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
        return {m.cursor for m in self.marks if m.kind != COMMENT}

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
            caption = f" — {' '.join(mark.notes)}" if mark.notes else ""  # its notes, as a caption
            return f"chapter {number}/{len(self.chapters())}: {mark.title}{caption}"
        if cursor in self.stops():
            return "recorded pause: space plays on"
        return ""

    # -- marking -----------------------------------------------------------------------
    def add_chapter(self, session: Session, text: str, where: str | None = None) -> str:
        """A chapter at the cursor; at a point that already has one, a note for it.
        `where`: the point as the header says it (the explorer's own position: standing
        before a command reads "command 4/4, step 0/16"), else the session's."""
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
        said = f"chapter {number[0] if number else '?'}/{len(self.chapters())} '{text}' " \
               f"at {where or session.position().where()}"
        return self._saved(session, said)

    def moved(self, session: Session) -> None:
        """The teacher stepped or jumped: a pause there if they stay `dwell` seconds."""
        self._settle(session)
        self._pending = pending = (session.cursor, self.clock())
        if self.dwell is not None and self.recording and self.schedule is not None:
            self.schedule(self.dwell, lambda: self._dwelt(session, pending))

    def _dwelt(self, session: Session, pending: tuple[int, float]) -> None:
        if self._pending == pending:  # not moved since
            self._settle(session)

    def paused(self, session: Session) -> None:
        """The teacher paused playback before its end: a pause there."""
        self._pending = None
        if not session.at_end:
            self._add_pause(session.cursor)
        self.sync(session)

    def add_pause(self, session: Session, where: str | None = None) -> str:
        """The pause key: replay's play will stop here (`where`: as in add_chapter)."""
        self._pending = None
        if not self.recording:
            return "not recording: R records the session, then P marks pauses"
        where = where or session.position().where()
        if session.cursor in self.stops():
            return f"{where} is already marked"
        self._add_pause(session.cursor)
        return self._saved(session, f"pause at {where}")

    def _settle(self, session: Session) -> None:
        if self._pending is not None and self.recording and self.dwell is not None:
            cursor, since = self._pending
            if self.clock() - since >= self.dwell and cursor <= session.total:
                if self._add_pause(cursor):
                    self.sync(session)  # written at once
        self._pending = None

    def _add_pause(self, cursor: int) -> bool:
        if self.recording and cursor not in self.stops():
            self.marks.append(Mark(cursor, "pause"))
            return True
        return False

    # -- editing ------------------------------------------------------------------------
    def set_title(self, session: Session, text: str) -> str:
        self.title = " ".join(text.split())
        said = f"title: {self.title}" if self.title else "title removed"
        return self._saved(session, said)

    def rename_chapter(self, session: Session, number: int, text: str) -> str:
        """Chapter `number` (1-based, timeline order) gets a new title."""
        text = " ".join(text.split())
        found = self._chapter(number)
        if found is None or not text:
            return "no such chapter" if found is None else "no change: the title was empty"
        i, mark = found
        self.marks[i] = Mark(mark.cursor, "chapter", text, mark.notes, mark.line)
        return self._saved(session, f"chapter {number} renamed '{text}'")

    def delete_chapter(self, session: Session, number: int) -> str:
        found = self._chapter(number)
        if found is None:
            return "no such chapter"
        i, mark = found
        del self.marks[i]
        return self._saved(session, f"chapter {number} '{mark.title}' deleted")

    def _chapter(self, number: int) -> tuple[int, Mark] | None:
        chapters = self.chapters()
        if not 1 <= number <= len(chapters):
            return None
        mark = chapters[number - 1]
        return next(i for i, m in enumerate(self.marks) if m is mark), mark

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
        return in_own_folder(f"recording to {target} ({len(session.machine.commands)} "
                             "commands so far); R stops, c adds a chapter")

    def stop(self, session: Session) -> str:
        if self.path is None:
            return "not recording"
        self._settle(session)
        self.sync(session)
        path, self.path = self.path, None
        n = len(session.branches)
        branches = f", {counted(n, 'branch', 'branches')}" if n else ""
        return in_own_folder(f"recording stopped: {path} has {counted(len(session.machine.commands), 'command')} "
                             f"and {counted(len(self.chapters()), 'chapter')}{branches}; "
                             f"objcg-lab replay {path}")

    def sync(self, session: Session) -> str | None:
        """The timeline may have changed: rewrite the file if anything changed (a future
        left behind is a branch of the session, with its marks: nothing is dropped).
        Returns an error line if the file could not be written."""
        if self.path is None:
            return None
        try:
            self._write(self.path, session)
        except OutputError as err:
            return str(err)
        return None

    def text(self, session: Session) -> str:
        return render(session.spans(), self.marks, source=session.source, title=self.title,
                      intro=self.intro, branches=session.branches, head=self.head)

    def _write(self, path: Path, session: Session, first: bool = False) -> None:
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


def open_recording(text: str, path: str) -> tuple[Session, Tape, str | None]:
    """`explore FILE` of a recording: its commands run, its branches, chapters, notes,
    pauses, title and comments all kept (so `save` writes them back); the session at its
    end. Returns (session, tape, problem): the valid part and a one-line problem when the
    file is broken. A file of another format version raises OutputError (one line)."""
    from engine.machine import Machine
    from engine.recording import load
    from tui.export.source import session_of

    loaded = load(text, path, Machine)
    if loaded.fatal:
        raise OutputError(loaded.problem or f"{path}: error: not a recording")
    session = session_of(loaded, path)
    session.goto(session.total)
    return session, Tape.from_loaded(loaded).attach(session), loaded.problem


def recording_greeting(path: str, session: Session, tape: Tape, problem: str | None) -> str:
    if problem:
        return f"{problem} — showing the {len(session.machine.commands)} commands before it"
    branches = len(session.branches)
    more = f", {counted(branches, 'other branch', 'other branches')} (y)" if branches else ""
    return (f"{path}: a recording, {counted(len(session.machine.commands), 'command')}, "
            f"{counted(len(tape.chapters()), 'chapter')}{more}; ] and [ jump between chapters, "
            "home goes back to the start.  ? help")
