"""The only Textual internals the exports touch (written against Textual 8.2).

Exports drive the explorer headless and need two things Textual has no public API for:
knowing that the screen has caught up with a move (every message handled, the layout
and repaint done), and the screen as lines of segments (what `App.export_screenshot`
renders to SVG, but also wanted as ANSI for a cast), kept up to date from the partial
updates Textual paints rather than composed afresh for every frame. Everything private
is here and nowhere else; tests/test_export_textual_bridge.py fails with a clear message
if a Textual upgrade moves any of it.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from textual._compositor import ChopsUpdate
from textual.app import App
from textual.strip import Strip

DRAIN_SPINS = 20_000  # event loop turns before giving up on a settle (about 10 s of waiting)
MAX_ROUNDS = 8  # a layout can need a second pass (a scrollbar appears); never loop for ever

# (owner, attribute) pairs used below: checked by the test so an upgrade fails loudly.
PRIVATE = (("Screen", "_on_timer_update"), ("Screen", "_compositor"),
           ("App", "_background_screens"), ("App", "_display"), ("App", "_message_queue"),
           ("App", "_next_callbacks"), ("App", "_dispatch_message"), ("App", "_pending_message"),
           ("App", "_exception"))


class Painter:
    """Watches one app's repaints: `await painter.settle()` returns once the screen shows
    everything its widgets were asked to show, doing each repaint exactly once."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.painted = False
        self._screen = ScreenRows()  # the screen as a terminal fed every update shows it
        shown: Callable[..., None] = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.painted = True
                self._screen.apply(renderable)
            shown(screen, renderable)

        app._display = display  # type: ignore[method-assign]

    async def settle(self) -> None:
        """Handle pending messages and repaint, until a round has nothing to repaint.
        Pilot.pause() would also wait for the process to look idle by the wall clock."""
        for _ in range(MAX_ROUNDS):
            self.painted = False  # Textual's own timer may repaint during the wait: count it
            await self._drain()
            self.app.screen._on_timer_update()  # the layout and repaint the timer would do
            if not self.painted:
                return

    async def _drain(self) -> None:
        """Let every message pump of the app (app, screen, widgets) handle what it was
        sent, and what handling sends on. Pilot's own wait posts a callback to every
        widget and waits for them all; that was most of an export's time."""
        app = self.app
        for spin in range(DRAIN_SPINS):
            if app._exception is not None:  # a handler failed: say what, not "did not settle"
                raise app._exception
            pumps = [app, *app.screen.walk_children(with_self=True)]
            if not any(_busy(pump) for pump in pumps):
                return
            # a handler waiting on something slow (never the explorer's): yield for real
            await asyncio.sleep(0 if spin < DRAIN_SPINS // 2 else 0.001)
        raise RuntimeError("the explorer did not settle (a message handler never returns)")

    def lines(self) -> list[Strip]:
        """The screen as composed for a terminal: one Strip per row (what
        App.export_screenshot prints), each row's segments merged by style."""
        if not self._screen.known:
            self._screen.compose(self.composed())
        return self._screen.lines()

    def composed(self) -> list[list[Strip]]:
        """The whole screen composed afresh, each row in chops (slow: every widget)."""
        app = self.app
        update = app.screen._compositor.render_update(full=True,
                                                      screen_stack=app._background_screens)
        return [list(chops) for chops in update.strips]


class ScreenRows:
    """The screen's rows as Textual hands them to a terminal: each row in chops (the
    pieces between widget edges). A partial update replaces the cells it paints (exactly
    those cells: Textual sends a terminal whole segments around them, the same content);
    a row is joined again only when one of its chops changed; anything but a partial
    update (a full repaint, a resize) makes the rows unknown until composed again."""

    def __init__(self) -> None:
        self._starts: list[tuple[int, ...]] = []  # per row: the x where each chop starts
        self._chops: list[list[Strip]] = []
        self._joined: list[Strip | None] = []  # per row: its chops joined (None: to join)
        self.known = False

    def compose(self, rows: list[list[Strip | None]]) -> None:
        # a row with a missing chop is kept whole: its starts no longer match Textual's,
        # so the next update of that row cuts it again at Textual's edges (_recut)
        kept = [chops if None not in chops else [Strip.join(chops)] for chops in rows]
        self._chops = kept  # type: ignore[assignment]
        self._starts = [tuple(_starts(chops)) for chops in kept]  # type: ignore[arg-type]
        self._joined = [None] * len(rows)
        self.known = True

    def lines(self) -> list[Strip]:
        joined = self._joined
        for y, strip in enumerate(joined):
            if strip is None:
                joined[y] = Strip.join(self._chops[y]).simplify()
        return list(joined)  # type: ignore[arg-type]

    def apply(self, update: Any) -> None:
        """Paint cells [x1, x2) of row y for each span (y, x1, x2) of a partial update,
        from the chops there (what the front widgets drew)."""
        if not self.known:
            return
        if not isinstance(update, ChopsUpdate) or len(update.chops) != len(self._chops):
            self.known = False
            return
        spans: dict[int, list[tuple[int, int]]] = {}
        for y, x1, x2 in update.spans:
            spans.setdefault(y, []).append((x1, x2))
        for y, ranges in spans.items():
            line = update.chops[y]
            if tuple(line) != self._starts[y]:  # a layout moved this row's widget edges
                self._recut(y, tuple(line))
            chops = self._chops[y]
            for i, (x, strip) in enumerate(line.items()):
                if strip is None:
                    continue
                stop = x + strip.cell_length
                for x1, x2 in ranges:
                    start, end = max(x, x1), min(stop, x2)
                    if start >= end:
                        continue
                    if (start, end) == (x, stop):
                        chops[i] = strip
                    else:  # a span ends inside the chop: only its cells
                        old = chops[i]
                        chops[i] = Strip.join([old.crop(0, start - x),
                                               strip.crop(start - x, end - x), old.crop(end - x)])
            self._joined[y] = None

    def _recut(self, y: int, starts: tuple[int, ...]) -> None:
        row = Strip.join(self._chops[y])
        ends = [*starts[1:], row.cell_length]
        self._chops[y] = list(row.divide(ends))
        self._starts[y] = starts


def _starts(chops: list[Strip]) -> list[int]:
    out, x = [], 0
    for chop in chops:
        out.append(x)
        x += chop.cell_length
    return out


def _busy(pump: Any) -> bool:
    """Is this message pump handling a message, or has it one (or a callback) waiting?
    (A pump seen for the first time inside a handler shows a message it has not finished
    as taken: its queue is then empty but its pending message or callbacks are not.)"""
    if not hasattr(pump, "_export_handling"):
        _count_handling(pump)
    background = getattr(pump, "background_busy", None)  # e.g. a Markdown update (narration)
    return bool(pump._export_handling or not pump._message_queue.empty()
                or pump._pending_message is not None or pump._next_callbacks
                or (background is not None and background()))


def _count_handling(pump: Any) -> None:
    """Count the messages this pump is inside the handler of (wraps its dispatch)."""
    dispatch = pump._dispatch_message
    pump._export_handling = 0

    async def counted(message: Any) -> None:
        pump._export_handling += 1
        try:
            await dispatch(message)
        finally:
            pump._export_handling -= 1

    pump._dispatch_message = counted
