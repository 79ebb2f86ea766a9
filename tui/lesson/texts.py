"""What the narration panel says, as pure functions of a lesson and a Player.

No Textual here: these return Markdown strings and Rich Text, so they are tested
without a terminal and the app only places them.
"""
from __future__ import annotations

from typing import Any, Sequence

from rich.text import Text

from engine.lessons import FieldCheck, Goal, Lesson, Predict, PredictResult, Problem, Run, Step
from engine.lessons.check import read_field
from engine.lessons.values import shown
from engine.lessons.model import Explain

DIM = "grey58"

# The lesson format's widget names (engine.lessons.model.WIDGETS) -> the explorer's panels.
# The explorer has no task panel: tasks live in memcgs, so `tasks` points at the tree and
# the narration lists the tasks itself.
PANELS = {"memcg_tree": "#tree", "objcgs": "#objcgs", "stocks": "#stocks",
          "trail": "#trail-panel", "tasks": "#tree", "objects": "#objects",
          "command_line": "#cmdline"}
# A field reference's kind -> the widget that shows it.
FIELD_WIDGETS = {"memcg": "memcg_tree", "objcg": "objcgs", "cpu": "stocks", "task": "tasks",
                 "object": "objects"}


def widget_of(step: Step | None) -> str | None:
    """The widget a step talks about: its own `widget`, else its field's, else the one
    its type works with (the trail for run steps, the command line for goals)."""
    if isinstance(step, Explain):
        if step.widget:
            return step.widget
        return field_widget(step.field) if step.field else None
    if isinstance(step, Predict):
        return field_widget(step.field)
    if isinstance(step, Run):
        return "trail"
    if isinstance(step, Goal):
        return "command_line"
    return None


def field_widget(ref: str) -> str | None:
    words = ref.split()
    return FIELD_WIDGETS.get(words[0]) if words else None


def heading(lesson: Lesson, index: int, number: int | None = None) -> Text:
    """'Lesson 2 · step 3/8 · predict' over the title."""
    total = len(lesson.steps)
    label = f"Lesson {number}" if number else lesson.id
    where = "done" if index >= total else f"step {index + 1}/{total} · {lesson.steps[index].kind}"
    return Text.assemble((f"{label} · {where}\n", DIM), (lesson.title, "bold"))


def step_markdown(lesson: Lesson, index: int, state: dict[str, Any]) -> str:
    """The narration of a step (everything but the interactive parts)."""
    if index >= len(lesson.steps):
        return (f"**Lesson complete.**\n\nYou have gone through *{lesson.title}*.\n\n"
                f"It taught: {lesson.teaches}\n\n"
                "Press `l` for the lesson list, `[` to go back, `q` to quit.")
    step = lesson.steps[index]
    parts: list[str] = []
    if index == 0:
        parts.append(f"*{lesson.teaches}*")
    if isinstance(step, Explain):
        parts.append(step.text.strip())
        if step.field:
            value, error = read_field(state, step.field)
            parts.append(f"> `{step.field}` = **{shown(value) if error is None else error}**")
        if step.widget == "tasks":
            parts.append(tasks_markdown(state))
    elif isinstance(step, Run):
        if step.text:
            parts.append(step.text.strip())
        parts.append("Runs: " + code(step.commands.text))
    elif isinstance(step, Predict):
        parts.append("**Predict.** " + step.question.strip())
        if step.commands:
            parts.append("Run once you answer: " + code(step.commands.text))
        unit = f" ({step.unit})" if step.unit else ""
        parts.append(f"Your answer for `{step.field}`{unit}:")
    elif isinstance(step, Goal):
        parts.append("**Goal.** " + step.text.strip())
        parts.append("Type commands at the command line (`:`) until every field below "
                     "has its value.")
    return "\n\n".join(p for p in parts if p)


def code(commands: str) -> str:
    """Script lines as Markdown: inline for one line, a block for several."""
    lines = [line for line in commands.strip().splitlines() if line.strip()]
    if len(lines) == 1:
        return f"`{lines[0].strip()}`"
    return "\n\n```\n" + "\n".join(lines) + "\n```"


def tasks_markdown(state: dict[str, Any]) -> str:
    """The tasks, which the explorer has no panel for."""
    rows = state.get("tasks") or []
    lines = ["| task | memcg | active_memcg | mm |", "| --- | --- | --- | --- |"]
    for task in rows:
        lines.append(f"| {task.get('name')} | {shown(task.get('memcg'))} | "
                     f"{shown(task.get('active_memcg'))} | {shown(task.get('mm'))} |")
    return "\n".join(lines) if len(lines) > 2 else "*(no tasks yet)*"


def run_hint(step: Run, stepping: bool) -> Text:
    if stepping:
        return Text.assemble(("n", "bold"), " next micro-step · ", ("N", "bold"),
                             " whole command · ", ("space", "bold"), " play · then ",
                             ("]", "bold"), " next step", style=DIM)
    return Text.assemble("done; ", ("b", "bold"), "/", ("home", "bold"),
                         " to step back through it · ", ("]", "bold"), " next step", style=DIM)


def predict_result(result: PredictResult, step: Predict) -> Text:
    """✓ or ✗ with both values; the explanation (Markdown) is shown under it."""
    unit = f" {step.unit}" if step.unit else ""
    if result.correct:
        return Text.assemble(("✓ Right: ", "bold green"), f"{step.field} = {shown(result.actual)}{unit}")
    return Text.assemble(("✗ Not quite: ", "bold red"), f"you said {shown(result.typed)}, "
                         f"the engine has {step.field} = ", (f"{shown(result.actual)}{unit}", "bold"))


def predict_explanation(step: Predict) -> str:
    return step.explanation.strip() + "\n\n*] next step*"


def goal_checks(checks: Sequence[FieldCheck]) -> Text:
    """One line per field: ✓ reached, or ✗ with expected vs what the engine has."""
    text = Text()
    for check in checks:
        if check.ok:
            text.append("✓ ", "bold green")
            text.append(f"{check.field} = {shown(check.actual)}\n")
        elif check.error:
            text.append("✗ ", "bold red")
            text.append(f"{check.field}: {check.error}\n")
        else:
            text.append("✗ ", "bold red")
            text.append(f"{check.field}: expected {shown(check.expected)}, engine has ")
            text.append(shown(check.actual), "bold red")
            text.append("\n")
    return text


def goal_status(checks: Sequence[FieldCheck], hints: Sequence[str], left: int,
                solved_by: str | None, has_hints: bool = True) -> Text:
    """The goal's live part: field checks, the hints given so far, the keys. `left`
    counts the hints that apply to the state now (a conditional hint may wait)."""
    text = goal_checks(checks)
    if all(c.ok for c in checks):
        text.append("\n★ Goal reached", "bold green")
        text.append(f" ({solved_by})" if solved_by else "", DIM)
        text.append(" · ] next step\n", DIM)
    keys = "\nh hint" + (f" ({left} for where you are now)" if left else " (none for now)") \
        if has_hints else "\n(no hints)"
    text.append(keys + " · s show solution · r start over · : type a command", DIM)
    return text


def hints_markdown(hints: Sequence[str]) -> str:
    """The hints given so far (Markdown, like the rest of the narration)."""
    return "\n\n".join(f"**Hint {n}:** {hint.strip()}" for n, hint in enumerate(hints, start=1))


def problems_text(path: str, problems: Sequence[Problem]) -> Text:
    text = Text.assemble((f"{path} cannot be played: {len(problems)} problem(s)\n\n", "bold red"))
    for problem in problems:
        text.append(str(problem) + "\n", "red")
    text.append("\nFix them (objcg-lab lesson check FILE says the same), then open it again. "
                "l: lesson list · q: quit. The explorer below still works.", DIM)
    return text
