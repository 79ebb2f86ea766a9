"""`lesson check` on what learners see and do: no prediction's answer on screen before
it is answered (tui.lesson.visibility), `hides`, hints that react with tests (`below`,
`above`, `not`), no hint that leads into a dead end and no early hint that is the whole
solution (engine.lessons.goals).

tests/lessons/before/ holds lessons 01, 02 and 08 as they were before these checks:
each gave answers away, and lesson 08's hint led into a dead end."""
from __future__ import annotations

import glob
import os

import pytest

from engine.lessons import Player, check_file, load_lesson, parse_lesson
from engine.lessons.check import when_checks
from engine.lessons.goals import hint_commands
from engine.lessons.model import Expect
from engine.lessons.reveal import declared, masks_at, windows
from engine.lessons.words import states, tokens
from tui.lesson.visibility import screen_problems

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LESSONS = sorted(p for p in glob.glob(os.path.join(ROOT, "lessons", "**", "*.toml"), recursive=True)
                 if os.path.basename(p) != "index.toml")
BEFORE = os.path.join(ROOT, "tests", "lessons", "before")
EARLY = "is on screen before the learner answers"


def problems(path: str) -> list[str]:
    return [str(p) for p in check_file(path, screens=screen_problems).problems]


@pytest.mark.parametrize("path", LESSONS, ids=os.path.basename)
def test_no_lesson_shows_an_answer_early_or_leads_into_a_dead_end(path: str) -> None:
    assert problems(path) == []


@pytest.mark.parametrize("name, lines", [
    # 01: X0's objcg drawn by the run step before the question; "points at `/`" said
    # by an explanation; the killed objcg's row once rmdir has run
    ("01-why-objcg", {43, 81, 91}),
    # 02: the stocks panel (`byte /A 3996B`) and the trail after step 2; refcnt after step 5
    ("02-byte-stock", {59, 97}),
    # 08: cpu1's byte stock since the setup; nr_charged_bytes and usage after step 2
    ("08-reparenting", {62, 75, 87}),
])
def test_the_lessons_before_showed_answers_early(name: str, lines: set[int]) -> None:
    found = problems(os.path.join(BEFORE, f"{name}.toml"))
    early = {int(p.split(":")[1]) for p in found if EARLY in p}
    assert early == lines, found


def test_the_lessons_before_had_a_dead_end_hint_and_a_solution_hint() -> None:
    eight = problems(os.path.join(BEFORE, "08-reparenting.toml"))
    assert any("hint 2 leads into a dead end: after free X0 cpu=0; free X1 cpu=0, its "
               "`drain cpu=1`" in p and "memcg /A usage: expected 32, engine has 1" in p
               for p in eight), eight
    two = problems(os.path.join(BEFORE, "02-byte-stock.toml"))
    assert any("hint 2 is the whole solution" in p for p in two), two


def test_a_dead_end_hint_is_reported_with_the_path_to_it() -> None:
    found = problems(os.path.join(ROOT, "tests", "lessons", "dead_end_hint.toml"))
    assert found == [found[0]] and "hint 2 leads into a dead end: after free X0 cpu=0, its " \
        "`drain cpu=1`" in found[0] and "cpu 1 nr_pages: expected 31, engine has 0" in found[0]


# -- the words a text states a figure with ----------------------------------------------
def test_a_sentence_states_a_figure_with_its_record_what_of_it_and_the_value() -> None:
    assert states("cpu1's byte stock still caches objcg `/A/B`.", "cpu 1 cached_objcg", "/A/B")
    assert states("the objcg now points at `/`, not `/A`", "objcg /A memcg", "/")
    # a command in backticks names no figure; another record or another figure is not it
    assert not states("After `move tA /` and `rmdir A`, what is /A's memcg?", "objcg /A memcg", "/")
    assert not states("consume_stock(/B, 1): miss, cpu0 caches /A with 31 pages", "memcg /A usage", 1)
    assert not states("mem_cgroup_id_put(/A): the ID pin is dropped, css refcnt 1", "objcg /A refcnt", 1)
    assert not states("`/A/B`'s objcg went to `/A/B/C`", "objcg /A memcg", "/A/B")
    # each in its own sentence: the record in one, the value in the next, says nothing
    assert not states("cpu0 was drained. The stock held 3996 bytes", "cpu 0 nr_bytes", 3996)
    assert states("cpu0's byte stock now holds 3996 bytes", "cpu 0 nr_bytes", 3996)


def test_tokens_read_cpu_numbers_and_cgroup_names_whole() -> None:
    assert {"cpu1", "/A/B", "3096B"} <= tokens("cpu 1's stock: /A/B 3096B.")
    assert "/A" not in tokens("/A/B") and "/" in tokens("points at `/`")


# -- hides ---------------------------------------------------------------------------------
LESSON = '''
title = "t"
teaches = "t"
setup = """
mkdir A
task tA A
"""
[[steps]]
type = "predict"
question = "q"
field = "memcg /A usage"
answer = 32
commands = "alloc X0 100 task=tA cpu=0"
hides = ["cpu 0 nr_bytes"{extra}]
explanation = "e"
[[steps]]
type = "explain"
text = "x"
[[steps]]
type = "predict"
question = "q"
field = "cpu 0 nr_bytes"
answer = 3996
explanation = "e"
'''


def test_hides_masks_from_its_step_until_the_prediction_is_answered() -> None:
    lesson, found = parse_lesson(LESSON.replace("{extra}", ""), "t.toml")
    assert lesson is not None and not found
    hidden = declared(lesson)
    key = ("cpu", "cpu0", "nr_bytes")
    assert [key in masks_at(lesson, hidden, i, a) for i, a in
            ((0, False), (0, True), (1, False), (2, False), (2, True))] == [True, True, True, True, False]
    assert [(w.predict, w.start) for w in windows(lesson)] == [(2, 0)]
    player = Player(lesson)
    player.answer("32")
    assert key in player.masks(answered=True)


def test_hides_of_a_field_no_later_prediction_asks_is_an_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "h.toml"
    path.write_text(LESSON.replace("{extra}", ', "objcg /A refcnt"'))
    found = problems(str(path))
    assert any(":14: error: step 1 (predict), hides: no prediction without commands asks "
               "'objcg /A refcnt'" in p for p in found), found


def test_a_figure_shown_before_its_question_is_reported_without_hides(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "h.toml"
    path.write_text(LESSON.replace('hides = ["cpu 0 nr_bytes"{extra}]\n', ""))
    found = problems(str(path))
    assert len(found) >= 1 and all(EARLY in p and ":21: error: step 3 (predict), field:" in p
                                   for p in found), found
    assert any("step 1 (predict) once it is done, the explorer draws it: 'byte /A   3996B" in p
               for p in found), found


# -- hints that react ---------------------------------------------------------------------
def test_a_hint_condition_can_test_below_above_and_not() -> None:
    state = {"cpus": [{"cpu": 0, "nr_bytes": 100, "cached_objcg": "/A"}]}
    def holds(op: str, value: object, ref: str = "cpu 0 nr_bytes") -> bool:
        return when_checks(state, (Expect(ref, value, 1, op),))[0].ok  # type: ignore[arg-type]
    assert holds("below", 101) and not holds("below", 100) and holds("above", 99)
    assert holds("not", 99) and not holds("not", 100) and holds("=", 100)
    assert holds("not", "none", "cpu 0 cached_objcg") and not holds("not", "/A", "cpu 0 cached_objcg")
    assert not holds("below", 5, "cpu 0 cached_objcg")  # a name is not below a number


def test_a_bad_hint_test_is_a_problem_of_form() -> None:
    text = LESSON.replace("{extra}", "") + '''
[[steps]]
type = "goal"
text = "g"
expect = { "cpu 0 nr_bytes" = 0 }
hints = [{ text = "h", when = { "cpu 0 nr_bytes" = { under = 3 } } }]
solution = "alloc X1 3996 task=tA cpu=0"
'''
    lesson, found = parse_lesson(text, "t.toml")
    assert any("one test: { not = VALUE }, { below = N } or { above = N }" in p.message for p in found)


def test_hint_commands_are_script_lines_in_backticks_or_written_out() -> None:
    text = "Try `drain cpu=1`, or free X0 cpu=0 then look (not `drain`, not free OBJ cpu=N)."
    assert hint_commands(text) == ["drain cpu=1", "free X0 cpu=0"]
    assert hint_commands(text, bare=False) == ["drain cpu=1"]


def test_the_player_gives_the_hint_for_where_the_learner_is() -> None:
    lesson, _ = load_lesson(os.path.join(ROOT, "lessons", "02-byte-stock.toml"))
    assert lesson is not None
    player = Player(lesson)
    goal = next(i for i, s in enumerate(lesson.steps) if s.kind == "goal")
    player.goto(goal)
    player.command("alloc X3 4000 task=tA cpu=0")  # more than the stock: a page is taken
    hint = player.hint()
    assert hint is not None and "press `r`" in hint and "page stock lost a page" in hint
