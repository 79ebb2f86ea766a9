"""The lesson player in the TUI (tui/lesson): every lesson played with Pilot to its end,
with the answers the engine computes and the goals reached by typing their solutions;
wrong predictions, hints, solutions, malformed lessons, the list, progress and reset.

Snapshots: `pytest tests/tui/test_lesson_player.py --snapshot-update` after an intended
change of the screen (and look at the report first)."""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from textual.widgets import Markdown, Static

from engine.lessons import Goal, Predict, check_file, load_lesson
from engine.lessons.check import read_field
from engine.fields import parse_ref
from engine.lessons.mask import SHOWN, mask_for, with_relatives
from engine.lessons.model import WIDGETS
from tests.tui.conftest import fresh_layout, painter, press, type_text
from tui import present
from tui.present import MASK
from tui.lesson import texts
from tui.lesson.app import LessonApp
from tui.lesson.list_screen import LessonList
from tui.widgets.narration import Narration
from tui.widgets.rowlist import RowList
from tui.widgets.status import InvariantStatus
from tui.widgets.stocks import CpuStocks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LESSONS = sorted(p for p in glob.glob(os.path.join(ROOT, "lessons", "**", "*.toml"), recursive=True)
                 if os.path.basename(p) != "index.toml")
BAD = sorted(glob.glob(os.path.join(ROOT, "tests", "lessons", "*.toml")))
WIDE = (120, 40)
SMALL = (80, 24)


def typed(value: Any) -> str:
    """An engine value as a learner types it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(typed(v) for v in value) if value else "empty"
    return str(value)


def answers(path: str) -> dict[int, Any]:
    report = check_file(path)
    assert report.ok, report.problems
    return {a.step: a.value for a in report.answers}


def value(app: LessonApp, ref: str) -> Any:
    """A field of the state the panels show."""
    found, error = read_field(app.state(), ref)
    assert error is None, error
    return found


async def settle(app: LessonApp) -> None:
    await painter(app).settle()


def status(app: LessonApp) -> str:
    return str(app.query_one("#lesson-status", Static).render())


def narration_markdown(app: LessonApp, which: str = "#lesson-text") -> str:
    return app.query_one(which, Markdown).source


def screen_lines(app: LessonApp) -> list[str]:
    """Every line the panels draw now (all rows, scrolled into view or not), through
    the widgets' own drawing functions."""
    lines: list[str] = []
    for widget in app.query(RowList):
        lines += [widget._draw(row).plain for row in widget.rows]
    stocks = app.query_one(CpuStocks)
    assert stocks.world is not None
    lines += [t.plain for t in present.stock_lines(stocks.world, stocks.highlight, 100)]
    lines.append(app.query_one(InvariantStatus).plain)
    return lines


# A predicted field -> the record keys that hold it (the JSON state renames a few).
RECORD_KEYS = {("memcg", "css_refs"): ("refcnt", "holders"), ("objcg", "refcnt"): ("refcnt", "holders"),
               ("object", "accounted"): ("accounted", "objcg"), ("object", "objcg"): ("objcg", "accounted")}


def other(value: Any) -> Any:
    """A value of the same kind that differs from `value`."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 4099
    if isinstance(value, dict):
        return {**value, "zz": 7}
    return {"online": "dying", "dying": "online", "active": "killed", "killed": "active"}.get(
        value, "/zz")


DRAWN = ("memcg", "objcg", "object", "cpu")  # the explorer draws no slab or cache figure


def assert_masked(app: LessonApp, step: Predict) -> None:
    """The answer is not on screen: the panels draw the same lines whatever the field's
    value, and draw a '?' for it."""
    assert mask_for(step.field) <= app.masked, (step.field, app.masked)
    kind, name, field = parse_ref(step.field)
    if field not in SHOWN.get(kind, ()):  # not drawn by the explorer at all: nothing to hide
        return
    world = app.session.world()
    record = {"memcg": world.memcg, "objcg": world.objcg, "object": world.object,
              "cpu": lambda n: next(c for c in world.cpus() if str(c["cpu"]) == n)}[kind](name)
    assert record is not None
    before = screen_lines(app)
    assert any(MASK in line for line in before), step.field
    keys = RECORD_KEYS.get((kind, field), (field,))
    saved = {k: record[k] for k in keys}
    try:
        for k in keys:
            record[k] = other(record[k])
        after = screen_lines(app)
    finally:
        record.update(saved)
    assert before == after, (step.field, [(a, b) for a, b in zip(before, after) if a != b])


async def play_to_end(app: LessonApp) -> None:
    """Play the open lesson like a learner who knows the answer key; at every
    prediction about the state on screen, check that its answer is masked."""
    player = app.player
    assert player is not None
    key = answers(player.lesson.file)
    while not player.at_end:
        step = player.step
        index = player.index
        if isinstance(step, Predict):
            if not step.commands and parse_ref(step.field)[0] in DRAWN:
                assert_masked(app, step)
            else:  # only what the lesson hides until a later prediction asks it
                assert app.masked == with_relatives(player.masks(), player.state())
            await type_text(app, typed(key[index]))
            await press(app, "enter")
            assert app.answered, f"step {index + 1} not answered"
            assert app.masked == with_relatives(player.masks(answered=True), player.state())
            assert app.masked or not any(MASK in line for line in screen_lines(app)
                                         if "?" not in str(key[index]))
            assert "Right" in status(app), (player.lesson.id, index, status(app))
        elif isinstance(step, Goal):
            for _, line in step.solution.lines:
                if line.strip() and not line.strip().startswith("#"):
                    await press(app, "colon")
                    await type_text(app, line.strip())
                    await press(app, "enter")
            assert app.reached, (player.lesson.id, index, status(app))
            assert "Goal reached" in status(app)
        await press(app, "right_square_bracket")
        assert player.index == index + 1, (player.lesson.id, index, str(app.query_one("#message").render()))


@pytest.fixture
def progress_file(tmp_path: Any) -> str:
    return str(tmp_path / "progress.json")


# -- every lesson, to its end, one snapshot each -----------------------------------------
@pytest.mark.parametrize("path", LESSONS, ids=[os.path.basename(p)[:-5] for p in LESSONS])
def test_every_lesson_plays_to_the_end(snap_compare: Any, path: str, progress_file: str) -> None:
    app = LessonApp(path, progress_path=progress_file)

    seen: list[str] = []

    async def run(pilot: Any) -> None:
        await settle(app)
        await play_to_end(app)
        await fresh_layout(app)
        seen.append(narration_markdown(app))

    assert snap_compare(app, run_before=run, terminal_size=WIDE)
    assert app.player is not None and app.player.at_end
    assert "Lesson complete" in seen[0]
    lesson, _ = load_lesson(path)
    assert lesson is not None
    saved = json.load(open(progress_file))["lessons"][lesson.id]
    assert saved == {"done": list(range(len(lesson.steps))), "completed": True}


# -- predictions -------------------------------------------------------------------------------
@pytest.mark.real_pilot
async def test_a_wrong_prediction_shows_the_engine_value_and_the_explanation(progress_file: str) -> None:
    """Driven by Pilot itself, key by key through the app's driver (the other tests post
    the same key events and settle without Pilot's sleeps)."""
    app = LessonApp(os.path.join(ROOT, "lessons", "02-byte-stock.toml"), progress_path=progress_file)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("right_square_bracket")
        assert isinstance(app.focused, type(app.query_one(Narration).answer))  # typed in place
        await pilot.press("3", "1")
        await pilot.press("enter")
        await pilot.pause()
        text = status(app)
        assert "Not quite" in text and "you said 31" in text and "memcg /A usage = 32" in text
        more = narration_markdown(app, "#lesson-more")
        assert "batch of 32 pages" in more
        assert app.query_one("#lesson-more").display
        assert app.answered and value(app, "memcg /A usage") == 32  # the command ran
        # the explorer's keys work again at once: step back through what the command did
        cursor = app.session.cursor
        await pilot.press("b")
        assert app.session.cursor == cursor - 1


async def test_an_empty_answer_is_refused_in_place(progress_file: str) -> None:
    app = LessonApp(os.path.join(ROOT, "lessons", "02-byte-stock.toml"), progress_path=progress_file)
    async with app.run_test(size=WIDE):
        await press(app, "right_square_bracket", "enter")
        assert "type a value first" in status(app)
        assert not app.answered
        await type_text(app, "32")
        await press(app, "enter")
        assert app.answered and "Right" in status(app)


async def test_next_on_an_unanswered_prediction_warns_then_skips(progress_file: str) -> None:
    app = LessonApp(os.path.join(ROOT, "lessons", "02-byte-stock.toml"), progress_path=progress_file)
    async with app.run_test(size=WIDE):
        await press(app, "right_square_bracket", "right_square_bracket")  # ] from the answer too
        assert app.player is not None and app.player.index == 1
        assert "press ] again to skip" in str(app.query_one("#message").render())
        await press(app, "right_square_bracket")
        assert app.player.index == 2
        # skipped, so not done; but the state is the lesson's own (the command ran)
        assert json.load(open(progress_file))["lessons"]["02-byte-stock"]["done"] == [0]
        assert value(app, "cpu 0 nr_bytes") == 3996
        await press(app, "left_square_bracket")
        assert app.player.index == 1 and value(app, "memcg /A usage") == 0


# -- goals ----------------------------------------------------------------------------------------
async def test_goal_shows_the_differing_field_hints_and_solution(progress_file: str) -> None:
    path = os.path.join(ROOT, "lessons", "02-byte-stock.toml")
    app = LessonApp(path, progress_path=progress_file)
    async with app.run_test(size=WIDE):
        assert app.player is not None
        app.enter(6)  # the goal: empty cpu0's byte stock exactly
        await settle(app)
        assert "✗ cpu 0 nr_bytes: expected 0, engine has 3796" in status(app)
        await press(app, "colon")
        await type_text(app, "alloc X3 100 task=tA cpu=0")
        await press(app, "enter")
        assert "expected 0, engine has 3696" in status(app)  # checked at once, not after the replay
        assert not app.reached
        await press(app, "escape", "h")  # the prompt stays open after Enter: leave it
        assert "Hint 1" in narration_markdown(app, "#lesson-more")
        assert "(none for now)" in status(app)  # the one hint for a stock partly used
        await press(app, "h", "h")
        assert "no more hints" in str(app.query_one("#message").render())
        await press(app, "s")
        assert app.reached and "Goal reached" in status(app) and "by the solution" in status(app)
        assert "✓ cpu 0 nr_bytes = 0" in status(app)
        # the solution replays from the goal's start, ready to be watched with n / space
        assert app.session.cursor < app.session.total
        await press(app, "G")
        assert value(app, "cpu 0 nr_bytes") == 0
        assert value(app, "object X3 size") == 3796  # the learner's X3 (100 bytes) is gone


async def test_goal_reached_by_typing_and_lesson_words(progress_file: str) -> None:
    app = LessonApp(os.path.join(ROOT, "lessons", "02-byte-stock.toml"), progress_path=progress_file)
    async with app.run_test(size=WIDE):
        app.enter(6)
        await settle(app)
        await press(app, "colon")
        await type_text(app, "hint")
        await press(app, "enter")
        assert "Hint 1" in narration_markdown(app, "#lesson-more")
        await press(app, "colon")
        await type_text(app, "alloc X3 3796 task=tA cpu=0")
        await press(app, "enter")
        assert app.reached and "by you" in status(app)
        assert "goal reached" in str(app.query_one("#message").content)
        await press(app, "colon")
        await type_text(app, "next")
        await press(app, "enter")
        assert app.player is not None and app.player.index == 7
        # the next step does not open with the last one's "★ goal reached: ] next step"
        assert "goal reached" not in str(app.query_one("#message").content)


async def test_a_bad_command_in_a_goal_is_one_red_line(progress_file: str) -> None:
    app = LessonApp(os.path.join(ROOT, "lessons", "02-byte-stock.toml"), progress_path=progress_file)
    async with app.run_test(size=WIDE):
        app.enter(6)
        await press(app, "colon")
        await type_text(app, "alloc X3 lots")
        await press(app, "enter")
        message = str(app.query_one("#message").content)  # as said (the screen wraps it)
        assert "error" in message and "\n" not in message.strip()
        assert not app.reached and app.is_running


# -- run steps, micro-step by micro-step ------------------------------------------------------
STEPPED = '''
title = "Stepping"
teaches = "A run step in steps mode."
setup = """
mkdir A
task t A
"""

[[steps]]
type = "run"
mode = "steps"
text = "Watch the charge."
commands = "alloc X0 100 task=t cpu=0"

[[steps]]
type = "explain"
widget = "tasks"
field = "cpu 0 nr_bytes"
text = "Done."
'''


async def test_a_stepped_run_starts_at_its_first_micro_step(tmp_path: Any, progress_file: str) -> None:
    path = tmp_path / "stepped.toml"
    path.write_text(STEPPED)
    app = LessonApp(str(path), progress_path=progress_file)
    async with app.run_test(size=WIDE):
        await settle(app)
        s = app.session
        first = s.machine.commands[-1].first
        assert s.cursor == first and s.total > first + 3
        assert value(app, "cpu 0 nr_bytes") == 0
        await press(app, "n")
        assert s.cursor == first + 1
        await press(app, "N")
        assert s.cursor == s.total and value(app, "cpu 0 nr_bytes") == 3996
        assert "n next micro-step" in status(app)
        assert app.query_one("#trail-panel").has_class("-pointed")
        await press(app, "right_square_bracket")
        text = narration_markdown(app)
        assert "`cpu 0 nr_bytes` = **3996**" in text
        assert "| t | /A | none | true |" in text  # tasks: no explorer panel, so listed here
        assert app.query_one("#tree").has_class("-pointed")


# -- the widget a step points at ------------------------------------------------------------------
def test_every_widget_name_maps_to_an_explorer_panel() -> None:
    assert set(texts.PANELS) == set(WIDGETS)


async def test_the_pointed_panel_is_highlighted_alone(progress_file: str) -> None:
    app = LessonApp(os.path.join(ROOT, "lessons", "02-byte-stock.toml"), progress_path=progress_file)
    async with app.run_test(size=WIDE):
        await settle(app)
        pointed = [w.id for w in app.query(".-pointed")]
        assert pointed == ["stocks"]  # step 1: widget = "stocks"
        await press(app, "right_square_bracket")
        assert [w.id for w in app.query(".-pointed")] == ["tree"]  # predicts memcg /A usage
        app.enter(6)
        assert [w.id for w in app.query(".-pointed")] == ["cmdline"]  # a goal


# -- malformed lessons ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", BAD, ids=[os.path.basename(p)[:-5] for p in BAD])
async def test_a_malformed_lesson_shows_its_problems_and_the_app_keeps_running(
        path: str, progress_file: str) -> None:
    problems = check_file(path).problems
    assert problems
    app = LessonApp(path, progress_path=progress_file)
    async with app.run_test(size=WIDE):
        await settle(app)
        shown = status(app)
        for problem in problems:
            assert f"{problem.file}:{problem.line}:" in shown and problem.message in shown
        assert app.player is None
        await press(app, "right_square_bracket")
        assert "no lesson open" in str(app.query_one("#message").render())
        await press(app, "colon")
        await type_text(app, "mkdir Z")
        await press(app, "enter")
        await press(app, "escape", "G")  # leave the prompt; jump to the typed command's end
        assert value(app, "memcg /Z state") == "online"  # the explorer still works
        await press(app, "l")
        assert isinstance(app.screen, LessonList)


def test_malformed_lesson_snapshot(snap_compare: Any, progress_file: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # a relative path: the picture must not depend on the checkout
    app = LessonApp(os.path.join("tests", "lessons", "many_problems.toml"),
                    progress_path=progress_file)
    assert snap_compare(app, terminal_size=WIDE)


# -- the list, progress, reset --------------------------------------------------------------------------
async def test_the_list_shows_progress_and_selecting_plays(progress_file: str) -> None:
    with open(progress_file, "w") as handle:
        json.dump({"version": 1, "lessons": {"01-why-objcg": {"done": [0, 1], "completed": False}}},
                  handle)
    app = LessonApp(None, progress_path=progress_file)
    async with app.run_test(size=WIDE):
        await settle(app)
        assert isinstance(app.screen, LessonList)
        options = app.screen.query_one("#lessons")
        first = str(options.get_option_at_index(0).prompt)
        assert first.startswith(" 1. 2/") and "Why obj_cgroup exists" in first
        assert "not started" in str(options.get_option_at_index(1).prompt)
        await press(app, "r")  # reset the highlighted lesson (1)
        assert "not started" in str(options.get_option_at_index(0).prompt)
        assert json.load(open(progress_file))["lessons"] == {}
        await press(app, "down", "enter")
        assert not isinstance(app.screen, LessonList)
        assert app.player is not None and app.player.lesson.id == "02-byte-stock"
        assert "Lesson 2 · step 1/8" in str(app.query_one("#lesson-head", Static).render())


def test_lesson_list_snapshot(snap_compare: Any, progress_file: str) -> None:
    with open(progress_file, "w") as handle:
        json.dump({"version": 1, "lessons": {"02-byte-stock": {"done": list(range(8)), "completed": True},
                                             "03-page-rounding": {"done": [0, 1], "completed": False}}},
                  handle)
    assert snap_compare(LessonApp(None, progress_path=progress_file), terminal_size=WIDE)


def test_lesson_at_80x24_snapshot(snap_compare: Any, progress_file: str) -> None:
    app = LessonApp(os.path.join(ROOT, "lessons", "03-page-rounding.toml"), progress_path=progress_file)
    async def run(pilot: Any) -> None:  # the answer runs the step's command, which plays
        await press(app, "right_square_bracket", "4", "0", "9", "6", "enter")
        await fresh_layout(app)

    assert snap_compare(app, run_before=run, terminal_size=SMALL)


def test_cli_reset_and_unknown_lesson(tmp_path: Any) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    store = tmp_path / "objcg-lab" / "progress.json"
    store.parent.mkdir()
    store.write_text(json.dumps({"version": 1, "lessons": {
        "02-byte-stock": {"done": [0], "completed": False},
        "03-page-rounding": {"done": [0], "completed": False}}}))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)

    done = cli("lesson", "--reset", "2")
    assert done.returncode == 0 and "02-byte-stock" in done.stdout
    assert list(json.loads(store.read_text())["lessons"]) == ["03-page-rounding"]
    done = cli("lesson", "--reset")
    assert done.returncode == 0 and json.loads(store.read_text())["lessons"] == {}
    for args in (("lesson", "nosuch"), ("lesson", "--reset", "99")):
        done = cli(*args)
        assert done.returncode == 2 and "no lesson 'nosuch'" in done.stderr or "'99'" in done.stderr
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


# -- pure texts ---------------------------------------------------------------------------------------------
def test_texts_widget_of_and_values() -> None:
    lesson, _ = load_lesson(os.path.join(ROOT, "lessons", "02-byte-stock.toml"))
    assert lesson is not None
    assert [texts.widget_of(s) for s in lesson.steps] == [
        "stocks", "memcg_tree", "stocks", "stocks", "memcg_tree", "objcgs", "command_line", "stocks"]
    assert texts.shown(None) == "none" and texts.shown(["/A/B", "/A"]) == "[/A/B, /A]"
    assert texts.code("alloc X 1\n\nfree X") == "\n\n```\nalloc X 1\nfree X\n```"
