"""The only Textual internals the exports touch (written against Textual 8.2).

Exports drive the explorer headless and need two things Textual has no public API for:
knowing that the screen has caught up with a move (every message handled, the layout
and repaint done), and the composed screen as lines of segments (what
`App.export_screenshot` renders to SVG, but also wanted as ANSI for a cast). Everything
private is here and nowhere else; tests/test_export_textual_bridge.py fails with a clear
message if a Textual upgrade moves any of it.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from textual._compositor import ChopsUpdate
from textual.app import App
from textual.pilot import Pilot
from textual.strip import Strip

DRAIN_SPINS = 20_000  # event loop turns before giving up on a settle (30 s of waiting at most)
MAX_ROUNDS = 8  # a layout can need a second pass (a scrollbar appears); never loop for ever

# (owner, attribute) pairs used below: checked by the test so an upgrade fails loudly.
PRIVATE = (("Screen", "_on_timer_update"), ("Screen", "_compositor"),
           ("App", "_background_screens"), ("App", "_display"), ("App", "_message_queue"),
           ("App", "_next_callbacks"), ("App", "_dispatch_message"))


class Painter:
    """Watches one app's repaints: `await painter.settle()` returns once the screen shows
    everything its widgets were asked to show, doing each repaint exactly once."""

    def __init__(self, app: App[Any], pilot: Pilot[Any]) -> None:
        self.app, self.pilot = app, pilot
        self.painted = False
        # The screen as a terminal fed every update shows it: one Strip per row (None:
        # not known, compose it in full); `_changed` holds the rows patched since then.
        self._rows: list[Strip] | None = None
        shown: Callable[..., None] = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.painted = True
                self._apply(renderable)
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
            pumps = [app, *app.screen.walk_children(with_self=True)]
            if not any(_busy(pump) for pump in pumps):
                return
            # a handler waiting on something slow (never the explorer's): yield for real
            await asyncio.sleep(0 if spin < DRAIN_SPINS // 2 else 0.001)
        raise RuntimeError("the explorer did not settle (a message handler never returns)")

    def lines(self) -> list[Strip]:
        """The screen as composed for a terminal: one Strip per row (what
        App.export_screenshot prints), each row's segments merged by style."""
        if self._rows is None:
            app = self.app
            update = app.screen._compositor.render_update(
                full=True, screen_stack=app._background_screens)
            self._rows = [Strip.join(chops).simplify() for chops in update.strips]
        return list(self._rows)

    def _apply(self, update: Any) -> None:
        """Keep the rows as a terminal would after this update: a partial update paints
        cells [x1, x2) of row y for each of its spans (the chops there are what the
        front widgets drew); anything else (a full repaint, a resize) is composed again."""
        rows = self._rows
        if rows is None:
            return
        if not isinstance(update, ChopsUpdate) or len(update.chops) != len(rows):
            self._rows = None
            return
        width = rows[0].cell_length if rows else 0
        painted: dict[int, dict[int, tuple[int, Strip]]] = {}  # row -> start -> (end, cells)
        for y, x1, x2 in update.spans:
            for x, strip in update.chops[y].items():
                if strip is None:
                    continue
                stop = x + strip.cell_length
                start, end = max(x, x1), min(stop, x2, width)
                if start < end:
                    cells = strip if (start, end) == (x, stop) else strip.crop(start - x, end - x)
                    painted.setdefault(y, {})[start] = (end, cells)
        for y, pieces in painted.items():
            cuts = sorted({0, width, *pieces, *(end for end, _ in pieces.values())})
            parts = rows[y].divide(cuts[1:])  # the row cut at every piece's edges
            rows[y] = Strip.join(pieces[a][1] if a in pieces and pieces[a][0] == b else part
                                 for a, b, part in zip(cuts, cuts[1:], parts)).simplify()


def _busy(pump: Any) -> bool:
    """Is this message pump handling a message, or has it one (or a callback) waiting?"""
    if not hasattr(pump, "_export_handling"):
        _count_handling(pump)
    return bool(pump._export_handling or not pump._message_queue.empty()
                or pump._next_callbacks)


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
