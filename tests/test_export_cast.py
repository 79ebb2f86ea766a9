"""Casts checked frame by frame through a terminal emulator (pyte): at each chapter
marker the cast's screen is the explorer's screen when replay's play stops at that
chapter; the cursor comes back at the end; the status line says the cast's speed; no
key hints; chapter notes as a caption; --from/--to cut a range of chapters."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pyte
import pytest

from engine.machine import Machine
from engine.recording import load
from tests.test_recording_export import RECORDING, check_asciicast_v2, run
from tui.app import ExplorerApp
from tui.export.source import session_of
from tui.export.textual_bridge import Painter
from tui.record import Tape

SIZE = (120, 40)


def play(text: str) -> tuple[pyte.Screen, list[tuple[str, list[str]]]]:
    """Feed the cast to a terminal emulator: (final screen, [(marker, screen there)])."""
    lines = text.splitlines()
    width, height = json.loads(lines[0])["width"], json.loads(lines[0])["height"]
    screen = pyte.Screen(width, height)
    stream = pyte.Stream(screen)
    seen = []
    for line in lines[1:]:
        _time, kind, data = json.loads(line)
        if kind == "o":
            stream.feed(data)
        else:
            seen.append((data, [row.rstrip() for row in screen.display]))
    return screen, seen


async def explorer_at_chapters() -> list[tuple[int, list[str]]]:
    """Replay in the explorer as a person would: space plays to the next mark; the screen
    each time play stops at a chapter."""
    loaded = load(RECORDING, "r", Machine)
    tape = Tape.from_loaded(loaded)
    app = ExplorerApp(session_of(loaded, "r"), start_at=0, tape=tape)
    chapters = {m.cursor for m in tape.chapters()}
    out = []
    async with app.run_test(size=SIZE) as pilot:
        painter = Painter(app)
        app.speed = 60.0
        while not app.session.at_end:
            await pilot.press("space")
            for _ in range(400):
                await pilot.pause(0.02)
                if not app.playing:
                    break
            await painter.settle()
            if app.session.cursor in chapters:
                out.append((app.session.cursor, [line.text.rstrip() for line in painter.lines()]))
    return out


def test_every_chapter_marker_shows_the_explorers_screen(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.objcg"
    path.write_text(RECORDING)
    out = tmp_path / "r.cast"
    assert run(capsys, "export", "cast", str(path), "-o", str(out), "--speed", "8",
               "--with-controls")[0] == 0  # the explorer's screen, its key bar and all
    text = out.read_text()
    check_asciicast_v2(text, *SIZE)
    final, seen = play(text)
    expected = asyncio.run(explorer_at_chapters())
    assert [marker for marker, _ in seen] == ["1. A task in /A", "2. Freed on another CPU"]
    assert len(expected) == len(seen) == 2
    for (marker, cast_rows), (_cursor, explorer_rows) in zip(seen, expected):
        # the status line: the same position; the cast plays at its own speed, the
        # explorer has just paused there
        cast_status, explorer_status = cast_rows[0], explorer_rows[0]
        assert "▶ playing 8/s" in cast_status and "paused" in explorer_status, cast_status
        assert cast_status.split("  ▶ playing")[0] == explorer_status.split("  paused")[0]
        assert cast_rows[1:] == explorer_rows[1:], marker
    assert "The cgroup is empty." in "\n".join(seen[0][1])  # the chapter's note, as a caption
    whole = "\n".join(json.loads(line)[2] for line in text.splitlines()[1:])
    assert "space plays on" not in whole  # no key hints inside a cast
    assert not final.cursor.hidden  # the terminal gets its cursor back


def test_from_to_cuts_one_chapter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.objcg"
    path.write_text(RECORDING)
    whole, part = tmp_path / "all.cast", tmp_path / "part.cast"
    assert run(capsys, "export", "cast", str(path), "-o", str(whole))[0] == 0
    code, said, err = run(capsys, "export", "cast", str(path), "-o", str(part),
                          "--from", "1", "--to", "A task in /A")
    assert code == 0, err
    assert "1 chapter markers" in said
    _final, seen = play(part.read_text())
    _all, seen_all = play(whole.read_text())
    assert [m for m, _ in seen] == ["1. A task in /A"]
    assert seen[0][1] == seen_all[0][1]  # the same screen as in the whole cast
    second = tmp_path / "second.cast"
    assert run(capsys, "export", "cast", str(path), "-o", str(second), "--from",
               "freed-on-another-cpu")[0] == 0
    _final, seen2 = play(second.read_text())
    assert [m for m, _ in seen2] == ["2. Freed on another CPU"]
    code, _, err = run(capsys, "export", "cast", str(path), "-o", str(tmp_path / "x.cast"),
                       "--from", "9")
    assert code == 2 and "--from 9: no such chapter" in err and err.count("\n") == 1
    assert not (tmp_path / "x.cast").exists()
