"""SVG pictures of a recording: one per chapter (where --at puts it: by default the end of
the chapter's first command) or one per step. PNG beside each SVG with rsvg-convert
(Debian: librsvg2-bin) when asked."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from engine.recording import Loaded
from tui.export.chapters import Chapter, picture_point
from tui.export.interrupt import run_tool
from tui.export.screen import Options, Screen
from tui.export.source import slug
from tui.outfiles import OutputError


@dataclass(frozen=True)
class Picture:
    name: str  # file name without suffix
    cursor: int
    chapter: Chapter | None
    caption: str
    where: str = ""  # where in its chapter it was taken, in words


def chapter_pictures(loaded: Loaded, chapters: list[Chapter], at: str = "first") -> list[Picture]:
    out, seen = [], set()
    for chapter in chapters:
        name = f"{chapter.number:02d}-{slug(chapter.title)}"
        while name in seen:  # two chapters with the same title
            name += "-2"
        seen.add(name)
        cursor, where = picture_point(chapter, loaded, at)
        out.append(Picture(name, cursor, chapter, chapter.title, where))
    return out


def step_pictures(loaded: Loaded, start: int = 0, end: int | None = None) -> list[Picture]:
    total = len(loaded.machine.steps)
    width = max(4, len(str(total)))
    return [Picture(f"step-{cursor:0{width}d}", cursor, None, f"micro-step {cursor}")
            for cursor in range(start, (total if end is None else end) + 1)]


def _plain_write(path: Path, data: str | bytes) -> None:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


async def render(loaded: Loaded, where: str, pictures: list[Picture], options: Options,
                 directory: Path, *, png: bool = False,
                 save: Callable[[Path, str | bytes], None] = _plain_write,
                 named: Path | None = None,
                 progress: Callable[[int], None] | None = None) -> list[Path]:
    """Write each picture as DIR/NAME.svg (and .png) with `save`; returns the files written.
    Exports write into a staging folder (tui.outfiles.staged), so plain writes suffice;
    `named` is the folder errors name (the one the staging folder becomes)."""
    written: list[Path] = []
    async with Screen(loaded, where, options.size, controls=options.controls) as screen:
        for picture in pictures:
            if picture.cursor == screen.cursor + 1 and picture.chapter is None:
                await screen.step()  # as `n` does: consecutive steps look as when stepping
            else:
                await screen.goto(picture.cursor, picture.chapter)
            svg = screen.svg(f"objcg-lab: {picture.caption}")
            path = directory / f"{picture.name}.svg"
            save(path, svg)
            written.append(path)
            if png:
                target = path.with_suffix(".png")
                save(target, svg_to_png(svg, (named or directory) / path.name))
                written.append(target)
            if progress is not None:
                progress(len(written) // (2 if png else 1))
    return written


def need_rsvg(where: Path) -> None:
    """Before any rendering: PNGs need rsvg-convert."""
    if shutil.which("rsvg-convert") is None:
        raise OutputError(f"{where}: error: PNG needs rsvg-convert (Debian: apt-get install "
                          "librsvg2-bin); nothing written")


def svg_to_png(svg: str, where: Path) -> bytes:
    """The PNG of an SVG picture by rsvg-convert; `where` names it in an error. A signal
    to the export stops it (Interrupted), never reported as rsvg-convert's failure."""
    need_rsvg(where)
    status, png, said = run_tool(["rsvg-convert", "--format", "png"], svg.encode("utf-8"))
    if status != 0:
        reason = (said.strip().splitlines() or ["failed"])[0]
        raise OutputError(f"{where}: error: rsvg-convert: {reason}")
    return png
