"""Lessons: every lesson of the course plays headless, malformed lessons are reported
the way a new teacher needs (every problem, FILE:LINE, exit 2, no traceback), and the
player logic a TUI will drive behaves."""
from __future__ import annotations

import glob
import json
import os
import subprocess
from typing import Any
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
    path = os.path.join(LESSONS, "10-objcg-lifetime.toml")
    done = cli("lesson", "answers", path)
    assert done.returncode == 0, done.stderr
    assert "answer: 4096 bytes    [objcg /A nr_charged_bytes]" in done.stdout
    assert done.stdout.count("answer: ") == 7


def test_cli_lesson_lists_the_course() -> None:
    for args in (("lesson",), ("lesson", "3"), ("lesson", "02-byte-stock")):
        done = cli(*args)
        assert done.returncode == 0, done.stderr
        assert " 1. 01-why-objcg" in done.stdout and ". 13-limits" in done.stdout


def test_find_by_number_and_name() -> None:
    assert find("2", LESSONS).id == "02-byte-stock"  # type: ignore[union-attr]
    listed = entries(LESSONS)[0]
    limits = find("13-limits.toml", LESSONS)
    assert limits is not None and listed[limits.number - 1].id == "13-limits"
    assert find("99", LESSONS) is None
    assert [e.number for e in listed] == list(range(1, len(listed) + 1)) and len(listed) >= 13


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
                        (16, "hints: must be an array of hints: strings, or tables")],
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
    hint = player.hint()  # the one hint for a stock partly used, and then none
    assert hint is not None and "used now" in hint and player.hint() is None
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


# -- hidden answers, reacting hints, sizes (issue 11) --------------------------------------
def _lesson_text(steps: str, setup: str = "config cpus=2\nmkdir A\ntask tA A\nalloc X0 100 task=tA cpu=0") -> str:
    return f'title = "t"\nteaches = "t"\nsetup = """\n{setup}\n"""\n{steps}'


def test_check_reports_an_answer_the_screen_would_show(tmp_path: Any) -> None:
    path = tmp_path / "visible.toml"
    path.write_text(_lesson_text('''
[[steps]]
type = "predict"
question = "list?"
field = "memcg / objcg_list"
answer = []
explanation = "x"

[[steps]]
type = "predict"
question = "masked, fine"
field = "cpu 0 nr_bytes"
answer = 3996
explanation = "x"

[[steps]]
type = "predict"
question = "asked before the commands, fine"
field = "memcg /A state"
answer = "freed"
commands = """
move tA /
rmdir A
"""
explanation = "x"

[[steps]]
type = "predict"
question = "visible"
field = "memcg /A state"
answer = "freed"
explanation = "x"
'''))
    report = check_file(str(path))
    problems = [str(p) for p in report.problems]
    assert len(problems) == 2, problems
    assert ":13: error: step 1 (predict), field: the answer would be visible" in problems[0]
    assert "rows" in problems[0] and "leaves the screen" in problems[1]


def test_hints_react_to_the_state(tmp_path: Any) -> None:
    path = tmp_path / "hints.toml"
    path.write_text(_lesson_text('''
[[steps]]
type = "goal"
text = "empty cpu0's and cpu1's byte stocks of /A"
expect = { "memcg /A usage" = 0, "cpu 0 nr_bytes" = "0K" }
hints = [
  { text = "free X0", when = { "object X0 objcg" = "/A" } },
  { text = "drain cpu0", when = { "object X0 objcg" = "none", "cpu 0 cached_objcg" = "/A" } },
  { text = "drain cpu1", when = { "cpu 1 cached_objcg" = "/A" } },
  "always",
]
solution = """
free X0 cpu=0
drain cpu=0
"""
''', setup="config cpus=2\nmkdir A\ntask tA A\nalloc X0 100 task=tA cpu=0\nmkdir B\ntask tB B\nalloc Y0 100 task=tB cpu=0"))
    report = check_file(str(path))
    assert report.ok, report.problems
    lesson = report.lesson
    assert lesson is not None
    assert lesson.steps[0].expect[1].value == 0  # type: ignore[union-attr]  # "0K" is a size
    player = Player(lesson, history=False)
    assert player.hint() == "free X0"
    assert player.hint() == "always"  # the drains would do nothing yet
    assert player.hint() is None
    player.command("free X0 cpu=1")  # on cpu1, not cpu0: only the cpu1 hint applies
    assert player.hints_left() == [2]
    assert player.hint() == "drain cpu1"
    assert player.given_hints() == ["free X0", "always", "drain cpu1"]


def test_bad_hint_tables_are_reported(tmp_path: Any) -> None:
    path = tmp_path / "badhint.toml"
    path.write_text(_lesson_text('''
[[steps]]
type = "goal"
text = "g"
expect = { "cpu 0 nr_bytes" = 0 }
hints = [ { txt = "x", when = { "cpu 0 nr_bytes" = 1 } }, { text = "y", when = { "cpu 0 bogus" = 1 } } ]
solution = "alloc X1 3996 task=tA cpu=0"
'''))
    problems = [str(p) for p in check_file(str(path)).problems]
    assert any("unknown key 'txt' in hint 1" in p for p in problems), problems
    assert any("hint 1 needs text" in p for p in problems), problems


def test_unknown_hint_field_is_reported(tmp_path: Any) -> None:
    path = tmp_path / "hintfield.toml"
    path.write_text(_lesson_text('''
[[steps]]
type = "goal"
text = "g"
expect = { "cpu 0 nr_bytes" = 0 }
hints = [ { text = "y", when = { "cpu 0 bogus" = 1 } } ]
solution = "alloc X1 3996 task=tA cpu=0"
'''))
    problems = [str(p) for p in check_file(str(path)).problems]
    assert len(problems) == 1 and "cpu has no field 'bogus'" in problems[0], problems


def test_sizes_with_suffixes_in_answers_and_expect() -> None:
    from engine.lessons.loader import as_value

    assert as_value("8K") == 8192 and as_value("1M") == 1 << 20 and as_value("/A") == "/A"
    assert as_value("none") is None and as_value("4096") == "4096"  # digits alone stay a name


def test_check_and_answers_take_a_number_or_a_name() -> None:
    done = cli("lesson", "check", "3", "02-byte-stock")
    assert done.returncode == 0, done.stderr
    assert "03-page-rounding.toml: ok" in done.stdout and "02-byte-stock.toml: ok" in done.stdout
    done = cli("lesson", "answers", "3")
    assert done.returncode == 0 and "answer: 4096 bytes    [cpu 0 nr_bytes]" in done.stdout
    done = cli("lesson", "check", "no-such-lesson")
    assert done.returncode == 2 and "no lesson 'no-such-lesson'" in done.stderr


# -- the docs live in the repository ----------------------------------------------------------
DOCS_BY_OTHERS = {"run.md", "v1-and-pages.md", "recordings.md", "compare.md"}  # added alongside


def test_docs_links_resolve_and_nothing_points_outside_the_repository() -> None:
    import re

    root = os.path.dirname(LESSONS)
    pages = glob.glob(os.path.join(root, "docs", "*.md")) + [os.path.join(LESSONS, "FORMAT.md")]
    assert {"README.md", "script.md", "state.md", "lessons.md"} <= {os.path.basename(p) for p in pages}
    for page in pages:
        text = open(page, encoding="utf-8").read()
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if target.startswith("http"):
                continue
            path = os.path.normpath(os.path.join(os.path.dirname(page), target))
            assert os.path.exists(path) or os.path.basename(target) in DOCS_BY_OTHERS, (page, target)
    outside = ("/" + "work/", "../" + "shared")  # spelled apart, or this file would match
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True).stdout.split()
    for name in tracked:
        if name.endswith((".py", ".md", ".toml", ".objcg")):
            text = open(os.path.join(root, name), encoding="utf-8", errors="replace").read()
            assert not any(word in text for word in outside), name


def test_script_doc_names_every_command_and_state_doc_every_field() -> None:
    from engine import Machine
    from engine.script import GRAMMAR

    root = os.path.dirname(LESSONS)
    script_doc = open(os.path.join(root, "docs", "script.md"), encoding="utf-8").read()
    for command in GRAMMAR:
        assert f"`{command}" in script_doc, command
    state_doc = open(os.path.join(root, "docs", "state.md"), encoding="utf-8").read()
    machine = Machine(history=False)
    for n, line in enumerate(["mkdir A", "task t A", "alloc X 100 task=t cpu=0"], start=1):
        machine.run_line(line, "<doc>", n)
    state = machine.snapshot()
    for table in ("memcgs", "objcgs", "cpus", "tasks", "objects"):
        for key in state[table][-1]:
            assert f"`{key}`" in state_doc, (table, key)
    for key in state["config"]:
        assert f"`{key}`" in state_doc, key


def test_an_explain_step_can_restart_on_another_kernel() -> None:
    """lessons/15: the v5.8 half and the v5.9 half, each on its own machine."""
    from engine.lessons.loader import load_lesson
    from engine.lessons.player import Player

    lesson, problems = load_lesson(os.path.join(ROOT, "lessons", "15-before-and-after.toml"))
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


@pytest.mark.parametrize("kernel, oopses", [("5.9", True), ("6.5", False)])
def test_lesson_17s_fix_goal_runs_the_schedule_that_crashed_v59(kernel: str, oopses: bool) -> None:
    """Lesson 17's last goal shows 6.5's fix with the very schedule that oopses on 5.9:
    v5.9's obj_stock_flush_required tests cpu1's cached_objcg at thread 0's seventh step
    and reads it again at its eighth; 6.5 (3b8abb323953) reads it once at the seventh.
    So with cpu1's four drain steps in between, 5.9 dereferences NULL and 6.5 uses /A."""
    from engine import Machine

    lesson, problems = load_lesson(os.path.join(ROOT, "lessons", "17-the-bug-in-this-commit.toml"))
    assert lesson is not None, problems
    last_goal = [s for s in lesson.steps if isinstance(s, Goal)][-1]
    restart = [s.restart for s in lesson.steps if getattr(s, "restart", None)][-1].text
    script = restart.replace("kernel=6.5", f"kernel={kernel}") + "\n" + last_goal.solution.text
    m = Machine()
    for number, line in enumerate(script.splitlines(), 1):
        m.run_line(line, "<lesson 17>", number)
    assert (m.oops is not None) is oopses
    reads = [s.data for s in m.steps if s.data[0] == "obj_stock_flush_required.read_once"]
    if kernel == "6.5":
        assert [r[1:] for r in reads] == [(0, None), (1, "/A")]
