"""Keeping work (issue 19, point 8): `explore FILE` of a recording keeps its title,
chapters, notes, pauses, branches and comments, and `save` writes them all back byte for
byte; a chapter made without recording is saved; a script's comments (whole lines, blank
lines and a command's own `# ...`) survive save, a fork and a switch back; and
`explore FILE --record NEW` carries every mark over."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable

import pytest

from engine.recording import load
from tests.test_export_handout import RECORDING as HANDOUT_RECORDING
from tests.test_recording_export import RECORDING as EXPORT_RECORDING
from tui import launch
from tui.app import ExplorerApp
from tui.record import Tape
from tui.session import Session

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted([*(ROOT / "screenshots").glob("*.objcg"), *(ROOT / "tests" / "recordings").glob("*.objcg")])
RECORDINGS = {path.name: path.read_text() for path in FILES
              if path.read_text().startswith("# objcg-lab recording v1")}
RECORDINGS["test_recording_export"] = EXPORT_RECORDING
RECORDINGS["test_export_handout"] = HANDOUT_RECORDING

Drive = Callable[[Any], Awaitable[None]]


def explore(monkeypatch: pytest.MonkeyPatch, path: Path, drive: Drive,
            record: Path | None = None) -> tuple[int, ExplorerApp]:
    """`objcg-lab explore PATH [--record RECORD]`, its app driven headless by `drive`."""
    apps: list[ExplorerApp] = []

    def run(app: ExplorerApp) -> int:
        async def go() -> None:
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                await drive(pilot)
        apps.append(app)
        asyncio.run(go())
        return 0

    monkeypatch.setattr(launch.ExplorerApp, "run", run)
    code = launch.main_explore(str(path), str(record) if record else None)
    return code, apps[0]


def keys(text: str) -> list[str]:
    return ["space" if ch == " " else ch for ch in text]


def typing(line: str) -> Drive:
    """Open the prompt, put `line` in it (as typed) and press Enter."""
    async def drive(pilot: Any) -> None:
        await pilot.press("colon")
        pilot.app.query_one("#cmdline").value = line
        await pilot.press("enter", "escape")
        await pilot.pause()
    return drive


def test_every_recording_of_the_tests_is_kept_whole() -> None:
    """The round trip below needs recordings with every kind of line."""
    assert len(RECORDINGS) >= 6
    text = "".join(RECORDINGS.values())
    for kind in ("#@ title", "#@ note", "#@ chapter step=", "#@ pause step=", "#@ branch",
                 "#@ | #@ chapter", "#@ | # ", "\n\n", "   # ", "\n#= "):
        assert kind in text, kind


@pytest.mark.parametrize("name", sorted(RECORDINGS))
def test_explore_save_explore_is_byte_identical(name: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    original = tmp_path / "original.objcg"
    original.write_text(RECORDINGS[name])
    copy = tmp_path / "saved.objcg"
    code, app = explore(monkeypatch, original, typing(f"save {copy}"))
    assert code == 0
    assert copy.read_bytes() == original.read_bytes()
    first = load(original.read_text(), "o")
    assert len(app.tape.chapters()) == len(first.chapters())
    assert len(app.session.branches) == len(first.branches)
    from tui.record import open_recording

    session, tape, problem = open_recording(copy.read_text(), str(copy))  # explore it again
    tape.attach(session)
    again = tmp_path / "again.objcg"
    session.save(str(again))
    assert problem is None and again.read_bytes() == original.read_bytes()


def test_explore_of_a_recording_has_its_title_chapters_pauses_and_branches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.objcg"
    path.write_text(RECORDINGS["commented.objcg"])
    seen: dict[str, Any] = {}

    async def look(pilot: Any) -> None:
        app = pilot.app
        seen["title"] = app.tape.title
        seen["chapters"] = [(m.title, m.notes) for m in app.tape.chapters()]
        seen["stops"] = len(app.tape.stops())
        seen["branches"] = [b.commands() for b in app.session.branches]
        seen["at_end"] = app.session.at_end
        await pilot.press("y")  # the branch: its chapter and note come back with it
        await pilot.pause()
        seen["switched"] = [(m.title, m.notes) for m in app.tape.chapters()]

    code, _app = explore(monkeypatch, path, look)
    assert code == 0
    assert seen["title"] == "Comments survive" and seen["at_end"]
    assert seen["chapters"] == [("The set-up is done", ("Its note.",)), ("Inside the alloc", ())]
    assert seen["stops"] == 3  # the chapters' points and the pause at step 2 of the alloc
    assert seen["branches"] == [["free X0 cpu=1"]]
    assert ("Freed elsewhere", ("A note of the branch's chapter.",)) in seen["switched"]


def test_explore_record_from_a_recording_carries_every_mark(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("commented.objcg", "tour.objcg"):
        path = tmp_path / name
        path.write_text(RECORDINGS[name])
        new = tmp_path / f"new-{name}"

        async def nothing(_pilot: Any) -> None:
            return None

        code, _app = explore(monkeypatch, path, nothing, record=new)
        assert code == 0 and new.read_bytes() == path.read_bytes(), name


SCRIPT = """\
# A script with comments, opened with explore and saved.

config cpus=2
mkdir A          # the cgroup
task t A
#= memcg /A css_refs 3
alloc X0 4000 task=t cpu=0   # a batch of 32 pages
# two objects now
alloc X1 92 task=t cpu=1
free X1 cpu=0
# the end
"""


def _body(saved: str) -> list[str]:
    """A saved session without what save adds (the header, its two comments, '#@ end')."""
    lines = saved.splitlines()
    assert lines[0] == "# objcg-lab recording v1" and lines[-1] == "#@ end"
    return [line for line in lines[1:-1] if not line.startswith(("# Replay:", "# Started from"))]


def test_a_scripts_comments_survive_save_a_fork_and_a_switch_back(tmp_path: Path) -> None:
    session = Session.from_text(SCRIPT, "s.objcg")
    tape = Tape().attach(session)
    first = tmp_path / "first.objcg"
    session.save(str(first))
    assert _body(first.read_text()) == SCRIPT.splitlines()
    session.goto(session.machine.commands[2].end)  # after 'task t A'
    session.submit("mkdir B")  # the commented commands after it become a branch
    forked = tmp_path / "forked.objcg"
    session.save(str(forked))
    text = forked.read_text()
    for comment in ("#@ | alloc X0 4000 task=t cpu=0   # a batch of 32 pages",
                    "#@ | # two objects now", "#@ | # the end", "#= memcg /A css_refs 3"):
        assert comment in text, comment
    assert session.switch(1).startswith("switched")
    back = tmp_path / "back.objcg"
    session.save(str(back))
    body = _body(back.read_text())
    assert [line for line in body if not line.startswith("#@")] == SCRIPT.splitlines()
    assert tape.chapters() == []


def test_a_saved_script_runs_headless_as_the_script_did(tmp_path: Path) -> None:
    script = tmp_path / "s.objcg"
    script.write_text(SCRIPT)
    session = Session.from_file(str(script))
    Tape().attach(session)
    saved = tmp_path / "saved.objcg"
    session.save(str(saved))

    def state(path: Path) -> Any:
        out = subprocess.run([sys.executable, "-m", "tui.cli", "run", str(path), "--json"],
                             capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)["state"]

    assert state(saved) == state(script)


def test_a_chapter_made_without_recording_is_saved(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "s.objcg"
    script.write_text(SCRIPT)
    saved = tmp_path / "saved.objcg"

    async def chapter_then_save(pilot: Any) -> None:
        assert not pilot.app.tape.recording
        await pilot.press("home", "N", "N", "c")
        await pilot.pause()
        await pilot.press(*keys("After mkdir"), "enter")
        await pilot.pause()
        await typing(f"save {saved}")(pilot)

    code, _app = explore(monkeypatch, script, chapter_then_save)
    assert code == 0
    loaded = load(saved.read_text(), str(saved))
    assert loaded.problem is None
    [chapter] = loaded.chapters()
    assert chapter.title == "After mkdir"
    assert chapter.cursor == loaded.machine.commands[1].end  # config, then mkdir A
    assert [line for line in _body(saved.read_text()) if not line.startswith("#@")] == \
        SCRIPT.splitlines()


def test_a_big_scripts_comments_stay_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui import session as session_module

    monkeypatch.setattr(session_module, "BIG_SCRIPT", 5)
    monkeypatch.setattr(session_module, "HISTORY_TAIL", 2)
    session = Session.from_text(SCRIPT, "big.objcg")
    assert session.machine.prelude > 0  # the first commands ran fast, with no micro-steps
    Tape().attach(session)
    saved = tmp_path / "saved.objcg"
    session.save(str(saved))
    assert _body(saved.read_text()) == SCRIPT.splitlines()
