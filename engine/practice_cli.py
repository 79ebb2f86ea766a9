"""`objcg-lab practice [--seed N] [--topic T] [-n COUNT] [-c]`, headless: print generated
problems; with -c (OSTEP's convention) their answers too, for teachers and autograders.
Without -c on a terminal the command opens the practice screen instead (tui.practice).
"""
from __future__ import annotations

from typing import TextIO

from engine.practice import TOPICS, Problem, problems
from engine.lessons.values import shown


def problem_text(problem: Problem, with_answer: bool) -> list[str]:
    unit = f" ({problem.question.unit})" if problem.question.unit else ""
    lines = [f"Problem {problem.number} ({problem.topic})"]
    lines += [f"    {line}" for line in problem.script]
    lines.append(f"  Q: {problem.question.text}{unit}")
    if with_answer:
        lines.append(f"  A: {shown(problem.answer)}")
    return lines


def print_problems(seed: int, topic: str | None, count: int, answers: bool, out: TextIO,
                   err: TextIO) -> int:
    if topic is not None and topic not in TOPICS:
        print(f"objcg-lab: error: unknown topic '{topic}' (topics: {', '.join(TOPICS)})", file=err)
        return 2
    if count < 1:
        print("objcg-lab: error: -n wants a positive number of problems", file=err)
        return 2
    print(f"objcg-lab practice: seed {seed}, topic {topic or 'all, in course order'}, "
          f"{count} problem(s)", file=out)
    for problem in problems(seed, topic, count):
        print("", file=out)
        print("\n".join(problem_text(problem, answers)), file=out)
    if not answers:
        print("\nWork out each answer, then check them: the same command with -c.", file=out)
    return 0


def topics_help() -> str:
    return "; ".join(f"{name}: {about}" for name, about in TOPICS.items())
