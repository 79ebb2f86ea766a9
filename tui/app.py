"""The explorer: composes the panels, owns the session, maps keys to moves in time.

Everything drawn comes from `tui.present`; every move through the engine's timeline
goes through `tui.session`. What lives here is view state only (selection, find, zoom,
folding, play/pause and speed), as architecture.md asks.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Iterable

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from engine import ScriptError
from engine.steps import explain, function_of
from tui import present, scenarios
from tui.present import Row, TreeOptions
from tui.session import LoadError, Session
from tui.record import Tape
from tui.widgets.banner import ViolationBanner
from tui.widgets.command_line import CommandLine
from tui.widgets.explanation import Explanation
from tui.widgets.header import PositionBar
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.object_list import ObjectList
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.rowlist import RowList
from tui.widgets.status import InvariantStatus
from tui.widgets.stocks import CpuStocks
from tui.widgets.trail import Trail
from tui.world import changed

if TYPE_CHECKING:
    from tui.complete import Names

# Imported when first used, not at start-up: the help screen, the palette entries and the
# command-line machinery (tui.typed, tui.complete) are not needed for the first frame,
# which must stay within 1.5x a bare Textual app's (benchmarks/tui.py).

SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 60.0)
COMPACT_HEIGHT = 32  # below this many rows the objects panel starts hidden
BIG_TREE = 100  # memcgs; above this the tree starts folded below the top level


class ExplorerApp(App[int]):
    """objcg-lab's interactive explorer."""

    CSS_PATH = "app.tcss"
    TITLE = "objcg-lab"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("n", "micro(1)", "step", priority=True),
        Binding("b", "micro(-1)", "back", priority=True),
        Binding("N", "command(1)", "cmd▶", priority=True),
        Binding("B", "command(-1)", "◀cmd", priority=True),
        Binding("space", "play", "play", priority=True),
        Binding("plus,equals_sign", "speed(1)", "speed", priority=True, key_display="+/-"),
        Binding("minus", "speed(-1)", "slower", show=False, priority=True),
        Binding("home,g", "jump('start')", "start", show=False, priority=True),
        Binding("end,G", "jump('end')", "end", show=False, priority=True),
        Binding("f7", "micro(1, 'any')", show=False, priority=True),
        Binding("f6", "micro(-1, 'any')", show=False, priority=True),
        Binding("f8", "command(1, 'any')", show=False, priority=True),
        Binding("f5", "command(-1, 'any')", show=False, priority=True),
        Binding("f9", "play('any')", show=False, priority=True),
        Binding("colon,i", "prompt", "command", priority=True, key_display=":"),
        Binding("slash", "find", "find", show=False, priority=True, key_display="/"),
        Binding("o", "objects", "objects", show=False, priority=True),
        Binding("z", "zoom", "zoom", show=False, priority=True),
        Binding("t", "trail_future", "rest of the trail", show=False, priority=True),
        Binding("escape", "clear", "clear find/zoom", show=False),
        Binding("R", "record", "record", show=False, priority=True),
        Binding("c", "chapter", "chapter", show=False, priority=True),
        Binding("right_square_bracket", "chapter_jump(1)", show=False, priority=True),
        Binding("left_square_bracket", "chapter_jump(-1)", show=False, priority=True),
        Binding("question_mark", "help", "help", priority=True, key_display="?"),
        Binding("q", "leave", "quit", show=False, priority=True),
    ]

    playing: reactive[bool] = reactive(False, init=False)
    """Stepping on a timer."""
    speed: reactive[float] = reactive(4.0, init=False)
    """Micro-steps per second while playing."""

    def __init__(self, session: Session, *, start_at: int | None = None, greeting: str = "",
                 tape: Tape | None = None) -> None:
        super().__init__()
        self.session = session
        self.greeting = greeting
        if start_at is not None:
            session.goto(start_at)
        big = len(session.world().memcg_names()) > BIG_TREE
        self.tree_options = TreeOptions(auto_collapse=big)
        self.find_text = ""
        self.objects_shown: bool | None = None  # None: decided by the terminal's height
        self.selected_objcg: str | None = None
        self.picked = False  # until the learner picks an objcg, the sum follows the step
        self._timer: Timer | None = None
        self.tape = (tape or Tape()).attach(session)  # chapters, pauses, recording

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield PositionBar(id="position")
        yield ViolationBanner(id="banner")
        with Horizontal(id="main"):
            yield MemcgTree(id="tree")
            with Vertical(id="right"):
                yield CpuStocks(id="stocks")
                yield ObjcgList(id="objcgs")
                yield ObjectList(id="objects")
        with Vertical(id="trail-panel"):
            yield Trail(id="trail")
            yield Explanation(id="why")
        yield CommandLine(self._names, id="cmdline")
        yield Static(id="message")
        yield InvariantStatus(id="invariant")
        yield Footer()

    def on_mount(self) -> None:
        titles = {"#tree": "memcg tree", "#stocks": "per-CPU stocks", "#objcgs": "objcgs",
                  "#objects": "objects", "#trail-panel": "kernel trail"}
        for selector, title in titles.items():
            self.query_one(selector).border_title = title
        self._timer = self.set_interval(1 / self.speed, self._tick, pause=True)
        if self.is_headless:
            self.query_one(CommandLine).cursor_blink = False
        self._place_objects()
        self.redraw(relayout=True)
        self.query_one(MemcgTree).focus()
        self.say(Text.assemble((self.greeting, "italic")) if self.greeting else "")

    def on_resize(self) -> None:
        self._place_objects()

    def _place_objects(self) -> None:
        shown = self.objects_shown
        if shown is None:
            shown = self.size.height >= COMPACT_HEIGHT
        self.query_one(ObjectList).display = shown
        self.query_one(ObjcgList).border_title = "objcgs" if shown else "objcgs (o: objects)"
        self.screen.set_class(self.size.height < COMPACT_HEIGHT, "-compact")
        self.screen.set_class(self.size.width < 100, "-narrow")
        self.query_one(Footer).compact = self.size.width < 100

    # -- drawing ------------------------------------------------------------------------------
    def redraw(self, relayout: bool = False, follow: bool = False) -> None:
        """Push the state at the cursor to every panel."""
        s = self.session
        world, hl = s.world(), s.highlight()
        relayout = relayout or present.structural(hl.changed)
        ghost_memcgs, ghost_objcgs = s.ghosts()
        reveal = s.touched_memcgs() if self.tree_options.auto_collapse else frozenset()
        opts = replace(self.tree_options, find=self.find_text, ghosts=ghost_memcgs, reveal=reveal)
        tree, objcgs = self.query_one(MemcgTree), self.query_one(ObjcgList)
        tree.show(world, hl, opts, relayout)
        objcgs.show(world, hl, self.find_text, ghost_objcgs, relayout)
        objects = self.query_one(ObjectList)
        if objects.display:
            objects.show(world, hl, self.find_text, relayout)
        self.query_one(CpuStocks).show(world, hl)
        self._draw_trail()
        self.show_position(self.playing, self.speed)
        touched = sorted(n for k, n, _ in hl.changed if k == "objcg")
        if touched and not self.picked:
            self.selected_objcg = touched[0]
        if self.selected_objcg is None or world.objcg(self.selected_objcg) is None:
            self.selected_objcg = objcgs.selected
        self._draw_invariant()
        self.query_one(ViolationBanner).show(s.violation)
        if follow:
            for panel in (tree, objcgs):
                index = panel.first_changed()
                if index is not None:
                    panel.show_row(index)

    def _draw_trail(self) -> None:
        s = self.session
        index = s.current()
        rec = s.record(index if index is not None else 0)
        trail, why = self.query_one(Trail), self.query_one(Explanation)
        if rec is None:
            trail.show(s.machine.steps, 0, 0, s.cursor)
            why.show(None, None, [], [], None)
            return
        trail.show(s.machine.steps, rec.first, rec.end, s.cursor)
        if s.cursor == 0:
            why.show(None, "Nothing applied yet: press n to apply the first micro-step.", [], [], None)
            return
        step = s.machine.steps[s.cursor - 1]
        notes = rec.notes if s.cursor == rec.end else []
        why.show(function_of(step.data[0]), explain(step.data[0]), s.visible_warnings(), notes,
                 s.command_cpu())

    def _draw_invariant(self) -> None:
        world = self.session.world()
        found = present.conservation(world, self.selected_objcg) if self.selected_objcg else None
        self.query_one(InvariantStatus).show(found)

    def say(self, text: str | Text, error: bool = False) -> None:
        """The one-line message under the command line."""
        line = Text(text, "bold red" if error else "") if isinstance(text, str) else text
        self.query_one("#message", Static).update(line)  # wraps (app.tcss): never cut

    # -- who may use which key ----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("quit", "command_palette"):  # Textual's ctrl+q and ctrl+p: always
            return True
        if isinstance(self.screen, ModalScreen):
            return False  # help and the palette have their own keys
        if isinstance(self.focused, Input):
            # letters type into the command line; the F-keys (parameter 'any') still step
            return bool(parameters) and parameters[-1] == "any"
        return True

    # -- moving through time -----------------------------------------------------------------------------
    def action_micro(self, delta: int, _src: str = "") -> None:
        step = self.session.step() if delta > 0 else self.session.back()
        if step is not None:
            self.redraw(relayout=present.structural(changed(step.changes)), follow=True)
            if not self.playing:
                self.tape.moved(self.session)
        elif not self.playing:
            self.say("at the end of history: type a command with :" if delta > 0
                     else "at the start: nothing to undo")

    def action_command(self, delta: int, _src: str = "") -> None:
        s = self.session
        s.next_command() if delta > 0 else s.prev_command()
        self.tape.moved(s)
        self.redraw(relayout=True, follow=True)

    def action_jump(self, where: str, _src: str = "") -> None:
        self.session.goto(0 if where == "start" else self.session.total)
        self.tape.moved(self.session)
        self.playing = False
        self.redraw(relayout=True)

    def action_play(self, _src: str = "") -> None:
        if not self.playing and self.session.at_end:
            self.say("at the end of history: type a command, or go back with b / B / home")
            return
        self.playing = not self.playing
        if not self.playing:
            self.tape.paused(self.session)

    def action_speed(self, delta: int) -> None:
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, i + delta))]

    def watch_playing(self, playing: bool) -> None:
        if self._timer is not None:
            self._timer.resume() if playing else self._timer.pause()
        self.show_position(playing, self.speed)

    def watch_speed(self, speed: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(1 / speed, self._tick, pause=not self.playing)
        self.show_position(self.playing, speed)

    def show_position(self, playing: bool, speed: float) -> None:
        tape = self.tape
        recording = tape.path.name if tape.recording and tape.path is not None else None
        self.query_one(PositionBar).show(self.session.position(), playing, speed, recording)

    def _tick(self) -> None:
        if self.session.at_end:
            self.playing = False
            return
        if not self.query(MemcgTree):  # quitting while playing: the panels are gone
            return
        self.action_micro(1)
        said = self.tape.arrival(self.session.cursor)  # a chapter or a recorded pause
        if said:
            self.playing = False
            self.say(said)

    # -- looking around ------------------------------------------------------------------------------------
    def action_objects(self) -> None:
        self.objects_shown = not self.query_one(ObjectList).display
        self._place_objects()
        self.redraw(relayout=True)

    def action_zoom(self) -> None:
        row = self.query_one(MemcgTree).selected
        zoom = None if self.tree_options.zoom or row is None else row.memcg
        self.tree_options = replace(self.tree_options, zoom=zoom)
        self.redraw(relayout=True)
        self.say(f"showing the subtree of {zoom} (z again: whole tree)" if zoom else "whole tree")

    def action_trail_future(self) -> None:
        shown = self.query_one(Trail).toggle_future()
        self.say("the trail shows the rest of the command, dimmed (t hides it)" if shown
                 else "the trail shows only what has run (t shows the rest)")

    def action_clear(self) -> None:
        self.find_text = ""
        self.tree_options = replace(self.tree_options, zoom=None)
        self.redraw(relayout=True)
        self.say("")

    def action_prompt(self, prefill: str = "") -> None:
        line = self.query_one(CommandLine)
        if self.focused is not line:
            line.value = ""  # a new ':' starts a new line (a refused one is in the history)
        if prefill:
            line.value = prefill
            line.cursor_position = len(prefill)
        self.set_focus(line)  # now, not after a refresh: keys typed right after ":" land here

    def action_find(self) -> None:
        self.action_prompt("find ")

    def action_leave(self) -> None:
        self.exit(0)

    def action_help(self) -> None:
        from tui.widgets.help_screen import HelpScreen

        self.push_screen(HelpScreen())

    def action_save_default(self) -> None:
        from tui import typed

        from tui.record import free_name

        name = free_name(default="objcg-session.objcg")
        self.say(typed.execute(self.session, f"save {name}").message)

    def action_record(self) -> None:
        from tui.record_ui import toggle_recording

        toggle_recording(self)

    def action_chapter(self) -> None:
        from tui.record_ui import ask_chapter

        ask_chapter(self)

    def action_chapter_jump(self, delta: int) -> None:
        from tui.record_ui import jump_chapter

        jump_chapter(self, delta)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        from tui.palette import explorer_commands

        yield from explorer_commands(self)
        yield from super().get_system_commands(screen)

    # -- panels' messages ---------------------------------------------------------------------------------------
    def on_row_list_moved(self, message: RowList.Moved) -> None:
        row = message.row
        self.picked = True
        if isinstance(message.rowlist, ObjcgList):
            self.selected_objcg = str(row)
        elif isinstance(message.rowlist, MemcgTree) and isinstance(row, Row):
            rec = self.session.world().memcg(row.memcg)
            self.selected_objcg = row.objcg or (rec["objcg"] if rec else None) or self.selected_objcg
        self._draw_invariant()

    def on_row_list_activated(self, message: RowList.Activated) -> None:
        row = message.row
        if isinstance(row, Row):
            opts = self.tree_options
            if row.kind == "memcg":
                opts = replace(opts, toggled=opts.toggled ^ {row.memcg})
            else:
                opts = replace(opts, expanded_lists=opts.expanded_lists ^ {row.memcg})
            self.tree_options = opts
            self.redraw(relayout=True)
        elif isinstance(message.rowlist, ObjcgList):
            rec = self.session.world().objcg(str(row))
            tree = self.query_one(MemcgTree)
            if rec is not None and tree.select_key(("memcg", rec["memcg"], None)):
                tree.focus()

    def on_command_line_left(self) -> None:
        self.query_one(MemcgTree).focus()

    def on_command_line_completed(self, message: CommandLine.Completed) -> None:
        found = message.candidates
        self.say("no completion" if not found else "  ".join(found[:40]))

    # -- the command line -----------------------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        line = event.value.strip()
        if not line:
            return
        from tui import typed

        outcome = typed.execute(self.session, line)
        self.say(outcome.message)
        problem = self.tape.committed(self.session)  # when recording: the file follows
        if problem:
            self.say(problem, error=True)
        if outcome.find is not None:
            self.find_text = outcome.find
        if outcome.record is not None:
            self.session.goto(outcome.record.first)
            self.playing = True
        self.redraw(relayout=True)
        if outcome.help:
            self.action_help()
        cmdline = self.query_one(CommandLine)
        cmdline.remember(line)  # a refused line too: up-arrow brings it back to mend
        if outcome.consumed:  # as vim's ':' does, Enter hands the keys back to the panels
            cmdline.value = ""
            if isinstance(self.screen.focused, CommandLine):
                self.query_one(MemcgTree).focus()

    def _names(self) -> Names:
        from tui import typed

        return typed.names_of(self.session)


def opening(session: Session) -> int:
    """The built-in scenario opens just before its last rmdir, so the first `n` steps
    into reparenting."""
    for rec in reversed(session.machine.commands):
        if rec.command.name == "rmdir":
            return rec.first
    return session.total


def main_explore(path: str | None, record: str | None = None) -> int:
    """`objcg-lab [explore [FILE]]`: 2 and a one-line error for a bad FILE."""
    try:
        if path is None:
            session = Session.from_text(scenarios.default_text(), scenarios.DEFAULT_NAME)
            start = opening(session)
            greeting = ("Built-in scenario, stopped before its last command: press n to step into "
                        "rmdir A/B and watch objcg /A/B move to /A.  ? help")
        else:
            session = Session.from_file(path)
            start, greeting = None, f"{path}: {len(session.machine.commands)} commands run; " \
                                    "home goes back to the start, n/b step.  ? help"
    except (LoadError, ScriptError) as err:
        print(err, file=sys.stderr)
        return 2
    tape = Tape()
    if record is not None:
        from tui.outfiles import OutputError

        try:
            greeting = f"{tape.start(record, session)}.  ? help"
        except OutputError as err:
            print(err, file=sys.stderr)
            return 2
    ExplorerApp(session, start_at=start, greeting=greeting, tape=tape).run()
    if tape.recording:
        print(tape.stop(session))
    return 0
