"""The explorer's screenshots that a recording can hold, exported like any recording:
the checked-in screenshots/*.objcg, one picture per chapter, named as the README links.
They show the explorer itself, so with its controls (--with-controls) and at each
chapter's own point (--at start)."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from tui.export.chapters import chapters_of
from tui.export.run import load_complete
from tui.export.screen import Options
from tui.export.svg import chapter_pictures, render
from tui.outfiles import write_file

RECORDINGS = Path(__file__).resolve().parents[2] / "screenshots"
RECORDED = (  # recording -> the file name of each of its chapters' pictures
    ("tour.objcg", ("opening", "reparent-detach", "reparent-swing", "reparent-done")),
    ("splice.objcg", ("reparent-splice",)),
    ("warn.objcg", ("kernel-warn",)),
)


def export_recorded(out: Path, png: bool = False,
                    source: Path = RECORDINGS) -> list[tuple[str, str]]:
    """Write out/NAME.svg (and .png) for every chapter; returns (name, caption) pairs."""
    made: list[tuple[str, str]] = []
    for file, names in RECORDED:
        path = str(source / file)
        loaded = load_complete(path)
        pictures = chapter_pictures(loaded, chapters_of(loaded, Path(file).stem), at="start")
        if len(pictures) != len(names):
            raise ValueError(f"{path}: error: {len(pictures)} chapters, expected {len(names)}")
        pictures = [replace(p, name=n) for p, n in zip(pictures, names)]
        asyncio.run(render(loaded, path, pictures, Options(controls=True), out, png=png,
                           save=lambda file, data: write_file(file, data, replace=True)))
        for picture in pictures:
            notes = " ".join(picture.chapter.notes) if picture.chapter else ""
            made.append((picture.name, f"{picture.caption}. {notes}".strip()))
    return made
