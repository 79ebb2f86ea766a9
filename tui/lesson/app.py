"""The lesson player: the explorer (its panels, keys and command line, reused as they
are) with a lesson's narration beside it.

The engine's Player owns the lesson's machine; the explorer's Session wraps that same
machine, so the learner steps through a run step with n/N/space and types goal commands
at the explorer's command line, and the Player checks the very state shown.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.compose import compose
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input

from engine import Machine
from engine.lessons import Goal, GoalStatus, LessonError, Player, Predict, Problem, Run, check_file
from engine.lessons import progress
from engine.lessons.course import entries
from engine.lessons.mask import with_relatives
from tui.app import ExplorerApp
from tui.lesson import texts
from tui.lesson.list_screen import LessonList
from tui.record import Tape
from tui.session import Session
from tui.widgets.command_line import CommandLine
from tui.widgets.narration import AnswerInput, Narration

HERE = Path(__file__).parent
# Typed at the command line in a lesson, these drive the lesson instead of the machine.
LESSON_WORDS: dict[str, tuple[str, tuple[int, ...]]] = {
    "hint": ("hint", ()), "solution": ("solution", ()), "next": ("lesson_step", (1,)),
    "back": ("lesson_step", (-1,)), "lessons": ("lessons", ())}


class LessonApp(ExplorerApp):
    """`objcg-lab lesson [NAME|N]`."""

    CSS_PATH = str(HERE.parent / "app.tcss")  # the explorer's sheet, then the lesson's:
    CSS = (HERE / "lesson.tcss").read_text(encoding="utf-8")
    TITLE = "objcg-lab lesson"

    BINDINGS = [
        Binding("right_square_bracket", "lesson_step(1)", "next", priority=True, key_display="]"),
        Binding("left_square_bracket", "lesson_step(-1)", "prev", priority=True, key_display="["),
        Binding("h", "hint", "hint", show=False, priority=True),
        Binding("s", "solution", "solution", show=False, priority=True),
        Binding("a", "answer", "answer", show=False, priority=True),
        Binding("l", "lessons", "lessons", priority=True),
        Binding("t", "toggle_narration", "text", priority=True),
        Binding("r", "restart_step", "start over", show=False, priority=True),
        # the narration scrolls from anywhere (arrows too, once it has the focus)
        Binding("pageup", "narration_page(-1, 'any')", "text up", show=False, priority=True),
        Binding("pagedown", "narration_page(1, 'any')", "text down", show=False, priority=True),
    ]

    def __init__(self, path: str | None = None, *, progress_path: str | None = None,
                 directory: str | None = None, show_list: bool = False) -> None:
        super().__init__(Session(Machine(), "<no lesson>"))
        self.lesson_path = path
        self.progress_path = progress_path or progress.default_path()
        self.directory = directory
        self.show_list = show_list or path is None
        self.player: Player | None = None
        self.number: int | None = None
        self.problems: list[Problem] = []
        self.answered = False  # the current predict step has its answer
        self.reached = False  # the current goal is reached
        self.solved_by: str | None = None
        self.skip_warned = False

    # -- layout: the explorer's widgets, unchanged, with the narration beside them ------------------
    def compose(self) -> ComposeResult:
        parts = compose(self, super().compose())
        with Horizontal(id="lesson-body"):
            with Vertical(id="explorer-pane"):
                yield from (w for w in parts if not isinstance(w, Footer))
            yield Narration(id="narration")
        yield from (w for w in parts if isinstance(w, Footer))

    def on_mount(self) -> None:  # runs before the explorer's own on_mount: start after it
        self.query_one(Narration).border_title = "lesson (t hides)"
        if self.is_headless:
            self.query_one(AnswerInput).cursor_blink = False
        self.call_later(self._start)

    def _start(self) -> None:
        if self.lesson_path is not None:
            self.open_lesson(self.lesson_path)
        else:
            self._narrate(Text("objcg-lab lessons", "bold"),
                          "No lesson open. Press `l` for the lesson list.")
        if self.show_list:
            self.action_lessons()

    # -- opening a lesson ----------------------------------------------------------------------------
    def open_lesson(self, path: str) -> None:
        """Check the lesson (it is played headless first); a malformed one shows its
        problems in the narration and the explorer keeps running."""
        self.lesson_path = path
        self.number = next((e.number for e in entries(self.directory)[0]
                            if os.path.abspath(e.path) == os.path.abspath(path)), None)
        report = check_file(path)
        self.player, self.problems = None, list(report.problems)
        self.masked = frozenset()
        if report.lesson is None or report.problems:
            if not self.problems:
                self.problems = [Problem(path, 1, "file", "the lesson does not load")]
            self._adopt(Session(Machine(), path))
            self._point(None)
            self.query_one(Narration).show(Text(path, "bold"), "", texts.problems_text(path, self.problems))
            self.say(f"{path}: {len(self.problems)} problem(s); the lesson cannot be played", error=True)
            return
        try:
            self.player = Player(report.lesson)
        except LessonError as err:  # check_file passed, so this is an engine change
            self.problems = [Problem(path, 1, "setup", str(err))]
            self.query_one(Narration).show(Text(path, "bold"), "", texts.problems_text(path, self.problems))
            return
        self.say(Text.assemble((f"{report.lesson.title}: ", "bold"),
                               "] next step, [ back; the explorer's keys work as usual (? help)"))
        self.enter(0)

    def _adopt(self, session: Session) -> None:
        """Show another machine (the Player rebuilt it, or a new lesson)."""
        self.session = session
        self.tape = Tape().attach(session)  # the explorer's chapters follow the new timeline
        self.playing = False
        self.selected_objcg = None
        self.picked = False
        self.redraw(relayout=True)

    # -- steps -----------------------------------------------------------------------------------------
    def enter(self, index: int, moved: bool = False) -> None:
        """Show step `index`; `moved`: the Player is there already (it went on by itself)."""
        player = self.player
        assert player is not None
        try:
            if not moved:
                player.goto(index)
            # engine.lessons.reveal: this step's and declared; a usage with its relatives'
            self.masked = with_relatives(player.masks(), player.state())
            self._adopt(Session(player.machine, player.lesson.file))
            step = player.step
            if isinstance(step, Run):
                records = player.run()
                self._mark(index)
                if step.mode == "steps" and records:
                    self.session.goto(records[0].first)
                self.redraw(relayout=True, follow=True)
        except LessonError as err:
            self.say(str(err), error=True)
            return
        self.answered = self.reached = self.skip_warned = False
        self.solved_by = None
        self._point(texts.widget_of(step))
        self._narrate(texts.heading(player.lesson, index, self.number),
                      texts.step_markdown(player.lesson, index, player.state()),
                      asking=isinstance(step, Predict))
        if isinstance(step, Run):
            self.query_one(Narration).set_status(texts.run_hint(step, step.mode == "steps"))
        elif isinstance(step, Predict):
            self.set_focus(self.query_one(AnswerInput))
        elif isinstance(step, Goal):
            self._show_goal()
        if player.at_end:
            self.say("lesson complete: l for the lesson list", error=False)

    def _narrate(self, head: Text, markdown: str, status: Text | str = "", asking: bool = False) -> None:
        narration = self.query_one(Narration)
        narration.remove_class("-hidden")
        narration.show(head, markdown, status, asking)
        if not asking:
            narration.focus()  # arrows and PgUp/PgDn read on; the explorer's keys still work

    def _point(self, widget: str | None) -> None:
        """Highlight the panel the step talks about (and only that one)."""
        for selector in set(texts.PANELS.values()):
            self.query_one(selector).remove_class("-pointed")
        if widget is None:
            return
        if widget == "objects" and not self.query_one("#objects").display:
            self.objects_shown = True
            self._place_objects()
            self.redraw(relayout=True)
        self.query_one(texts.PANELS[widget]).add_class("-pointed")

    def _mark(self, index: int) -> None:
        player = self.player
        if player is None:
            return
        lesson = player.lesson
        try:
            data = progress.mark(progress.load(self.progress_path), lesson.id, index, len(lesson.steps))
            progress.save(self.progress_path, data)
        except OSError as exc:
            self.say(f"cannot save progress to {self.progress_path}: {exc.strerror or exc}", error=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # ] and [ leave a prediction unanswered too (answers never need brackets: a list
        # is typed "/A/B, /A"); everything else as in the explorer.
        if action == "lesson_step" and isinstance(self.focused, AnswerInput) \
                and not isinstance(self.screen, ModalScreen):
            return True
        return super().check_action(action, parameters)

    # -- actions -----------------------------------------------------------------------------------------
    def action_lesson_step(self, delta: int) -> None:
        player = self.player
        if player is None:
            self.say("no lesson open: l lists the lessons")
            return
        if delta < 0:
            if player.index == 0:
                self.say("this is the lesson's first step")
                return
            self.say("")  # what the step left behind ("right", "★ goal reached") goes with it
            self.enter(player.index - 1)
            return
        if player.at_end:
            self.say("this is the end of the lesson: l for the lesson list, [ to go back")
            return
        step = player.step
        pending = ((isinstance(step, Predict) and not self.answered)
                   or (isinstance(step, Goal) and not self.reached))
        if pending and not self.skip_warned:
            self.skip_warned = True
            what = "type your prediction" if isinstance(step, Predict) else "reach the goal (h: hint, s: solution)"
            self.say(f"{what} first, or press ] again to skip this step", error=True)
            return
        if not isinstance(step, (Predict, Goal)):
            self._mark(player.index)
        self.say("")  # what the step left behind ("right", "★ goal reached") goes with it
        if isinstance(step, Goal) and self.solved_by == "by you":
            self._leave_goal()
            return
        self.enter(player.index + 1)

    def _leave_goal(self) -> None:
        """Past a goal the learner reached: their commands stay in the timeline when they
        led to the lesson's own state; otherwise say why the numbers may differ."""
        player = self.player
        assert player is not None
        try:
            kept = player.next()
        except LessonError as err:
            self.say(str(err), error=True)
            return
        self.enter(player.index, moved=True)
        if not kept and not player.at_end:
            self.say("the lesson goes on from the solution's state (your commands led "
                     "elsewhere): [ goes back to the goal")

    def action_answer(self) -> None:
        answer = self.query_one(AnswerInput)
        if isinstance(self.player and self.player.step, Predict) and not self.answered:
            self.set_focus(answer)
        else:
            self.say("this step asks for no prediction")

    def action_hint(self) -> None:
        player = self.player
        if player is None or not isinstance(player.step, Goal):
            self.say("hints come with goal steps")
            return
        if player.hint() is None:
            self.say("no more hints for where you are now: s shows the solution")
        self._show_goal()

    def action_solution(self) -> None:
        player = self.player
        if player is None or not isinstance(player.step, Goal):
            self.say("only goal steps have a solution")
            return
        try:
            player.show_solution()
        except LessonError as err:
            self.say(str(err), error=True)
            return
        records = list(player.records)
        self._adopt(Session(player.machine, player.lesson.file))
        if records:
            self.session.goto(records[0].first)
            self.redraw(relayout=True, follow=True)
        self.solved_by = "by the solution"
        self._show_goal()
        self.say(Text.assemble(("solution: ", "bold"), player.step.solution.text.strip().replace("\n", "; "),
                               ("  space plays it, n steps, N skips to its end", "grey58")))

    def action_restart_step(self) -> None:
        """Start the current step over from its canonical state (a goal gone astray)."""
        player = self.player
        if player is None or player.at_end:
            self.say("no step to start over")
            return
        self.enter(player.index)
        self.say("this step starts over from where the lesson left it")

    def action_narration_page(self, direction: int, _any: str = "any") -> None:
        narration = self.query_one(Narration)
        if narration.has_class("-hidden"):
            return
        if direction < 0:
            narration.scroll_page_up(animate=False)
        else:
            narration.scroll_page_down(animate=False)

    def action_toggle_narration(self) -> None:
        narration = self.query_one(Narration)
        narration.toggle_class("-hidden")
        self.say("lesson text hidden: t shows it again" if narration.has_class("-hidden") else "")

    def action_lessons(self) -> None:
        self.push_screen(LessonList(self.progress_path, self.directory), self._chosen)

    def _chosen(self, path: str | None) -> None:
        if path:
            self.open_lesson(path)

    # -- predictions and goals ------------------------------------------------------------------------------
    def on_answer_input_left(self) -> None:
        self.query_one(Narration).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.prevent_default()  # the explorer's own handler runs below, once, when it should
        if isinstance(event.input, AnswerInput):
            self._answer(event.value)
            return
        word = event.value.strip().lower()
        if word in LESSON_WORDS and self.player is not None:
            cmdline = self.query_one(CommandLine)
            cmdline.remember(word)
            cmdline.value = ""
            self.query_one(Narration).focus()
            name, args = LESSON_WORDS[word]
            getattr(self, f"action_{name}")(*args)
            return
        super().on_input_submitted(event)
        if self.player is not None:
            self.player.machine = self.session.machine  # the session may have rebuilt it
            if isinstance(self.player.step, Goal):
                self._show_goal()

    def block_moved(self) -> None:  # a thread key stepped a together block (tui.thread_keys)
        if self.player is not None:
            self.player.machine = self.session.machine
            if isinstance(self.player.step, Goal):
                self._show_goal()

    def _answer(self, typed: str) -> None:
        player = self.player
        step = player.step if player else None
        if player is None or not isinstance(step, Predict) or self.answered:
            return
        if not typed.strip():
            self.query_one(Narration).set_status(
                Text("type a value first, e.g. 4096, 4K, none, /A or /A/B, /A", "bold red"))
            return
        self.session.goto(self.session.total)  # the answer is about the end of history
        try:
            result = player.answer(typed)
        except LessonError as err:
            self.say(str(err), error=True)
            return
        self.answered = True
        self.masked = with_relatives(player.masks(answered=True), player.state())  # later ones stay
        self._mark(player.index)
        self.redraw(relayout=True, follow=True)
        narration = self.query_one(Narration)
        narration.answer.disabled = True
        narration.set_status(texts.predict_result(result, step), texts.predict_explanation(step))
        narration.show_status()
        self.query_one(Narration).focus()
        self.say(Text("right" if result.correct else "not quite: read why in the lesson panel",
                      "green" if result.correct else "bold red"))

    def _goal_status(self) -> GoalStatus:
        """The goal against the end of history (the cursor may be replaying a command)."""
        player = self.player
        assert player is not None
        return player.goal_status()

    def _show_goal(self) -> None:
        player = self.player
        step = player.step if player else None
        if player is None or not isinstance(step, Goal):
            return
        status = self._goal_status()
        if status.reached and not self.reached:
            self.reached = True
            self._mark(player.index)
            if self.solved_by is None:
                self.solved_by = "by you"
                self.say(Text("★ goal reached: ] next step", "bold green"))
                self.query_one(Narration).focus()  # the prompt has served: keys to the lesson
        hints = player.given_hints()
        self.query_one(Narration).set_status(
            texts.goal_status(status.checks, hints, len(player.hints_left()), self.solved_by,
                              bool(step.hints)),
            texts.hints_markdown(hints))

    def state(self) -> dict[str, Any]:
        """The state at the cursor (what the panels show), for tests."""
        return self.session.machine.snapshot()
