"""The explorer run headless over a recording, moved point by point, rendered as ANSI
lines (for casts) or SVG (for pictures): the same app and code paths as `objcg-lab replay`.
The Textual internals this needs live in tui.export.textual_bridge."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.strip import Strip
from textual.widgets import Footer

from engine.recording import Loaded
from tui.app import ExplorerApp
from tui.record import Tape
from tui.export import svgdraw
from tui.export.chapters import Chapter, chapter_at, chapters_of
from tui.export.interrupt import check
from tui.export.source import session_of
from tui.export.textual_bridge import Painter
from tui.widgets.command_line import CommandLine

DEFAULT_SIZE = (120, 40)


@dataclass(frozen=True)
class Options:
    size: tuple[int, int] = DEFAULT_SIZE
    speed: float = 4.0  # micro-steps per second in a cast
    controls: bool = False  # the prompt, key bar and key hints (a tutorial on the explorer)


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
    `await screen.step()`, `screen.ansi_lines()`, `screen.svg(title)`.

    One headless explorer is kept alive for the whole export; each move is painted once
    (only the widgets it changed), then the composed screen is read back."""

    def __init__(self, loaded: Loaded, where: str, size: tuple[int, int] = DEFAULT_SIZE,
                 playing_at: float | None = None, controls: bool = False) -> None:
        self.session = session_of(loaded, where)
        self.tape = Tape.from_loaded(loaded)
        self.chapters = chapters_of(loaded, Path(where).stem)
        self._said: str | None = None  # the chapter caption on the message line
        self.app = ExplorerApp(self.session, start_at=0, tape=self.tape)
        self.app.controls = controls  # the screen a viewer needs, or the explorer's own
        if playing_at is not None:
            # A cast plays by itself: its status line says so, at the cast's own speed.
            # Only the words: the app's play timer stays off, the export moves it.
            app = self.app
            app.show_position = (  # type: ignore[method-assign]
                lambda _playing, _speed: ExplorerApp.show_position(app, True, playing_at))
        self.size = size
        self._context: Any = None
        self._painter: Painter | None = None
        self._console = _console(size)
        self._strips: list[Strip] | None = None
        self._drawer = svgdraw.Drawer()  # draws only the rows a move changed
        self._ansi: list[tuple[Strip, str]] = []  # each row's last Strip and its ANSI

    async def __aenter__(self) -> Screen:
        self._context = self.app.run_test(size=self.size)
        await self._context.__aenter__()
        if not self.app.controls:  # nobody can press a key in a picture: no prompt, no keys
            for bar in (self.app.query_one(CommandLine), self.app.query_one(Footer)):
                bar.display = False
            self.app.set_focus(None)
            self.app.redraw(relayout=True)
        self._painter = Painter(self.app)
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
        assert self._painter is not None
        await self._painter.settle()
        self._strips = None

    def _arrive(self, chapter: Chapter | None = None) -> None:
        """The message line says which chapter this is (that of `chapter` for a chapter's
        picture, which may be taken at its end: the next chapter's point)."""
        chapter = chapter or chapter_at(self.chapters, self.session.cursor)
        said = chapter.caption(len(self.chapters)) if chapter is not None else ""
        if said != self._said:
            self._said = said
            self.app.say(said)

    async def step(self) -> None:
        """One micro-step forward, as `n` in the explorer."""
        check()  # Ctrl-C: stop here, between two frames
        self.app.action_micro(1)
        self._arrive()
        await self._settle()

    async def goto(self, cursor: int, chapter: Chapter | None = None) -> None:
        """Jump to a point, as `]` jumps to a chapter; `chapter`: the one it pictures."""
        check()
        if cursor != self.session.cursor:
            self.session.goto(cursor)
            self.app.redraw(relayout=True, follow=True)
        self._arrive(chapter)
        await self._settle()

    def strips(self) -> list[Strip]:
        """The screen as composed, one Strip per row (computed once per point)."""
        if self._strips is None:
            assert self._painter is not None
            self._strips = self._painter.lines()
        return self._strips

    def ansi_lines(self) -> list[str]:
        """The screen as one ANSI string per row, each self-contained (styles reset);
        a row that is the same Strip as at the last call is not rendered again."""
        console, kept = self._console, self._ansi
        out = []
        for row, strip in enumerate(self.strips()):
            if row >= len(kept) or (kept[row][0] is not strip and kept[row][0] != strip):
                line = (strip, "".join(strip.render(console)) + "\x1b[0m")
                kept[row:row + 1] = [line]
            out.append(kept[row][1])
        return out

    def svg(self, title: str) -> str:
        """The screen as a portable SVG picture (tui.export.svgdraw)."""
        return self._drawer.svg(self.strips(), self.size, title)


def _console(size: tuple[int, int]) -> Console:
    return Console(width=size[0], height=size[1], file=io.StringIO(), force_terminal=True,
                   color_system="truecolor", legacy_windows=False, safe_box=False)
