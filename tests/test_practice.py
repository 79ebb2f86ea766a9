"""`objcg-lab practice`: generated problems whose answers the engine computes, the same
for the same seed, printed with -c, and the practice screen's score and streak."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import pytest

from engine import Machine
from engine.fields import resolve
from engine.practice import TOPICS, problems, reason, stream
from engine.practice_cli import shown
from tui.practice import PracticeApp, PracticeSession, why_text


def replayed_answer(problem: Any) -> Any:
    """The answer, recomputed from the printed script alone on a fresh checked machine."""
    machine = Machine(history=True, check=True)  # every invariant after every micro-step
    for number, line in enumerate(problem.script, start=1):
        machine.run_line(line, "<problem>", number)
    state = machine.snapshot()
    q = problem.question
    if q.pays is not None:
        objcg = resolve(state, f"object {q.pays} objcg")
        return None if objcg is None else resolve(state, f"objcg {objcg} memcg")
    return resolve(state, q.field)


@pytest.mark.parametrize("topic", list(TOPICS))
def test_answers_agree_with_the_engine_for_many_seeds(topic: str) -> None:
    seen_answers = set()
    for seed in range(25):
        for problem in problems(seed, topic, 2):
            assert problem.topic == topic
            assert problem.script[0].startswith("config cpus=")
            assert replayed_answer(problem) == problem.answer, (seed, problem)
            seen_answers.add(shown(problem.answer))
    assert len(seen_answers) >= 3, (topic, seen_answers)  # the questions vary


def test_same_seed_same_problems_and_different_seeds_differ() -> None:
    first = problems(7, None, 14)
    assert first == problems(7, None, 14)
    assert [p.topic for p in first[:len(TOPICS)]] == list(TOPICS)  # all, in course order
    assert problems(8, None, 14) != first
    endless = stream(7)
    assert [next(endless) for _ in range(14)] == first


def test_unknown_topic_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown topic 'paging'"):
        problems(1, "paging")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True,
                          timeout=120)


def test_cli_prints_problems_and_with_c_their_answers() -> None:
    done = cli("practice", "--seed", "1", "-c")
    assert done.returncode == 0, done.stderr
    expected = problems(1, None, 5)
    assert done.stdout.count("Problem ") == 5 and done.stdout.count("  A: ") == 5
    for problem in expected:
        assert f"  A: {shown(problem.answer)}" in done.stdout
        assert "\n".join(f"    {line}" for line in problem.script) in done.stdout
    bare = cli("practice", "--seed", "1", "--topic", "limits", "-n", "2")
    assert bare.returncode == 0 and "  A: " not in bare.stdout and bare.stdout.count("  Q: ") == 2
    assert "with -c" in bare.stdout
    bad = cli("practice", "--topic", "paging", "-c")
    assert bad.returncode == 2 and "unknown topic 'paging'" in bad.stderr and "Traceback" not in bad.stderr


def test_session_scores_and_streaks() -> None:
    session = PracticeSession(seed=3)
    right = shown(session.problem.answer).replace(" (empty)", "")
    assert session.answer(right).correct
    assert (session.score, session.tried, session.streak) == (1, 1, 1)
    session.next()
    with pytest.raises(ValueError):
        session.answer("   ")  # nothing typed: not counted
    wrong = "/nowhere" if not isinstance(session.problem.answer, (int, bool)) else "123456789"
    if isinstance(session.problem.answer, bool):
        wrong = "false" if session.problem.answer else "true"
    assert not session.answer(wrong).correct
    assert (session.score, session.tried, session.streak, session.best) == (1, 2, 0, 1)


def test_practice_screen_checks_answers_and_counts() -> None:
    asyncio.run(_practice_screen())


async def _practice_screen() -> None:
    app = PracticeApp(seed=2)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        problem = app.session.problem
        assert "\n".join(problem.script) in str(app.query_one("#practice-script").render())
        answer = shown(problem.answer).replace(" (empty)", "")
        await pilot.press(*[{" ": "space", ",": "comma"}.get(c, c) for c in answer])
        await pilot.press("enter")
        await pilot.pause()
        assert "Right" in str(app.query_one("#practice-result").render())
        assert "score 1/1" in str(app.query_one("#practice-score").render())
        await pilot.press("enter")  # next problem
        await pilot.pause()
        assert app.session.problem.number == 2
        assert "streak 1 (best 1)" in str(app.query_one("#practice-score").render())


def test_reparenting_problems_exercise_the_chain_and_never_a_refused_rmdir() -> None:
    """An rmdir of a cgroup with tasks or live children is refused (-EBUSY) and moves
    nothing: every rmdir a reparenting problem runs must succeed, and some must remove
    /A after its children, so that inherited objcgs move up again."""
    chains = 0
    for seed in range(40):
        for problem in problems(seed, "reparenting", 2):
            machine = Machine(history=False, check=True)
            for number, line in enumerate(problem.script, start=1):
                record = machine.run_line(line, "<problem>", number)
                if line.startswith("rmdir"):
                    assert record is not None and record.ret == 0, (seed, line, problem.script)
            chains += "rmdir A" in problem.script
    assert chains >= 10


def test_a_wrong_answer_shows_the_micro_steps_that_made_the_answer() -> None:
    problem = next(p for seed in range(40) for p in problems(seed, "reparenting", 2)
                   if p.question.field == "objcg /A/C memcg" and "rmdir A" in p.script)
    why = reason(problem)
    # made at mkdir, moved to /A when /A/C went, and on to the root when /A went
    assert why[0].startswith("mkdir A/C: memcg_online_kmem(/A/C)")
    assert why[-2].startswith("rmdir A/C: memcg_reparent_objcgs: objcg /A/C->memcg /A/C -> /A")
    assert why[-1].startswith("rmdir A: memcg_reparent_objcgs: inherited objcg /A/C->memcg /A -> /")
    assert problem.answer == "/"
    text = why_text(problem).plain
    assert text.startswith("\n\nWhy: the micro-steps that wrote it") and "rmdir A/C" in text


def test_the_practice_screen_says_why_after_a_wrong_answer() -> None:
    asyncio.run(_says_why())


async def _says_why() -> None:
    app = PracticeApp(seed=2, topic="byte-stock")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        problem = app.session.problem
        wrong = "/nowhere" if not isinstance(problem.answer, int) else str(problem.answer + 1)
        await pilot.press(*wrong, "enter")
        await pilot.pause()
        result = str(app.query_one("#practice-result").render())
        assert "Not quite" in result and "Why:" in result
        assert all(line.partition(": ")[2] in result for line in reason(problem))
