"""Record a session driven by keys, replay it, and compare every state; replay's chapter
keys and play stopping at marks; recording never overwrites a file."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.recording import load
from tests.tui.conftest import painter, press, type_text
from tui.app import ExplorerApp
from tui.launch import main_explore
from tui.export.source import SourceError, read, session_of
from tui.record import DWELL, Tape
from tui.replay import greeting, main_replay
from tui.session import Session

SCRIPT = "config cpus=2\nmkdir A\ntask t A\nalloc X0 4000 task=t cpu=0\n"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def type_line(app: ExplorerApp, line: str) -> None:
    await press(app, "colon", *line, "enter", "escape")  # the prompt stays: leave it


async def chapter(app: ExplorerApp, title: str) -> None:
    await press(app, "c", *title, "enter")


async def test_a_recorded_session_replays_to_identical_states(tmp_path: Path) -> None:
    path = tmp_path / "lesson.objcg"
    clock = Clock()
    session = Session.from_text(SCRIPT, "<test>")
    tape = Tape(clock=clock, dwell=DWELL)  # the teacher asked for dwelt pauses
    tape.start(str(path), session)
    app = ExplorerApp(session, tape=tape)
    async with app.run_test(size=(120, 40)):
        await painter(app).settle()
        await chapter(app, "The setup")  # at the end of the script
        await type_line(app, "alloc X1 96 task=t cpu=1")
        # stop the typed command's playback and go to its start (however far the play
        # timer got on a busy machine)
        app.playing = False
        session.goto(session.machine.commands[-1].first)
        await press(app, "n", "n", "space", "space")  # two steps in, play, pause again
        paused_at = session.cursor
        assert not app.playing and 21 < paused_at < session.total
        await press(app, "end")
        await chapter(app, "Two objects")
        await type_line(app, "free X0 cpu=1")
        await press(app, "end", "b", "b")
        clock.now += DWELL + 1  # the teacher looks at this point for a while
        dwelt_at = session.cursor
        await type_line(app, "move t /")  # typed in the past: replaces nothing after 'free'
        await press(app, "end")
        await chapter(app, "Moved out")
        await chapter(app, "A note for it.")  # same point: a note for that chapter
        await type_line(app, "rmdir A")
        await press(app, "end")
        text_while_recording = path.read_text()
        await press(app, "R")  # stop
        assert not tape.recording
        assert "recording stopped" in str(app.query_one("#message").render())
    text = path.read_text()
    assert text == text_while_recording  # every change was already on disk
    loaded = load(text, str(path))
    assert loaded.problem is None, loaded.problem
    original = session.machine
    assert [c.command.text for c in loaded.machine.commands] == \
        [c.command.text for c in original.commands]
    marks = [(m.cursor, m.kind, m.title, m.notes) for m in loaded.marks]
    assert (paused_at, "pause", "", ()) in marks
    assert (dwelt_at, "pause", "", ()) in marks
    titles = [m.title for m in loaded.chapters()]
    assert titles == ["The setup", "Two objects", "Moved out"]
    assert loaded.chapters()[2].notes == ("A note for it.",)
    replay = loaded.machine
    assert len(replay.steps) == len(original.steps)
    for cursor in range(len(original.steps) + 1):
        original.goto(cursor)
        replay.goto(cursor)
        assert replay.snapshot() == original.snapshot(), f"state differs at micro-step {cursor}"


async def test_typing_in_the_past_keeps_the_old_future_and_its_marks(tmp_path: Path) -> None:
    path = tmp_path / "r.objcg"
    session = Session.from_text(SCRIPT, "<test>")
    tape = Tape()
    tape.start(str(path), session)
    app = ExplorerApp(session, tape=tape)
    async with app.run_test(size=(120, 40)):
        await type_line(app, "mkdir B")
        await press(app, "end")
        await chapter(app, "After B")
        await press(app, "B", "B", "B")  # back into the alloc
        await type_line(app, "mkdir C")  # a new branch: 'mkdir B' and its chapter are kept
        await press(app, "end")
        text = path.read_text()
        assert "#@ branch\n#@ | task t A\n#@ | alloc X0 4000 task=t cpu=0\n#@ | mkdir B\n" \
               "#@ | #@ chapter After B\nmkdir C\n" in text
        loaded = load(text, str(path))
        assert loaded.problem is None
        assert [c.command.text for c in loaded.machine.commands][-1] == "mkdir C"
        assert loaded.chapters() == [] and [b.lines[-1] for b in loaded.branches] == ["mkdir B"]
        await press(app, "y")  # back to the old future: its chapter comes back too
        await press(app, "end")
        assert [c.command.text for c in session.machine.commands][-2:] == [
            "alloc X0 4000 task=t cpu=0", "mkdir B"]
        assert [m.title for m in tape.chapters()] == ["After B"]
    loaded = load(path.read_text(), str(path))
    assert loaded.problem is None and [m.title for m in loaded.chapters()] == ["After B"]
    assert [b.lines for b in loaded.branches] == [("mkdir C",)]


async def test_discarding_a_branch_is_explicit_and_undoable(tmp_path: Path) -> None:
    path = tmp_path / "d.objcg"
    session = Session.from_text(SCRIPT, "<test>")
    tape = Tape()
    tape.start(str(path), session)
    app = ExplorerApp(session, tape=tape)
    async with app.run_test(size=(120, 40)):
        await press(app, "B")
        await type_line(app, "mkdir C")
        assert "#@ | alloc X0 4000 task=t cpu=0" in path.read_text()
        await type_line(app, "discard 1")
        assert "#@ branch" not in path.read_text() and not session.branches
        await type_line(app, "undiscard")
        assert "#@ | alloc X0 4000 task=t cpu=0" in path.read_text()


def test_a_branch_block_out_of_place_is_a_located_error() -> None:
    head = "# objcg-lab recording v1\nconfig cpus=2\n"
    stray = load(head + "#@ | mkdir A\n#@ end\n", "r.objcg")
    assert stray.problem is not None and stray.problem.startswith("r.objcg:3: error: ")
    empty = load(head + "#@ branch\nmkdir A\n#@ end\n", "r.objcg")
    assert empty.problem is not None and empty.problem.startswith("r.objcg:3: error: ")
    bad = load(head + "#@ branch\n#@ | mkdir\n#@ end\n", "r.objcg")
    assert bad.problem is not None and bad.problem.startswith("r.objcg:4: ")


def test_objcg_lab_run_runs_the_current_line_of_a_recording_with_branches(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    path = tmp_path / "b.objcg"
    path.write_text("# objcg-lab recording v1\nconfig cpus=2\n#@ branch\n#@ | mkdir B\n"
                    "mkdir A\n#@ end\n")
    out = subprocess.run([sys.executable, "-m", "tui.cli", "run", str(path), "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "mkdir B" not in out.stdout and "/A" in json.dumps(json.loads(out.stdout))


def _replay_app(tmp_path: Path) -> tuple[ExplorerApp, Tape]:
    path = tmp_path / "two.objcg"
    path.write_text("# objcg-lab recording v1\nconfig cpus=2\nmkdir A\n#@ chapter First\n"
                    "task t A\nalloc X0 4000 task=t cpu=0\n#@ pause step=3\n"
                    "#@ chapter Second\nfree X0 cpu=0\n#@ end\n")
    loaded = read(str(path))
    tape = Tape.from_loaded(loaded)
    return ExplorerApp(session_of(loaded, str(path)), start_at=0, tape=tape), tape


def test_chapters_are_numbered_in_timeline_order() -> None:
    session = Session.from_text(SCRIPT, "<test>")
    tape = Tape().attach(session)
    tape.add_chapter(session, "Later")
    session.goto(3)
    tape.add_chapter(session, "Earlier")
    assert [m.title for m in tape.chapters()] == ["Earlier", "Later"]
    assert tape.arrival(3) == "chapter 1/2: Earlier"


async def test_replay_jumps_between_chapters(tmp_path: Path) -> None:
    app, tape = _replay_app(tmp_path)
    first, second = tape.chapters()
    async with app.run_test(size=(120, 40)):
        message = lambda: str(app.query_one("#message").render())  # noqa: E731
        await press(app, "right_square_bracket")
        assert app.session.cursor == first.cursor and "chapter 1/2: First" in message()
        await press(app, "right_square_bracket")
        assert app.session.cursor == second.cursor and "chapter 2/2: Second" in message()
        await press(app, "right_square_bracket")
        assert app.session.cursor == second.cursor and "no later chapter" in message()
        await press(app, "left_square_bracket")
        assert app.session.cursor == first.cursor
        await press(app, "left_square_bracket")
        assert "no earlier chapter" in message()


async def test_replay_play_stops_at_each_mark_and_goes_on(tmp_path: Path) -> None:
    app, tape = _replay_app(tmp_path)
    stops = sorted(tape.stops())
    async with app.run_test(size=(120, 40)) as pilot:
        app.speed = 60.0
        for stop in stops:
            await pilot.press("space")
            for _ in range(200):
                await pilot.pause(0.02)
                if not app.playing:
                    break
            assert app.session.cursor == stop
        await pilot.press("space")
        for _ in range(200):
            await pilot.pause(0.02)
            if not app.playing:
                break
        assert app.session.at_end


async def test_recording_refuses_an_existing_file(tmp_path: Path) -> None:
    precious = tmp_path / "notes.objcg"
    precious.write_text("my notes\n")
    session = Session.from_text(SCRIPT, "<test>")
    app = ExplorerApp(session)
    async with app.run_test(size=(120, 40)):
        await press(app, "R")
        field = app.screen.query_one("#prompt-input")
        field.value = str(precious)  # type: ignore[attr-defined]
        await press(app, "enter")
        assert "already exists; not overwriting" in str(app.query_one("#message").render())
        assert not app.tape.recording
    assert precious.read_text() == "my notes\n"


def test_explore_record_refuses_an_existing_file(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    precious = tmp_path / "r.objcg"
    precious.write_text("keep me\n")
    assert main_explore(None, str(precious)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists" in err
    assert precious.read_text() == "keep me\n"


def test_replay_refuses_what_is_not_a_recording(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s.objcg"
    script.write_text("mkdir A\n")
    binary = tmp_path / "b.objcg"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    for path in (script, binary, tmp_path / "missing.objcg"):
        assert main_replay(str(path)) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(str(path)), err
    with pytest.raises(SourceError):
        read(str(script))


def test_replay_of_a_broken_recording_shows_its_valid_part(tmp_path: Path) -> None:
    path = tmp_path / "broken.objcg"
    path.write_text("# objcg-lab recording v1\nmkdir A\nmkdir A\nmkdir B\n#@ end\n")
    loaded = read(str(path))
    assert len(loaded.machine.commands) == 3 and loaded.problem is None  # -EEXIST is a result
    path.write_text("# objcg-lab recording v1\nmkdir A\nfrobnicate\nmkdir B\n#@ end\n")
    loaded = read(str(path))
    assert [c.command.text for c in loaded.machine.commands] == ["mkdir A"]
    line = greeting(str(path), 1, 0, loaded.problem)
    assert line.startswith(f"{path}:3: error: unknown command") and "showing the 1 commands" in line


async def test_the_chapter_dialog_names_the_place_as_the_header_does(tmp_path: Path) -> None:
    """The chapter prompt and what recording says after it name the place in the header's
    words (command N/M, step K/L), never a global micro-step count; also standing before
    a command (after B), where the header says step 0 of the next command."""
    from textual.widgets import Label

    from tui.record_ui import Prompt

    session = Session.from_text(SCRIPT, "<test>")
    tape = Tape()
    tape.start(str(tmp_path / "r.objcg"), session)
    # config (1), mkdir A (3), task t A (1), then the first of the alloc's 16 micro-steps
    # (4000 B on an empty stock: the page charge, stock refill and object steps; the
    # header is the reference here, the dialog must say the same)
    session.goto(6)
    app = ExplorerApp(session, tape=tape)
    async with app.run_test(size=(120, 40)):
        for keys, place in ((("c",), "command 4/4, step 1/16"), (("B", "c"), "command 4/4, step 0/16")):
            await press(app, *keys)
            header = " ".join(line.plain for line in app.query_one("PositionBar").make_lines(120))
            assert place.replace(",", " ·") in header, header
            assert isinstance(app.screen, Prompt)
            question = str(app.screen.query_one(Label).content)
            assert f"({place})" in question and "micro-step" not in question, question
            await type_text(app, "Here")
            await press(app, "enter")
            said = str(app.query_one("#message").content)
            assert f"'Here' at {place}" in said or "note added" in said, said
        await press(app, "P")  # a chapter there stops replay already: said in the same words
        assert str(app.query_one("#message").content) == "command 4/4, step 0/16 is already marked"
