"""The practice screen: `objcg-lab practice` on a terminal. Endless generated problems
(engine.practice), one at a time: the script, the question, an answer box, then right
or wrong with the engine's answer; a score and a streak at the top.

The logic lives in `PracticeSession` (no Textual), so tests drive it directly too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Static

from engine.lessons.player import kind_problem
from engine.lessons.values import parse_typed, same, shown
from engine.practice import TOPICS, Problem, reason, stream


@dataclass
class Verdict:
    correct: bool
    typed: Any
    answer: Any


@dataclass
class PracticeSession:
    """Where the learner is: the current problem, the score and the streak."""

    seed: int = 0
    topic: str | None = None
    score: int = 0
    tried: int = 0
    streak: int = 0
    best: int = 0
    verdict: Verdict | None = None  # the current problem's, once answered
    _source: Iterator[Problem] = field(init=False, repr=False)
    problem: Problem = field(init=False)

    def __post_init__(self) -> None:
        self._source = stream(self.seed, self.topic)
        self.problem = next(self._source)

    def answer(self, typed: str) -> Verdict:
        """Check an answer (once per problem); ValueError for text that cannot be one."""
        if self.verdict is not None:
            return self.verdict
        if not typed.strip():
            raise ValueError("type an answer first, e.g. 4096, 4K, none, /A or /A/B, /A")
        value = parse_typed(typed)
        actual = self.problem.answer
        if isinstance(actual, list) and not isinstance(value, list):
            value = [] if value is None else [value]
        problem = kind_problem(typed, value, actual)
        if problem:
            raise ValueError(problem)
        correct = same(value, actual)  # type: ignore[arg-type]
        self.tried += 1
        self.score += correct
        self.streak = self.streak + 1 if correct else 0
        self.best = max(self.best, self.streak)
        self.verdict = Verdict(correct, value, actual)
        return self.verdict

    def next(self) -> Problem:
        self.problem = next(self._source)
        self.verdict = None
        return self.problem


class PracticeApp(App[int]):
    """`objcg-lab practice [--seed N] [--topic T]` in a terminal."""

    TITLE = "objcg-lab practice"
    CSS = """
    #practice-score { height: 1; background: $boost; padding: 0 1; }
    #practice-body { padding: 0 1; }
    #practice-script { margin: 1 0; padding: 0 2; border: round $primary; height: auto; }
    #practice-question { margin: 0 0 1 0; }
    #practice-result { margin: 1 0; height: auto; }
    """
    BINDINGS = [Binding("ctrl+n", "next", "next problem", priority=True),
                Binding("escape", "quit", "quit")]

    def __init__(self, seed: int = 0, topic: str | None = None) -> None:
        super().__init__()
        self.session = PracticeSession(seed, topic)

    def compose(self) -> ComposeResult:
        yield Static(id="practice-score")
        with VerticalScroll(id="practice-body"):
            yield Static(id="practice-script")
            yield Static(id="practice-question")
            yield Input(placeholder="your answer; Enter checks it (Enter again: next problem)",
                        id="practice-answer")
            yield Static(id="practice-result")
        yield Footer()

    def on_mount(self) -> None:
        if self.is_headless:
            self.query_one(Input).cursor_blink = False
        self.show_problem()

    def show_problem(self) -> None:
        p = self.session.problem
        self.show_score()
        script = self.query_one("#practice-script", Static)
        script.border_title = f"{p.topic}: {TOPICS[p.topic]}"
        script.update("\n".join(p.script))
        unit = f" ({p.question.unit})" if p.question.unit else ""
        self.query_one("#practice-question", Static).update(
            Text.assemble(("After this script: ", "bold"), p.question.text + unit))
        answer = self.query_one(Input)
        answer.value = ""
        answer.disabled = False
        answer.focus()
        self.query_one("#practice-result", Static).update(
            Text("Work it out from the kernel's rules, then type it.", "grey58"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        s = self.session
        if s.verdict is not None:  # Enter on an answered problem: the next one
            self.action_next()
            return
        try:
            verdict = s.answer(event.value)
        except ValueError as err:
            self.query_one("#practice-result", Static).update(Text(str(err), "bold red"))
            return
        if verdict.correct:
            result = Text.assemble(("✓ Right: ", "bold green"), shown(verdict.answer))
        else:
            result = Text.assemble(("✗ Not quite: ", "bold red"), f"you said {shown(verdict.typed)}, "
                                   "the engine says ", (shown(verdict.answer), "bold"))
            result.append_text(why_text(s.problem))
        result.append("\n\nEnter (or ctrl+n): next problem · Esc: quit · "
                      "replay the script with objcg-lab explore to step through it", "grey58")
        self.query_one("#practice-result", Static).update(result)
        self.show_score()

    def show_score(self) -> None:
        s, p = self.session, self.session.problem
        self.query_one("#practice-score", Static).update(Text.assemble(
            ("objcg-lab practice ", "bold"), f"· seed {s.seed} · {s.topic or 'all topics'} · "
            f"problem {p.number} · ", ("score ", "bold"), f"{s.score}/{s.tried} · ",
            ("streak ", "bold"), f"{s.streak} (best {s.best})"))

    def action_next(self) -> None:
        self.session.next()
        self.show_problem()


def why_text(problem: Problem) -> Text:
    """The micro-steps that made the answer (engine.practice.reason), under the verdict."""
    lines = reason(problem)
    text = Text("\n\nWhy: ", "bold")
    if not lines:
        text.append("no micro-step of the script changed it: it is what it was at the start.")
        return text
    text.append("the micro-steps that wrote it, last ones last:")
    for line in lines:
        command, _, trail = line.partition(": ")
        text.append("\n  ")
        text.append(command, "bold")
        text.append(f"  {trail}")
    return text


def main_practice_tui(seed: int, topic: str | None) -> int:
    PracticeApp(seed, topic).run()
    return 0
