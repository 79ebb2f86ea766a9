"""asciicast v2 from a recording: one frame per micro-step, a marker per chapter.

Times are computed, never measured: a micro-step lasts 1/speed s, a chapter holds
CHAPTER_HOLD s and a recorded pause PAUSE_HOLD s, so the same recording gives the same
file byte for byte. Each frame after the first sends only the rows that changed; the
status line says the cast's own speed, and the last event gives the terminal its cursor
back. `first`/`end` cut a range of chapters (the cast starts at the first's point).
"""
from __future__ import annotations

import json
from typing import Callable

from engine.recording import Loaded
from tui.export.screen import Options, Screen

CHAPTER_HOLD = 3.0
PAUSE_HOLD = 1.5
END_HOLD = 3.0
START = "\x1b[?25l\x1b[H\x1b[2J"  # hide the cursor, home, clear


def finish(height: int) -> str:
    """Reset the style, put the cursor under the picture and show it again."""
    return f"\x1b[0m\x1b[{height};1H\r\n\x1b[?25h"


def _event(micros: int, kind: str, data: str) -> str:
    return json.dumps([round(micros / 1_000_000, 6), kind, data], ensure_ascii=False)


def _rows(lines: list[str], before: list[str] | None) -> str:
    return "".join(f"\x1b[{row};1H{line}" for row, line in enumerate(lines, start=1)
                   if before is None or before[row - 1] != line)


async def cast(loaded: Loaded, where: str, options: Options, title: str, *,
               first: int = 0, end: int | None = None,
               progress: Callable[[int], None] | None = None, ending: bool = True) -> str:
    """The whole .cast file as text: micro-steps first..end (default: all). `ending`: the
    last event gives a terminal its cursor back under the picture (a GIF, whose last
    frame would show that scroll and the cursor block, goes without)."""
    width, height = options.size
    step_us = round(1_000_000 / options.speed)
    out: list[str] = []
    now = 0
    async with Screen(loaded, where, options.size, playing_at=options.speed,
                      controls=options.controls) as screen:
        stop = screen.total if end is None else end
        chapters = [c for c in screen.chapters if c.marked]
        pauses = {m.cursor for m in screen.tape.marks if m.kind == "pause"}

        def marks(cursor: int) -> None:
            nonlocal now
            hold = 0.0
            for chapter in chapters:
                if chapter.start == cursor and (end is None or cursor < end):
                    out.append(_event(now, "m", f"{chapter.number}. {chapter.title}"))
                    hold = CHAPTER_HOLD
            if cursor in pauses:
                hold = max(hold, PAUSE_HOLD)
            now += round(hold * 1_000_000)

        if first:
            await screen.goto(first)
        before = screen.ansi_lines()
        out.append(_event(now, "o", START + _rows(before, None)))
        marks(first)
        while screen.cursor < stop:
            await screen.step()
            now += step_us
            lines = screen.ansi_lines()
            changed = _rows(lines, before)
            if changed:
                out.append(_event(now, "o", changed))
            before = lines
            marks(screen.cursor)
            if progress is not None:
                progress(screen.cursor - first)
        now += round(END_HOLD * 1_000_000)
        out.append(_event(now, "o", finish(height) if ending else ""))
    header = {"version": 2, "width": width, "height": height,
              "duration": round(now / 1_000_000, 6), "title": title,
              "env": {"TERM": "xterm-256color", "SHELL": "/bin/sh"}}
    return json.dumps(header, ensure_ascii=False) + "\n" + "\n".join(out) + "\n"
