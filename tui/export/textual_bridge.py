"""The only Textual internals the exports touch (written against Textual 8.2).

Exports drive the explorer headless and need two things Textual has no public API for:
knowing that the screen has caught up with a move (every message handled, the layout
and repaint done), and the composed screen as lines of segments (what
`App.export_screenshot` renders to SVG, but also wanted as ANSI for a cast). Everything
private is here and nowhere else; tests/test_export_textual_bridge.py fails with a clear
message if a Textual upgrade moves any of it.
"""
from __future__ import annotations

from typing import Any, Callable

from textual.app import App
from textual.pilot import Pilot
from textual.strip import Strip

MAX_ROUNDS = 8  # a layout can need a second pass (a scrollbar appears); never loop for ever

# (owner, attribute) pairs used below: checked by the test so an upgrade fails loudly.
PRIVATE = (("Pilot", "_wait_for_screen"), ("Screen", "_on_timer_update"),
           ("Screen", "_compositor"), ("App", "_background_screens"), ("App", "_display"))


class Painter:
    """Watches one app's repaints: `await painter.settle()` returns once the screen shows
    everything its widgets were asked to show, doing each repaint exactly once."""

    def __init__(self, app: App[Any], pilot: Pilot[Any]) -> None:
        self.app, self.pilot = app, pilot
        self.painted = False
        shown: Callable[..., None] = app._display

        def display(screen: Any, renderable: Any) -> None:
            self.painted = True
            shown(screen, renderable)

        app._display = display  # type: ignore[method-assign]

    async def settle(self) -> None:
        """Handle pending messages and repaint, until a round has nothing to repaint.
        Pilot.pause() would also wait for the process to look idle by the wall clock."""
        for _ in range(MAX_ROUNDS):
            self.painted = False  # Textual's own timer may repaint during the wait: count it
            await self.pilot._wait_for_screen()
            self.app.screen._on_timer_update()  # the layout and repaint the timer would do
            if not self.painted:
                return

    def lines(self) -> list[Strip]:
        """The screen as composed for a terminal: one Strip per row (what
        App.export_screenshot prints)."""
        app = self.app
        update = app.screen._compositor.render_update(full=True,
                                                      screen_stack=app._background_screens)
        return [Strip.join(chops) for chops in update.strips]  # a row comes in chops
