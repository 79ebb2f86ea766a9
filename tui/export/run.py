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
from tui.outfiles import OutputError, staged


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
    source_path = Path(source).resolve()
    if out.exists() and (out.resolve() == source_path or
                         (out.is_dir() and out.resolve() in source_path.parents)):
        raise ExportError(f"{out}: error: that is the recording itself (or holds it); "
                          "not overwriting it")


def export_cast(path: str, out: Path, options: Options, force: bool) -> str:
    _not_the_source(out, path)
    with staged(out, folder=False, force=force) as work:
        loaded = load_complete(path)
        text = asyncio.run(cast.cast(loaded, path, options, loaded.title or Path(path).stem))
        work.write_text(text, encoding="utf-8")
    chapters = len(loaded.chapters())
    return f"{out}: {len(loaded.machine.steps)} micro-steps, {chapters} chapter markers"


def export_svg(path: str, out: Path, options: Options, each: str, png: bool,
               force: bool) -> str:
    _not_the_source(out, path)
    if png:
        svg.need_rsvg(out)
    with staged(out, folder=True, force=force) as work:
        loaded = load_complete(path)
        pictures = svg.chapter_pictures(loaded) if each == "chapter" else svg.step_pictures(loaded)
        if not pictures:
            raise ExportError(f"{path}: error: no chapters to picture (add '#@ chapter TITLE' "
                              "lines, or use --each step)")
        written = asyncio.run(svg.render(loaded, path, pictures, options, work, png=png,
                                         named=out))
    return f"{out}: {len(written)} files"


def export_handout(path: str, out: Path, options: Options, force: bool) -> str:
    _not_the_source(out, path)
    with staged(out, folder=True, force=force) as work:
        loaded = load_complete(path)
        pictures = svg.chapter_pictures(loaded)
        asyncio.run(svg.render(loaded, path, pictures, options, work))
        (work / "handout.md").write_text(handout.markdown(loaded, path, pictures),
                                         encoding="utf-8")
    return f"{out / 'handout.md'}: {len(pictures)} chapters, {len(pictures)} pictures"


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
    except KeyboardInterrupt:
        print(f"{args.output}: interrupted; nothing written", file=sys.stderr)
        return 130
    return 0
