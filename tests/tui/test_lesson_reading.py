"""Reading a lesson: the narration scrolls from the keyboard and says when more is
below; `r` starts a goal over; the status line says how a released objcg ended
instead of drawing a red ✗ for the normal case."""
from __future__ import annotations

import os
from typing import Any

from textual.widgets import Static

from engine import Machine
from tui import present
from tui.lesson.app import LessonApp
from tui.widgets.narration import Narration
from tui.world import World

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def lesson(name: str, tmp_path: Any) -> LessonApp:
    return LessonApp(os.path.join(ROOT, "lessons", name), progress_path=str(tmp_path / "p.json"))


async def settle(pilot: Any, done: Any) -> None:
    """Let the app process its messages until `done()` (the text is laid out after the
    Markdown update lands): a bounded number of rounds, no clock."""
    for _ in range(20):
        if done():
            return
        await pilot.pause()


async def test_the_narration_scrolls_with_page_keys_and_says_more_is_below(tmp_path: Any) -> None:
    app = lesson("02-byte-stock.toml", tmp_path)  # its first step is longer than 40 rows
    async with app.run_test(size=(120, 40)) as pilot:
        narration = app.query_one(Narration)
        more = app.query_one("#narration-more", Static)
        await settle(pilot, lambda: more.display)
        assert narration.max_scroll_y > 0 and app.focused is narration
        assert more.display and "more below" in str(more.render())
        await pilot.press("pagedown")
        assert narration.scroll_y > 0
        await pilot.press("end")  # the explorer's end: its history, not the text
        for _ in range(5):
            await pilot.press("down")  # arrows read on, the narration has the focus
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert narration.scroll_y == narration.max_scroll_y and not more.display
        await pilot.press("pageup")
        await pilot.pause()
        assert narration.scroll_y < narration.max_scroll_y and more.display


async def test_r_starts_a_goal_over_from_the_lesson_state(tmp_path: Any) -> None:
    app = lesson("02-byte-stock.toml", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.player is not None
        app.enter(6)  # the goal: empty cpu0's byte stock without charging a page
        await pilot.pause()
        await pilot.press("colon", *[{" ": "space"}.get(c, c) for c in "alloc X3 4000 task=tA cpu=0"],
                          "enter", "escape")
        await pilot.pause()
        # the hint is for the end of what the command did, wherever the cursor replays it
        await pilot.press("h")
        assert "press `r`" in app.query_one("#lesson-more").source  # type: ignore[attr-defined]
        await pilot.press("G")  # to the end of history
        assert app.state()["cpus"][0]["nr_pages"] == 30  # a page came from the page stock
        await pilot.press("r")
        await pilot.pause()
        assert app.player.index == 6 and app.state()["cpus"][0]["nr_pages"] == 31
        assert "X3" not in {o["name"] for o in app.state()["objects"]}


def conservation_line(lines: list[str], name: str) -> str:
    machine = Machine()
    for line in lines:
        machine.run_line(line)
    return present.conservation_text(present.conservation(World(machine.state), name)).plain


def test_a_released_objcg_with_a_whole_leftover_page_is_not_an_error() -> None:
    # lesson 10's race: 4096 bytes in nr_charged_bytes, one whole page uncharged at release
    text = conservation_line(["mkdir A", "mkdir B", "task tA A", "task tB B",
                              "alloc X0 4000 task=tA cpu=0", "alloc X1 96 task=tA cpu=0",
                              "alloc X2 92 task=tA cpu=1", "alloc Y0 100 task=tB cpu=1",
                              "free X2 cpu=0", "free X0 cpu=0", "free X1 cpu=0",
                              "move tA /", "rmdir A"], "/A")
    assert text.startswith("✓ objcg /A released: its 4096 leftover bytes were 1 whole page(s)")
    assert "off by" not in text


def test_a_released_objcg_with_a_partial_page_is_the_warn_case() -> None:
    # uncharging more than was charged: 3996 bytes at release (tests/scenarios/
    # misuse_negative_counter.objcg): 0 pages uncharged there, and the counter is one
    # page short already
    text = conservation_line(["mkdir A", "charge /A 100 cpu=0", "drain cpu=0",
                              "uncharge /A 8192 cpu=0", "rmdir A"], "/A")
    assert text.startswith("✗ objcg /A released: nr_charged_bytes 3996 is not a whole number")
    assert "WARN in obj_cgroup_release; 1 page(s) uncharged more than charged" in text


async def solve_goal_and_go_on(app: LessonApp, pilot: Any, line: str) -> Machine:
    app.enter(6)  # lesson 2's goal
    await pilot.pause()
    await pilot.press("colon", *[{" ": "space"}.get(c, c) for c in line], "enter", "escape")
    await pilot.pause()
    assert app.reached and app.solved_by == "by you"
    machine = app.session.machine
    await pilot.press("right_square_bracket")
    await pilot.pause()
    assert app.player is not None and app.player.index == 7
    return machine


async def test_the_commands_that_solved_a_goal_stay_in_the_timeline(tmp_path: Any) -> None:
    app = lesson("02-byte-stock.toml", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        machine = await solve_goal_and_go_on(app, pilot, "alloc X3 3796 task=tA cpu=0")
        # the learner's machine goes on: their command, typed at the prompt, is its last
        assert app.session.machine is machine
        assert machine.commands[-1].command.text == "alloc X3 3796 task=tA cpu=0"
        assert machine.commands[-1].command.line == 1  # typed, not from the lesson file


async def test_a_goal_solved_another_way_goes_on_from_the_lesson_state(tmp_path: Any) -> None:
    app = lesson("02-byte-stock.toml", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        machine = await solve_goal_and_go_on(app, pilot, "alloc MINE 3796 task=tA cpu=0")
        assert app.session.machine is not machine  # MINE is not the lesson's X3
        assert app.session.machine.commands[-1].command.text == "alloc X3 3796 task=tA cpu=0"
        assert "goes on from the solution's state" in str(app.query_one("#message").render())
