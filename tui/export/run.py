"""Running an export: check the input and the output first, then render and write."""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from engine.recording import Loaded
from tui.export import cast, handout, svg
from tui.export.screen import Options, parse_size
from tui.export.source import SourceError, read
from tui.outfiles import OutputError, ready_dir, refuse_existing, write_file


class ExportError(Exception):
    """str() is one line."""


def load_complete(path: str) -> Loaded:
    """Exports need a whole, valid recording: the first problem is an error."""
    try:
        loaded = read(path)
    except SourceError as err:
        raise ExportError(str(err)) from None
    if loaded.problem:
        raise ExportError(f"{loaded.problem} (nothing exported: fix the recording, or "
                          "'objcg-lab replay' it to see the valid part)")
    return loaded


def _not_the_source(out: Path, source: str) -> None:
    if out.exists() and out.resolve() == Path(source).resolve():
        raise ExportError(f"{out}: error: that is the recording itself; not overwriting it")


def export_cast(path: str, out: Path, options: Options, force: bool) -> str:
    loaded = load_complete(path)
    _not_the_source(out, path)
    refuse_existing([out], force)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise ExportError(f"{out}: error: cannot write: no directory {parent}")
    text = asyncio.run(cast.cast(loaded, path, options, loaded.title or Path(path).stem))
    write_file(out, text, replace=force)
    chapters = len(loaded.chapters())
    return f"{out}: {len(loaded.machine.steps)} micro-steps, {chapters} chapter markers"


def export_svg(path: str, out: Path, options: Options, each: str, png: bool,
               force: bool) -> str:
    loaded = load_complete(path)
    pictures = svg.chapter_pictures(loaded) if each == "chapter" else svg.step_pictures(loaded)
    if not pictures:
        raise ExportError(f"{path}: error: no chapters to picture (add '#@ chapter TITLE' "
                          "lines, or use --each step)")
    directory = ready_dir(out)
    targets = [directory / f"{p.name}.svg" for p in pictures]
    if png:
        targets += [t.with_suffix(".png") for t in targets]
    refuse_existing(targets, force)
    written = asyncio.run(svg.render(loaded, path, pictures, options, directory,
                                     replace=force, png=png))
    return f"{directory}: {len(written)} files"


def export_handout(path: str, out: Path, options: Options, force: bool) -> str:
    loaded = load_complete(path)
    pictures = svg.chapter_pictures(loaded)
    directory = ready_dir(out)
    document = directory / "handout.md"
    refuse_existing([document, *(directory / f"{p.name}.svg" for p in pictures)], force)
    asyncio.run(svg.render(loaded, path, pictures, options, directory, replace=force))
    write_file(document, handout.markdown(loaded, path, pictures), replace=force)
    return f"{document}: {len(pictures)} chapters, {len(pictures)} pictures"


def main_export(args: argparse.Namespace) -> int:
    try:
        try:
            size = parse_size(args.size)
        except ValueError as err:
            raise ExportError(f"error: {err}") from None
        speed = getattr(args, "speed", 4.0)
        if not 0.1 <= speed <= 1000:
            raise ExportError(f"error: --speed {speed} is out of range (0.1 .. 1000 micro-steps/s)")
        options = Options(size=size, speed=speed)
        out = Path(args.output)
        if args.kind == "cast":
            print(export_cast(args.file, out, options, args.force))
        elif args.kind == "svg":
            print(export_svg(args.file, out, options, args.each, args.png, args.force))
        else:
            print(export_handout(args.file, out, options, args.force))
    except (ExportError, OutputError) as err:
        print(err, file=sys.stderr)
        return 2
    return 0
