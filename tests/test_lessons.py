"""Lessons: every lesson of the course plays headless, malformed lessons are reported
the way a new teacher needs (every problem, FILE:LINE, exit 2, no traceback), and the
player logic a TUI will drive behaves."""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest

from engine.lessons import Goal, Player, Predict, check_file, load_lesson
from engine.lessons import progress
from engine.lessons.course import entries, find, read_index
from engine.lessons.lines import KeyLines
from engine.lessons.values import parse_typed, same

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LESSONS = os.path.join(ROOT, "lessons")
BAD = os.path.join(ROOT, "tests", "lessons")
ALL_LESSONS = sorted(p for p in glob.glob(os.path.join(LESSONS, "**", "*.toml"), recursive=True)
                     if os.path.basename(p) != "index.toml")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


# -- the course ------------------------------------------------------------------------
def test_course_has_ten_lessons_in_order() -> None:
    files, problems = read_index(LESSONS)
    assert problems == []
    assert len(files) >= 10
    numbers = [os.path.basename(f)[:2] for f in files]
    assert numbers == sorted(numbers)


def test_every_lesson_file_is_indexed_or_an_example() -> None:
    files, _ = read_index(LESSONS)
    indexed = {os.path.abspath(f) for f in files}
    for path in ALL_LESSONS:
        assert os.path.abspath(path) in indexed or os.sep + "examples" + os.sep in path, path


@pytest.mark.parametrize("path", ALL_LESSONS, ids=os.path.basename)
def test_lesson_plays_headless(path: str) -> None:
    """Its solutions reach every goal and every predict answer is the engine's value."""
    report = check_file(path)
    assert [str(p) for p in report.problems] == []
    lesson = report.lesson
    assert lesson is not None
    predicts = [s for s in lesson.steps if isinstance(s, Predict)]
    goals = [s for s in lesson.steps if isinstance(s, Goal)]
    assert len(report.answers) == len(predicts) and goals
    assert all(check.ok for _, checks in report.goals for check in checks)


@pytest.mark.parametrize("path", ALL_LESSONS, ids=os.path.basename)
def test_player_walks_lesson_with_right_answers(path: str) -> None:
    lesson, problems = load_lesson(path)
    assert lesson is not None and not problems
    player = Player(lesson)
    expected = {a.step: a.value for a in check_file(path).answers}
    while not player.at_end:
        step = player.step
        if isinstance(step, Predict):
            typed = expected[player.index]
            text = ", ".join(map(str, typed)) if isinstance(typed, list) else str(typed)
            result = player.answer(text if typed != [] else "[]")
            assert result.correct, (player.index, typed, result.actual)
        elif isinstance(step, Goal):
            assert not player.goal_status().reached
            for _, line in step.solution.lines:
                player.command(line)
            assert player.goal_status().reached
        else:
            player.run()
        player.next()


def test_cli_check_whole_course_exits_0() -> None:
    done = cli("lesson", "check", *ALL_LESSONS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": ok: ") == len(ALL_LESSONS)


def test_cli_answers_prints_every_predict_answer() -> None:
    path = os.path.join(LESSONS, "09-objcg-lifetime.toml")
    done = cli("lesson", "answers", path)
    assert done.returncode == 0, done.stderr
    assert "answer: 4096 bytes    [objcg /A nr_charged_bytes]" in done.stdout
    assert done.stdout.count("answer: ") == 7


def test_cli_lesson_lists_the_course() -> None:
    for args in (("lesson",), ("lesson", "3"), ("lesson", "02-byte-stock")):
        done = cli(*args)
        assert done.returncode == 0, done.stderr
        assert " 1. 01-why-objcg" in done.stdout and "10. 10-limits" in done.stdout


def test_find_by_number_and_name() -> None:
    assert find("2", LESSONS).id == "02-byte-stock"  # type: ignore[union-attr]
    assert find("10-limits.toml", LESSONS).number == 10  # type: ignore[union-attr]
    assert find("99", LESSONS) is None
    numbers = [e.number for e in entries(LESSONS)[0]]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 10


# -- malformed lessons, as a new teacher writes them --------------------------------------
# file -> (line, fragment) pairs that must all appear, each as FILE:LINE: error: ...
BAD_CASES = {
    "missing_key.toml": [(1, "missing required key 'teaches'"),
                         (4, "step 1 (predict), answer: missing required key 'answer'"),
                         (10, "step 2 (goal), expect: missing required key 'expect'")],
    "unknown_key.toml": [(3, "unknown key 'author'"), (8, "unknown key 'widgt'"),
                         (11, "type must be one of explain, run, predict, goal, got 'lecture'")],
    "wrong_type.toml": [(3, "minutes: must be a positive integer, got -3"),
                        (4, "setup: must be a string of script lines"),
                        (8, "text: must be a non-empty string, got 42"),
                        (9, "widget: must be one of"),
                        (14, "expect: must be a table"),
                        (16, "hints: must be an array of strings")],
    "failing_command.toml": [(12, "command failed: object 'X0' already exists"),
                             (13, "command failed: unknown command 'frobnicate'"),
                             (19, "objcg /A refcnt: expected 2, engine has 3"),
                             (20, "solution: command failed: no live object 'X9'")],
    "bad_field.toml": [(11, "no memcg '/B' in this state"),
                       (18, "cpu has no field 'bytes'"),
                       (25, "'stock 0 nr_bytes' is not a field reference")],
    "syntax_error.toml": [(6, "TOML syntax")],
    "many_problems.toml": [(1, "missing required key 'teaches'"), (2, "minutes"),
                           (3, "unknown key 'colour'"), (9, "missing required key 'text'"),
                           (11, "unknown key 'txt'"), (17, "no task 'nobody'"),
                           (23, "memcg has no field 'usgae'"),
                           (31, "the answer is 4000 but the engine says cpu 0 nr_bytes = 3996"),
                           (37, "memcg /A usage: expected 99, engine has 32")],
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_lesson_reports_every_problem(name: str) -> None:
    path = os.path.join("tests", "lessons", name)
    done = cli("lesson", "check", path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    lines = [l for l in done.stderr.splitlines() if ": error: " in l]
    for number, fragment in BAD_CASES[name]:
        prefix = f"{path}:{number}: error: "
        assert any(l.startswith(prefix) and fragment in l for l in lines), (number, fragment, lines)
    assert len(lines) == len(BAD_CASES[name]), lines  # and nothing spurious


def test_answers_on_a_malformed_lesson_exits_2() -> None:
    done = cli("lesson", "answers", os.path.join("tests", "lessons", "wrong_type.toml"))
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_unreadable_lesson() -> None:
    done = cli("lesson", "check", "tests/lessons/no_such_file.toml")
    assert done.returncode == 2
    assert done.stderr.startswith("tests/lessons/no_such_file.toml:1: error: file: cannot read")


# -- the player's feedback ----------------------------------------------------------------
def _player(name: str) -> Player:
    lesson, problems = load_lesson(os.path.join(LESSONS, name))
    assert lesson is not None and not problems
    return Player(lesson)


def test_wrong_prediction_gets_the_explanation() -> None:
    player = _player("02-byte-stock.toml")
    player.next()  # past the explain
    result = player.answer("1")
    assert not result.correct and result.actual == 32
    assert "batch of 32" in result.explanation


def test_goal_names_the_field_that_differs() -> None:
    player = _player("02-byte-stock.toml")
    goal_at = next(i for i, s in enumerate(player.lesson.steps) if isinstance(s, Goal))
    player.goto(goal_at)
    status = player.command("alloc X3 3000 task=tA cpu=0")
    assert not status.reached
    [differs] = status.differing
    assert (differs.field, differs.expected, differs.actual) == ("cpu 0 nr_bytes", 0, 796)
    assert "expected 0, engine has 796" in str(differs)
    assert player.hint() and player.hint() and player.hint() is None
    assert player.show_solution().reached


def test_after_a_goal_the_lesson_continues_from_the_canonical_state() -> None:
    player = _player("02-byte-stock.toml")
    goal_at = next(i for i, s in enumerate(player.lesson.steps) if isinstance(s, Goal))
    player.goto(goal_at)
    player.command("drain cpu=0")  # the learner wanders off
    player.next()
    assert player.state()["cpus"][0]["cached_objcg"] == "/A"


def test_learner_typing() -> None:
    assert parse_typed("4K") == 4096 and parse_typed(" none ") is None
    assert parse_typed("/A/B, /A") == ["/A/B", "/A"] and parse_typed("[]") == []
    assert parse_typed("False") is False
    assert same("A", "/A") and not same(1, True) and not same("1", 1)
    assert same(None, None) and not same(0, None)


# -- the source-line scanner ---------------------------------------------------------------
def test_key_lines_skip_multiline_strings_and_index_arrays() -> None:
    text = '\n'.join([
        'title = "x"',              # 1
        'setup = """',              # 2
        'fake = 1',                 # 3 inside the string
        '"""',                      # 4
        '[[steps]]',                # 5
        'type = "goal"',            # 6
        'expect = { "memcg /A usage" = 1 }',  # 7
        '[[steps]]',                # 8
        'type = "run"',             # 9
        '[steps.extra]',            # 10
        'k = 2',                    # 11
    ])
    keys = KeyLines(text)
    assert ("fake",) not in keys.lines
    assert keys.value_start[("setup",)] == 3
    assert keys.line_of(("steps", 0, "expect", "memcg /A usage")) == 7
    assert keys.line_of(("steps", 1)) == 8 and keys.line_of(("steps", 1, "type")) == 9
    assert keys.line_of(("steps", 1, "extra", "k")) == 11
    assert keys.line_of(("steps", 1, "missing")) == 8


# -- progress file ---------------------------------------------------------------------------
def test_progress_round_trip_and_reset(tmp_path: object) -> None:
    path = os.path.join(str(tmp_path), "sub", "progress.json")
    data = progress.load(path)
    assert data["lessons"] == {}
    data = progress.mark(data, "01-why-objcg", 0, 2)
    assert progress.summary(data, "01-why-objcg", 2) == "1/2"
    data = progress.mark(data, "01-why-objcg", 1, 2)
    progress.save(path, data)
    again = progress.load(path)
    assert progress.summary(again, "01-why-objcg", 2) == "done"
    assert progress.reset(again, "01-why-objcg")["lessons"] == {}
    with open(path, "w") as handle:
        handle.write("{broken")
    assert progress.load(path)["lessons"] == {}


def test_progress_default_path_honours_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "/tmp/xdg")
    assert progress.default_path() == "/tmp/xdg/objcg-lab/progress.json"


# -- boundaries --------------------------------------------------------------------------------
def test_lessons_package_imports_no_ui() -> None:
    code = ("import sys, engine.lessons, engine.lessons.cli; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('textual', 'rich', 'tui'))))")
    done = subprocess.run([sys.executable, "-c", "import json; " + code], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_a_typo_is_not_an_answer_and_locks_in_nothing() -> None:
    from engine.lessons.player import LessonError, Player

    lesson, problems = load_lesson(os.path.join(LESSONS, "02-byte-stock.toml"))
    assert lesson is not None and not problems
    player = Player(lesson)
    while not isinstance(player.step, Predict):
        player.next()
    before = player.state()
    for typo in ("abc", ":alloc X0 100 task=tA cpu=0", "yes"):
        with pytest.raises(LessonError, match="is not an answer here"):
            player.answer(typo)
        assert player.state() == before  # the step's commands did not run
    assert player.answer("32").correct


def test_an_explain_step_can_restart_on_another_kernel() -> None:
    """lessons/13: the v5.8 half and the v5.9 half, each on its own machine."""
    from engine.lessons.loader import load_lesson
    from engine.lessons.player import Player

    lesson, problems = load_lesson(os.path.join(ROOT, "lessons", "13-before-and-after.toml"))
    assert lesson is not None and not problems
    player = Player(lesson, history=False)
    assert player.state()["config"]["kernel"] == "5.8"
    restart = next(i for i, s in enumerate(lesson.steps) if getattr(s, "restart", None))
    player.goto(restart - 1)
    assert player.state()["config"]["kernel"] == "5.8"
    assert player.state()["slab"]["pages"] == 10  # ten dead clones, a page each
    player.next()  # into the restart: a fresh v5.9 machine
    assert player.index == restart
    assert player.state()["config"]["kernel"] == "5.9" and player.state()["slab"]["pages"] == 0
    player.goto(len(lesson.steps))
    assert player.state()["config"]["kernel"] == "5.9" and player.state()["slab"]["objects"] == 0
