"""What a recording holds, as the exports will read it (issue 10, item 1 and 11): pauses
only when asked (P, pausing playback, or a dwell threshold the teacher set), each
written at once; a chapter typed while a typed command plays lands at its end; the
title set and chapters renamed or deleted from the explorer."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable

from engine.recording import load
from tests.tui.conftest import painter, press
from tests.tui.test_record_replay import SCRIPT, Clock, chapter
from tui.app import ExplorerApp
from tui.record import Tape
from tui.session import Session


def recorder(tmp_path: Path, **options: Any) -> tuple[Session, Tape, Path]:
    session = Session.from_text(SCRIPT, "<test>")
    tape = Tape(**options)
    path = tmp_path / "r.objcg"
    tape.start(str(path), session)
    return session, tape, path


def test_staying_at_a_point_is_no_pause_unless_a_threshold_is_set(tmp_path: Path) -> None:
    clock = Clock()
    session, tape, path = recorder(tmp_path, clock=clock)
    for cursor in (3, 5, 7):  # stepping a lecture, talking a minute at each point
        session.goto(cursor)
        tape.moved(session)
        clock.now += 60
    tape.moved(session)
    assert "#@ pause" not in path.read_text()
    assert not [m for m in load(path.read_text(), "r").marks if m.kind == "pause"]


def test_a_dwelt_pause_is_written_when_the_threshold_passes(tmp_path: Path) -> None:
    clock = Clock()
    waiting: list[Callable[[], None]] = []
    session, tape, path = recorder(tmp_path, clock=clock, dwell=5.0)
    tape.schedule = lambda _delay, callback: waiting.append(callback)
    session.goto(4)
    tape.moved(session)
    clock.now += 2
    session.goto(6)
    tape.moved(session)  # left point 4 after 2 s: no pause there
    clock.now += 5
    waiting[-1]()  # the app's timer fires: the teacher is still at 6 after 5 s
    loaded = load(path.read_text(), "r")  # on disk already, before any other move
    assert [m.cursor for m in loaded.marks if m.kind == "pause"] == [6]
    waiting[0]()  # the stale timer of point 4 does nothing
    assert [m.cursor for m in load(path.read_text(), "r").marks if m.kind == "pause"] == [6]


def test_pause_key_title_rename_and_delete_are_written_at_once(tmp_path: Path) -> None:
    session, tape, path = recorder(tmp_path)
    session.goto(5)
    # in the header's terms: 5 micro-steps applied = config (1), mkdir (3), task t A (1)
    assert "pause at command 3/4, step 1/1" in tape.add_pause(session)
    assert "already marked" in tape.add_pause(session)
    session.goto(2)
    tape.add_chapter(session, "Setup")
    session.goto(session.total)
    tape.add_chapter(session, "Allocated")
    tape.set_title(session, "Lecture  3")
    assert "renamed" in tape.rename_chapter(session, 1, "Creating /A")
    loaded = load(path.read_text(), "r")
    assert loaded.title == "Lecture 3"
    assert [(m.kind, m.cursor) for m in loaded.marks if m.kind == "pause"] == [("pause", 5)]
    assert [m.title for m in loaded.chapters()] == ["Creating /A", "Allocated"]
    assert "deleted" in tape.delete_chapter(session, 2)
    assert tape.delete_chapter(session, 9) == "no such chapter"
    assert [m.title for m in load(path.read_text(), "r").chapters()] == ["Creating /A"]


def test_in_the_explorer_p_marks_and_a_chapter_after_a_typed_command_lands_at_its_end(
        tmp_path: Path) -> None:
    session, tape, path = recorder(tmp_path)

    async def go() -> None:
        app = ExplorerApp(session, tape=tape)
        async with app.run_test(size=(120, 40)) as pilot:
            await painter(app).settle()
            await press(app, "home", "n", "n", "P")
            assert "#@ pause" in path.read_text()  # written at once
            await press(app, "end", "colon", *"alloc X1 96 task=t cpu=1", "enter",
                        "escape")  # the command line stays open after a command: leave it
            assert app.playing  # the typed command plays from its start
            await press(app, "escape")  # the prompt stays open after Enter: leave it first
            await chapter(app, "Second object")
            end = session.machine.commands[-1].end
            assert [m.cursor for m in tape.chapters()] == [end]
            # the command palette searches in a worker: Pilot, with its waits
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"Set recording title")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause(0.3)
            await pilot.press(*"Objects", "enter")
            await pilot.pause()

    asyncio.run(go())
    text = path.read_text()
    assert "alloc X1 96 task=t cpu=1\n#@ chapter Second object\n" in text  # no step=
    loaded = load(text, "r")
    assert loaded.title == "Objects"
    assert [m.kind for m in loaded.marks].count("pause") == 1
