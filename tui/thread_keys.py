"""The explorer's keys for CPUs at once: inside a `together` block the learner picks the
thread that takes the next micro-step (0-9 a CPU's thread, w then a digit its kworker),
`n` takes the next one in the block's own order and `N` runs the rest; and what is shown
for it: the lanes panel above the trail and a kernel oops over the panels.

The keys appear in the footer only when they can be used (check_action); the moves are
tui.hand's, on the session."""
from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Callable

from rich.text import Text
from textual.binding import Binding

from tui.present.lanes import lane_style, thread_name
from tui.session import Session
from tui.widgets.lanes import LanesPanel
from tui.widgets.oops import OopsBox

if TYPE_CHECKING:
    from engine.kernel.oops import Oops
    from tui.hand import BlockView
    from tui.record import Tape
    from tui.time_keys import TimeKeys as _Base
else:
    _Base = object

THREAD_BINDINGS = [
    *(Binding(str(n), f"thread('{n}')", f"cpu{n}", priority=True) for n in range(10)),
    Binding("w", "kworker", "kworker", key_display="w+N", priority=True),
]
HIDDEN_IN_BLOCK = ("play", "speed")  # no use while the block waits for a choice: room for
# the thread keys in an 80-column footer


class ThreadKeys(_Base):
    """Mixed into ExplorerApp before TimeKeys: the thread keys, and `n` / `N` at the end of
    a block stepped by hand."""

    session: Session
    tape: Tape
    playing: bool
    _kworker_key = False  # `w` was pressed: the next digit names the kworker's CPU
    _keys_shown: tuple[str, ...] = ()  # the thread keys the footer shows now

    # -- which keys can be used ----------------------------------------------------------------
    def thread_check(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """check_action's answer for the keys of this module (None: not one of them)."""
        if action == "thread":
            return self._kworker_key or str(parameters[0]) in self._choosable()
        if action == "kworker":
            return any(label.startswith("w") for label in self._choosable())
        if action in HIDDEN_IN_BLOCK:
            view = self._view()
            if view is None or not view.can_choose:
                return None
            narrow = self.size.width < 100  # type: ignore[attr-defined]
            return False if view.at_live_end or narrow else None
        return None

    def _view(self) -> BlockView | None:
        """The block at the cursor (tui.hand, imported once there is one to show)."""
        if not _near_block(self.session):
            return None
        from tui.hand import block_at

        return block_at(self.session)

    def _choosable(self) -> tuple[str, ...]:
        view = self._view()
        if view is None or not view.can_choose:
            return ()
        return view.choices if view.at_live_end else view.threads

    # -- the keys ------------------------------------------------------------------------------
    def action_thread(self, digit: str) -> None:
        label = f"w{digit}" if self._kworker_key else digit
        self._kworker_key = False
        self._take(lambda hand: hand.take(self.session, label))

    def action_kworker(self) -> None:
        self._kworker_key = True
        cpus = " ".join(label[1:] for label in self._choosable() if label.startswith("w"))
        self.say(f"a kworker: press its CPU's digit ({cpus})")  # type: ignore[attr-defined]

    def action_micro(self, delta: int, _src: str = "") -> None:
        view = self._view()
        if delta > 0 and view is not None and view.at_live_end and not self.playing:
            self._take(lambda hand: hand.step_default(self.session))
            return
        super().action_micro(delta, _src)

    def action_command(self, delta: int, _src: str = "") -> None:
        view = self._view()
        if delta > 0 and view is not None and view.at_live_end:
            self._take(lambda hand: hand.run_rest(self.session))
            return
        super().action_command(delta, _src)

    def block_moved(self) -> None:
        """A thread's step (or the rest of a block) ran: the lesson player checks its goal."""

    def _take(self, move: Callable[[ModuleType], str]) -> None:
        from tui import hand

        said = move(hand)
        problem = self.tape.committed(self.session)  # when recording: the file follows
        s = self.session
        at = s.cursor
        self.redraw(relayout=True, follow=True)  # type: ignore[attr-defined]
        if problem or said:  # said until the cursor moves on
            self.say(problem or said, error=bool(problem),  # type: ignore[attr-defined]
                     until=lambda: s.cursor != at)
        self.block_moved()

    # -- what is drawn -------------------------------------------------------------------------
    def draw_block(self) -> None:
        """The lanes panel, the oops box and the footer's thread keys, for the cursor."""
        s = self.session
        self._kworker_key = False
        view = self._view()
        panel = self.query_one(LanesPanel)  # type: ignore[attr-defined]
        if view is not None:
            from tui.hand import thread_rows

            panel.show(thread_rows(s, view), self._hint(view))
        else:
            panel.show([], Text())
        self._draw_oops(_oops_here(s))
        shown = self._choosable() if view is not None else ()
        if shown != self._keys_shown:
            self._keys_shown = shown
            self.refresh_bindings()  # type: ignore[attr-defined]

    def _hint(self, view: BlockView | None) -> Text:
        if view is None or not view.can_choose:
            return Text()
        if view.at_live_end:
            if not view.choices:
                return Text("no thread can step: N ends the block", "italic")
            keys = Text("choose: ", "bold")
            for label in view.choices:
                key = f"w{label[1:]}" if label.startswith("w") else label
                keys.append(key, lane_style(label))
                keys.append(f" {thread_name(label)}  ")
            keys.append("· n next in order · N the rest", "italic")
            return keys
        nxt = view.next_in_history
        then = f" (next: {thread_name(nxt)})" if nxt else ""
        return Text(f"stepped back into the block: n replays{then}; another thread's key "
                    "runs the block again from here", "italic")

    def _draw_oops(self, oops: Oops | None) -> None:
        box = self.query_one(OopsBox)  # type: ignore[attr-defined]
        if oops is None:
            box.show(None, (0, 0, 0, 0))
            return
        self._place_oops(oops)
        self.call_after_refresh(self._place_oops, oops)  # type: ignore[attr-defined]

    def _place_oops(self, oops: Oops) -> None:
        """Over the panels as they are laid out now (after a resize too)."""
        box = self.query_one(OopsBox)  # type: ignore[attr-defined]
        if _oops_here(self.session) is not oops:
            return
        main = self.query_one("#main").region  # type: ignore[attr-defined]
        half = self.size.height // 2 + 1  # type: ignore[attr-defined]
        box.show(oops, (main.x, main.y, main.width, max(6, main.height, half)))


def _near_block(session: Session) -> bool:
    """A `together` block runs, or the step just applied or the next is one's."""
    m = session.machine
    if m.live is not None:
        return True
    ahead = m.command_index_at(session.cursor + 1) if not session.at_end else None
    return any(r is not None and bool(r.parts)
               for r in (session.record(session.current()), session.record(ahead)))


def _oops_here(session: Session) -> Oops | None:
    """The oops of the micro-step just applied, if it is the one that crashed."""
    m = session.machine
    if session.cursor == 0 or not m.steps[session.cursor - 1].data[0].startswith("oops."):
        return None
    record = session.record(session.current())
    return record.oops if record is not None else None
