"""The explorer: composes the panels, owns the session, maps keys to actions.

Everything drawn comes from `tui.present`; every move through the engine's timeline
goes through `tui.session`. What lives here is view state only (selection, find, zoom,
folding, play/pause and speed): the engine never learns what is on screen. The actions
live in mixins by responsibility: tui.drawing (panels), tui.time_keys (moving through
time), tui.look_keys (looking around), tui.prompting (the command line); tui.launch
starts the app.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Input

from tui.drawing import Drawing
from tui.look_keys import LookKeys
from tui.present import TreeOptions
from tui.prompting import Prompting
from tui.record import Tape
from tui.scenarios import opening
from tui.session import Session
from tui.themes import install as install_themes, readable_variables
from tui.thread_keys import THREAD_BINDINGS, ThreadKeys
from tui.time_keys import TimeKeys
from tui.widgets.banner import ViolationBanner
from tui.widgets.command_line import CommandLine
from tui.widgets.explanation import Explanation
from tui.widgets.header import PositionBar
from tui.widgets.keybar import KeyBar
from tui.widgets.lanes import LanesPanel
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.object_list import ObjectList
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.oops import OopsBox
from tui.widgets.status import InvariantStatus
from tui.widgets.stocks import CpuStocks
from tui.widgets.themed import ThemedText
from tui.widgets.trail import Trail

if TYPE_CHECKING:
    from tui.loading import Loader

__all__ = ["ExplorerApp", "opening"]

# Imported when first used, not at start-up: the help screen, the palette entries and the
# command-line machinery (tui.typed, tui.complete) are not needed for the first frame,
# which must stay within 1.5x a bare Textual app's (benchmarks/tui.py).

BIG_TREE = 100  # memcgs; above this the tree starts folded below the top level


class ExplorerApp(ThreadKeys, TimeKeys, LookKeys, Prompting, Drawing, App[int]):
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
        Binding("p", "pins", "who pins", show=False, priority=True),
        Binding("escape", "clear", "clear find/zoom", show=False),
        Binding("y", "other_branch", "branch", show=False, priority=True),
        Binding("R", "record", "record", show=False, priority=True),
        Binding("c", "chapter", "chapter", show=False, priority=True),
        Binding("P", "recording('pause')", "pause mark", show=False, priority=True),
        Binding("right_square_bracket", "chapter_jump(1)", show=False, priority=True),
        Binding("left_square_bracket", "chapter_jump(-1)", show=False, priority=True),
        Binding("question_mark", "help", "help", priority=True, key_display="?"),
        Binding("q", "leave", "quit", show=False, priority=True),
        *THREAD_BINDINGS,  # inside a `together` block (tui.thread_keys)
    ]

    controls = True
    """False: the screen a viewer needs (exports): no prompt, key bar or key hints."""
    playing: reactive[bool] = reactive(False, init=False)
    """Stepping on a timer."""
    speed: reactive[float] = reactive(4.0, init=False)
    """Micro-steps per second while playing."""

    def __init__(self, session: Session, *, start_at: int | None = None, greeting: str = "",
                 tape: Tape | None = None, loader: Loader | None = None,
                 projector: bool = False) -> None:
        """With `loader`, `session` is a stand-in: the real one is loaded in a worker
        thread behind a progress bar (tui.loading) and installed when ready."""
        super().__init__()
        install_themes(self, projector)  # the projector theme, for a class (--projector)
        self.session = session
        self.greeting = greeting
        self.loader = loader
        self.load_error: str | None = None  # the loader failed: printed after exit
        if start_at is not None:
            session.goto(start_at)
        big = len(session.world().memcg_names()) > BIG_TREE
        self.tree_options = TreeOptions(auto_collapse=big)
        self.find_text = ""
        self.objects_shown: bool | None = None  # None: decided by the terminal's height
        self.selected_objcg: str | None = None
        self.picked = False  # until the learner picks an objcg, the sum follows the step
        # Figures drawn as '?' everywhere (the lesson player's pending prediction).
        self.masked: frozenset[tuple[str, str, str]] = frozenset()
        self._timer: Timer | None = None
        self.tape = (tape or Tape()).attach(session)  # chapters, pauses, recording
        self.tape.schedule = self.set_timer  # a dwelt pause is written when it is made

    def compose(self) -> ComposeResult:
        # The screen's classes and the size-dependent widgets as the size wants them from
        # the start: each change after mounting restyles the whole screen (the first
        # frame's largest cost, measured against a bare Textual app's).
        width, height = self.size
        self._screen_classes(self.size)
        yield PositionBar(id="position")
        yield ViolationBanner(id="banner")
        with Horizontal(id="main"):
            yield MemcgTree(id="tree")
            with Vertical(id="right"):
                yield CpuStocks(id="stocks")
                yield ObjcgList(id="objcgs")
                objects = ObjectList(id="objects")
                objects.display = self._objects_shown(height)
                yield objects
        with Vertical(id="trail-panel"):
            yield LanesPanel(id="lanes")
            yield Trail(id="trail")
            yield Explanation(id="why")
        yield CommandLine(self._names, id="cmdline")
        yield ThemedText(id="message")
        yield InvariantStatus(id="invariant")
        yield KeyBar(compact=width < 100)
        yield OopsBox(id="oops")

    def on_mount(self) -> None:
        titles = {"#tree": "memcg tree", "#stocks": "per-CPU stocks", "#objcgs": "objcgs",
                  "#objects": "objects", "#trail-panel": "kernel trail"}
        for selector, title in titles.items():
            self.query_one(selector).border_title = title
        self._timer = self.set_interval(1 / self.speed, self._tick, pause=True)
        if self.is_headless:
            self.query_one(CommandLine).cursor_blink = False
        self._place_objects()
        self._laid_out_for = self.size
        self.redraw(relayout=True)
        self.query_one(MemcgTree).focus()
        if self.loader is not None:
            self._load_in_background(self.loader)
        else:
            self._greet()

    def _greet(self) -> None:
        if self.greeting:  # stays while the command ahead of the start has not been run
            s = self.session
            start = s.cursor
            ahead = s.record(s.machine.command_index_at(start + 1)) if not s.at_end else None
            end = ahead.end if ahead is not None else start
            self.say(Text.assemble((self.greeting, "italic")),
                     until=lambda: not start <= s.cursor < end if end > start else s.cursor != start)

    # -- a big scenario loads behind a progress bar ---------------------------------------------
    def _load_in_background(self, loader: Loader) -> None:
        from tui.loading import LoadingScreen

        what = self.session.source
        screen = LoadingScreen(what)
        self.push_screen(screen)

        def progress(done: int, total: int) -> None:
            self.call_from_thread(screen.advance, done, total)

        def work() -> None:
            from engine import ScriptError
            from tui.session import LoadError

            try:
                session, greeting = loader(progress)
            except (LoadError, ScriptError) as err:
                self.load_error = str(err)
                self.call_from_thread(self.exit, 2)
                return
            self.call_from_thread(self._install, session, greeting, screen)

        # The worker starts once the progress bar is painted: a thread running the engine
        # from the start would share the interpreter with that very first frame.
        self.call_after_refresh(self.run_worker, work, thread=True, exclusive=True, name="load")

    def _install(self, session: Session, greeting: str, screen: ModalScreen[None]) -> None:
        self.session, self.greeting = session, greeting
        self.loader = None
        self.tape = self.tape.attach(session)
        big = len(session.world().memcg_names()) > BIG_TREE
        self.tree_options = TreeOptions(auto_collapse=big)
        self.selected_objcg, self.picked = None, False
        screen.dismiss()
        self.redraw(relayout=True)
        self._greet()

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables, those the explorer's text uses made readable (tui.themes)."""
        return readable_variables(self, super().get_css_variables())

    # -- who may use which key ----------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("quit", "command_palette"):  # Textual's ctrl+q and ctrl+p: always
            return True
        if isinstance(self.screen, ModalScreen):
            return False  # help and the palette have their own keys
        if isinstance(self.focused, Input):
            # letters type into the command line; the F-keys (parameter 'any') still step
            return bool(parameters) and parameters[-1] == "any"
        verdict = self.thread_check(action, parameters)
        return True if verdict is None else verdict

    # -- the rest: help, quitting, recording, the palette -------------------------------------
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

    def action_recording(self, what: str) -> None:
        """P marks a pause; the palette sets the title, renames or deletes a chapter."""
        from tui import record_ui

        {"pause": record_ui.mark_pause, "title": record_ui.ask_title,
         "rename": record_ui.ask_rename_chapter, "delete": record_ui.delete_chapter}[what](self)

    def action_chapter_jump(self, delta: int) -> None:
        from tui.record_ui import jump_chapter

        jump_chapter(self, delta)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        from tui.palette import explorer_commands

        yield from explorer_commands(self)
        yield from super().get_system_commands(screen)
