"""The explorer's drawing: push the state at the cursor to every panel, the message
line, the position bar, and which panels the terminal's size leaves room for."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.widgets import Footer

from engine import CommandRecord
from engine.steps import explain, function_of
from tui import present
from tui.present import TreeOptions
from tui.record import Tape
from tui.session import Session
from tui.widgets.banner import ViolationBanner
from tui.widgets.explanation import Explanation, Said
from tui.widgets.header import PositionBar
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.object_list import ObjectList
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.status import InvariantStatus
from tui.widgets.stocks import CpuStocks
from tui.widgets.themed import ThemedText
from tui.widgets.trail import Trail
from tui.widgets.layout import share_rows
from tui.widgets.rowmemo import Change
from tui.present import Highlight, Position
from tui.world import World, changed, field_swings, records_touched

if TYPE_CHECKING:
    from textual.app import App

    _Base = App[int]
else:
    _Base = object

COMPACT_HEIGHT = 32  # below this many rows the objects panel starts hidden, frames are rules
TINY_HEIGHT = 16  # below this the key bar goes: its row is one of the panels' few


class Drawing(_Base):
    """Mixed into ExplorerApp: everything that turns the session into what is on screen."""

    session: Session
    tape: Tape
    tree_options: TreeOptions
    find_text: str
    objects_shown: bool | None
    selected_objcg: str | None
    picked: bool
    playing: bool
    speed: float
    controls: bool  # False in exports: no key hints
    masked: frozenset[tuple[str, str, str]]  # figures drawn as '?' (a pending prediction)
    _expiry: tuple[Callable[[], bool], Text] | None = None  # when the message goes stale
    _drawn_at: tuple[object, int, object, object] | None = None  # see _change
    _serial = 0  # redraws so far
    # B (and home) land at the start of a command: until the cursor moves, the header and
    # the trail show that command, none of it run (step 0/N), not the one before it done
    _ahead_at: int | None = None

    _laid_out_for: Size | None = None  # the terminal size the panels were laid out for

    def on_resize(self, event: events.Resize) -> None:
        # This runs before App's own handler has taken the new size: self.size is still
        # the old one, and a layout made for it would be squeezed into the new one.
        if event.size == self._laid_out_for:
            return  # the start's own resize: already laid out for it
        self._laid_out_for = event.size
        self._place_objects(event.size)
        share_rows(self, event.size.height)
        self.call_after_refresh(self._after_resize)

    def _after_resize(self) -> None:
        """Once the panels have their new widths: the rows they need there."""
        self.redraw(relayout=True)

    def _place_objects(self, size: Size | None = None) -> None:
        """The screen's look for its size: frames or rules, the objects panel, the key bar."""
        size = size if size is not None else self.size
        width, height = size
        shown = self._objects_shown(height)
        self.query_one(ObjectList).display = shown
        hint = " (o: objects)" if self.controls else ""
        self.query_one(ObjcgList).border_title = "objcgs" if shown else f"objcgs{hint}"
        self._screen_classes(size)
        self.query_one(Footer).compact = width < 100
        self.query_one(Explanation).delta_rows = 1 if height < COMPACT_HEIGHT else 2
        message = self.query_one("#message", ThemedText)
        message.display = height >= TINY_HEIGHT or bool(str(message.content))

    def _objects_shown(self, height: int) -> bool:
        return self.objects_shown if self.objects_shown is not None else height >= COMPACT_HEIGHT

    def _screen_classes(self, size: Size) -> None:
        width, height = size
        self.screen.set_class(height < COMPACT_HEIGHT, "-compact")
        self.screen.set_class(width < 100, "-narrow")
        self.screen.set_class(height < TINY_HEIGHT, "-tiny")

    def stand_before_command(self) -> None:
        """The cursor is at the start of the command after it (B, home): say so."""
        self._ahead_at = self.session.cursor

    def ahead(self) -> CommandRecord | None:
        """The command the cursor stands before (its start reached by B or home), if so."""
        s = self.session
        if self._ahead_at != s.cursor:
            self._ahead_at = None
            return None
        index = s.machine.command_index_at(s.cursor + 1) if not s.at_end else None
        rec = s.record(index)
        return rec if rec is not None and rec.first == s.cursor else None

    def position(self) -> Position:
        """Where the cursor is, as the header says it."""
        s = self.session
        rec = self.ahead()
        if rec is None:
            return s.position()
        index = s.machine.commands.index(rec)
        nxt = s.record(index + 1)
        return replace(s.position(), command=index, step_in_command=0, steps_in_command=rec.end - rec.first,
                       text=rec.command.text, ret=None, oops=False, next_text=nxt.command.text if nxt else None)

    def redraw(self, relayout: bool = False, follow: bool = False) -> None:
        """Push the state at the cursor to every panel."""
        s = self.session
        world, hl = s.world(), replace(s.highlight(), masked=self.masked)
        change = self._change()
        relayout = relayout or present.structural(hl.changed)
        ghost_memcgs, ghost_objcgs = s.ghosts()
        reveal = s.touched_memcgs() if self.tree_options.auto_collapse else frozenset()
        opts = replace(self.tree_options, find=self.find_text, ghosts=ghost_memcgs, reveal=reveal)
        tree, objcgs = self.query_one(MemcgTree), self.query_one(ObjcgList)
        tree.show(world, hl, opts, relayout, change)
        objcgs.show(world, hl, self.find_text, ghost_objcgs, relayout, change)
        objects = self.query_one(ObjectList)
        if objects.display:
            objects.show(world, hl, self.find_text, relayout, change)
        self.query_one(CpuStocks).show(world, hl, change)
        self._draw_trail()
        self.draw_block()  # CPUs at once: lanes, an oops, the thread keys (tui.thread_keys)
        self.show_position(self.playing, self.speed)
        touched = sorted(n for k, n, _ in hl.changed if k == "objcg")
        if touched and not self.picked:
            self.selected_objcg = touched[0]
        if self.selected_objcg is None or world.objcg(self.selected_objcg) is None:
            self.selected_objcg = objcgs.selected
        self._draw_invariant()
        self.query_one(ViolationBanner).show(s.violation)
        share_rows(self)
        if follow:
            for panel in (tree, objcgs):
                index = panel.first_changed()
                if index is not None:
                    panel.show_row(index)
        self.expire_message()

    def _change(self) -> Change:
        """What changed since the last redraw: after one micro-step forward or back, the
        records that step and the one whose highlight it replaces touched (the lists
        then draw again only the rows that read them); anything else is unknown."""
        s = self.session
        steps, at = s.machine.steps, s.cursor
        # the Step objects themselves, not their ids: a dropped branch could hand an id on
        here = (s.machine, at, steps[at - 1] if at else None, steps[at] if at < len(steps) else None)
        before, self._drawn_at = self._drawn_at, here
        self._serial += 1
        if before is None or before[0] is not s.machine or abs(before[1] - at) != 1:
            return Change(self._serial, None)
        low = min(at, before[1])  # the step between the two points is steps[low]
        if at > before[1]:  # forward: the step that was next, after the one highlighted then
            known = before[3] is steps[low] and (low == 0 or before[2] is steps[low - 1])
        else:  # back: the step that was highlighted then (a step's past is its own)
            known = before[2] is steps[low]
        if not known:
            return Change(self._serial, None)
        touched = records_touched(steps[low].changes)
        if low:
            touched |= records_touched(steps[low - 1].changes)
        return Change(self._serial, frozenset(touched))

    def _draw_trail(self) -> None:
        s = self.session
        index = s.current()
        rec = self.ahead() or s.record(index if index is not None else 0)
        trail, why = self.query_one(Trail), self.query_one(Explanation)
        trail.masked = self.masked
        if rec is None:
            trail.show(s.machine.steps, 0, 0, s.cursor)
            why.hold(None, lambda: [])  # no command: nothing to keep rows for
            why.show(Said())
            return
        trail.show(s.machine.steps, rec.first, rec.end, s.cursor)
        why.hold((rec.first, rec.end, s.machine.steps[rec.first] if rec.end > rec.first else None,
                  self.masked), lambda: [self._said(rec, at) for at in range(rec.first + 1, rec.end + 1)])
        if s.cursor == rec.first:
            keys = ": press n to apply the first micro-step" if self.controls else ""
            why.show(Said(why=f"Nothing applied yet{keys}."))
            return
        why.show(self._said(rec, s.cursor, s.world()))

    def _said(self, rec: CommandRecord, at: int, world: World | None = None) -> Said:
        """What the explanation says with the cursor at `at` within `rec` (the step
        steps[at - 1] just applied). Without `world` (another point than the cursor's),
        the Δ line counts each created or freed record as created: the same length."""
        step = self.session.machine.steps[at - 1]
        changes = changed(step.changes)
        if present.hides_step(self.masked, changes):  # its delta would tell
            return Said(why="hidden until you answer the prediction")
        highlight = Highlight(frozenset(changes), field_swings(step.changes))
        delta = present.delta_parts(highlight, world, exists=None if world else lambda kind, name: True)
        warnings = tuple(w for w, seen in zip(rec.warnings, rec.warned_at) if at > seen)
        return Said(function_of(step.data[0]), explain(step.data[0]), warnings,
                    tuple(rec.notes) if at == rec.end else (), self.session.command_cpu(), tuple(delta))

    def _draw_invariant(self) -> None:
        world = self.session.world()
        found = present.conservation(world, self.selected_objcg) if self.selected_objcg else None
        self.query_one(InvariantStatus).show(found, masked=bool(self.masked))

    def say(self, text: str | Text, error: bool = False, *,
            until: Callable[[], bool] | None = None, then: str | Text = "") -> None:
        """The one-line message under the command line. With `until`, it is replaced by
        `then` as soon as `until()` is true (checked at every redraw and play change), so
        it never stays on screen after it stopped being true."""
        line = Text(text, "bold red" if error else "") if isinstance(text, str) else text
        message = self.query_one("#message", ThemedText)
        message.show(line)  # wraps (app.tcss): never cut
        message.display = bool(line.plain) or not self.screen.has_class("-tiny")  # a row, when tiny
        self._expiry = (until, Text(then) if isinstance(then, str) else then) if until else None

    def expire_message(self) -> None:
        if self._expiry is not None and self._expiry[0]():
            then = self._expiry[1]
            self._expiry = None
            self.say(then)

    def show_position(self, playing: bool, speed: float) -> None:
        tape = self.tape
        recording = tape.path.name if tape.recording and tape.path is not None else None
        self.query_one(PositionBar).show(self.position(), playing, speed, recording,
                                         branches=len(self.session.branches))
