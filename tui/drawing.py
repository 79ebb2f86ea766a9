"""The explorer's drawing: push the state at the cursor to every panel, the message
line, the position bar, and which panels the terminal's size leaves room for."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from rich.text import Text
from textual.widgets import Footer, Static

from engine.steps import explain, function_of
from tui import present
from tui.present import TreeOptions
from tui.record import Tape
from tui.session import Session
from tui.widgets.banner import ViolationBanner
from tui.widgets.explanation import Explanation
from tui.widgets.header import PositionBar
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.object_list import ObjectList
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.status import InvariantStatus
from tui.widgets.stocks import CpuStocks
from tui.widgets.trail import Trail
from tui.widgets.layout import share_rows
from tui.widgets.rowmemo import Change
from tui.world import changed, records_touched

if TYPE_CHECKING:
    from textual.app import App

    _Base = App[int]
else:
    _Base = object

COMPACT_HEIGHT = 32  # below this many rows the objects panel starts hidden


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

    def on_resize(self) -> None:
        self._place_objects()
        share_rows(self)

    def _place_objects(self) -> None:
        shown = self.objects_shown
        if shown is None:
            shown = self.size.height >= COMPACT_HEIGHT
        self.query_one(ObjectList).display = shown
        hint = " (o: objects)" if self.controls else ""
        self.query_one(ObjcgList).border_title = "objcgs" if shown else f"objcgs{hint}"
        self.screen.set_class(self.size.height < COMPACT_HEIGHT, "-compact")
        self.screen.set_class(self.size.width < 100, "-narrow")
        self.query_one(Footer).compact = self.size.width < 100

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
        rec = s.record(index if index is not None else 0)
        trail, why = self.query_one(Trail), self.query_one(Explanation)
        trail.masked = self.masked
        if rec is None:
            trail.show(s.machine.steps, 0, 0, s.cursor)
            why.hold(None, lambda: [])  # no command: nothing to keep rows for
            why.show(None, None, [], [], None)
            return
        trail.show(s.machine.steps, rec.first, rec.end, s.cursor)
        steps = s.machine.steps[rec.first:rec.end]
        why.hold((rec.first, rec.end, steps[0] if steps else None),
                 lambda: [(function_of(st.data[0]), explain(st.data[0]), bool(st.changes))
                          for st in steps])
        if s.cursor == 0:
            keys = ": press n to apply the first micro-step" if self.controls else ""
            why.show(None, f"Nothing applied yet{keys}.", [], [], None)
            return
        step = s.machine.steps[s.cursor - 1]
        notes = rec.notes if s.cursor == rec.end else []
        if present.hides_step(self.masked, changed(step.changes)):  # its delta would tell
            why.show(None, "hidden until you answer the prediction", [], [], None)
            return
        why.show(function_of(step.data[0]), explain(step.data[0]), s.visible_warnings(), notes,
                 s.command_cpu(), delta=present.delta_text(s.highlight(), s.world()))

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
        self.query_one("#message", Static).update(line)  # wraps (app.tcss): never cut
        self._expiry = (until, Text(then) if isinstance(then, str) else then) if until else None

    def expire_message(self) -> None:
        if self._expiry is not None and self._expiry[0]():
            then = self._expiry[1]
            self._expiry = None
            self.say(then)

    def show_position(self, playing: bool, speed: float) -> None:
        tape = self.tape
        recording = tape.path.name if tape.recording and tape.path is not None else None
        self.query_one(PositionBar).show(self.session.position(), playing, speed, recording,
                                         branches=len(self.session.branches))
