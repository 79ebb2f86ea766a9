"""The explorer run headless over a recording, moved point by point, rendered as ANSI
lines (for casts) or SVG (for pictures): the same app and code paths as `objcg-lab replay`."""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from engine.recording import Loaded
from tui.app import ExplorerApp
from tui.record import Tape
from tui.export.source import session_of

DEFAULT_SIZE = (120, 40)
MAX_ROUNDS = 8


@dataclass(frozen=True)
class Options:
    size: tuple[int, int] = DEFAULT_SIZE
    speed: float = 4.0  # micro-steps per second in a cast


def parse_size(text: str) -> tuple[int, int]:
    """'120x40' -> (120, 40); ValueError with a readable message otherwise."""
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise ValueError(f"size '{text}' is not WIDTHxHEIGHT (e.g. 120x40)")
    w, h = int(width), int(height)
    if not (40 <= w <= 500 and 12 <= h <= 200):
        raise ValueError(f"size '{text}' is out of range (40x12 .. 500x200)")
    return w, h


class Screen:
    """`async with Screen(loaded, name, size) as screen:` then `await screen.goto(n)`,
    `await screen.step()`, `screen.ansi_lines()`, `screen.svg(title)`."""

    def __init__(self, loaded: Loaded, where: str, size: tuple[int, int] = DEFAULT_SIZE) -> None:
        self.session = session_of(loaded, where)
        self.tape = Tape.from_loaded(loaded)
        self.app = ExplorerApp(self.session, start_at=0, tape=self.tape)
        self.size = size
        self._context: Any = None
        self._pilot: Any = None

    async def __aenter__(self) -> Screen:
        self._context = self.app.run_test(size=self.size)
        self._pilot = await self._context.__aenter__()
        await self._settle()
        self._arrive()
        await self._settle()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._context.__aexit__(*exc)

    @property
    def cursor(self) -> int:
        return self.session.cursor

    @property
    def total(self) -> int:
        return self.session.total

    async def _settle(self) -> None:
        """Let every widget process its messages and the screen repaint, until two renders
        agree (a scrollbar can appear one layout pass later). Pilot.pause() does the same
        but also waits for the process to look idle by the wall clock: 3x slower."""
        previous: list[str] | None = None
        for _ in range(MAX_ROUNDS):
            await self._pilot._wait_for_screen()
            self.app.screen._on_timer_update()
            lines = self.ansi_lines()
            if lines == previous:
                return
            previous = lines

    def _arrive(self) -> None:
        said = self.tape.arrival(self.session.cursor)
        if said:
            self.app.say(said)

    async def step(self) -> None:
        """One micro-step forward, as `n` in the explorer."""
        self.app.action_micro(1)
        self._arrive()
        await self._settle()

    async def goto(self, cursor: int) -> None:
        """Jump to a point, as `]` jumps to a chapter."""
        self.session.goto(cursor)
        self.app.redraw(relayout=True, follow=True)
        self._arrive()
        await self._settle()

    def _update(self) -> Any:
        app = self.app
        return app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)

    def ansi_lines(self) -> list[str]:
        """The screen as one ANSI string per row, each self-contained (styles reset)."""
        console = _console(self.size)
        update = self._update()
        return ["".join(strip.render(console) for strip in line) + "\x1b[0m"
                for line in update.strips]

    def svg(self, title: str) -> str:
        """The screen as SVG, as Textual's export_screenshot makes it."""
        console = _console(self.size, record=True)
        console.print(self._update())
        return console.export_svg(title=title)


def _console(size: tuple[int, int], record: bool = False) -> Console:
    return Console(width=size[0], height=size[1], file=io.StringIO(), force_terminal=True,
                   color_system="truecolor", record=record, legacy_windows=False, safe_box=False)
