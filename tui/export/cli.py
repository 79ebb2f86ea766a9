"""`objcg-lab replay FILE` and `objcg-lab export cast|svg|handout|html|gif FILE -o OUT`.

Parsers only here (cheap to import); the work is imported when a command runs.
Exit status 2 and one line on stderr for any bad input; nothing is written then.
"""
from __future__ import annotations

import argparse
from typing import Any


def add_parsers(sub: Any) -> None:
    replay = sub.add_parser("replay", help="open a recording in the explorer: chapters, "
                                           "stepping, play/pause")
    replay.add_argument("file", help="a recording (.objcg written by explore --record)")
    export = sub.add_parser("export", help="export a recording: a handout, an offline web "
                                           "page, an asciicast, a GIF or SVG pictures")
    kinds = export.add_subparsers(dest="kind", required=True, metavar="cast|svg|handout|html|gif")
    cast = kinds.add_parser("cast", help="an asciicast v2 file (asciinema play, web player)")
    cast.add_argument("file", help="a recording")
    cast.add_argument("-o", "--output", required=True, metavar="OUT.cast")
    cast.add_argument("--speed", type=float, default=4.0,
                      help="micro-steps per second (default 4)")
    gif = kinds.add_parser("gif", help="an animated GIF of the cast, for slides (needs agg: "
                                       "pip install 'objcg-lab[gif]')")
    gif.add_argument("file", help="a recording")
    gif.add_argument("-o", "--output", required=True, metavar="OUT.gif")
    gif.add_argument("--speed", type=float, default=4.0, help="micro-steps per second (default 4)")
    svg = kinds.add_parser("svg", help="an SVG picture per chapter or per micro-step")
    svg.add_argument("file", help="a recording")
    svg.add_argument("-o", "--output", required=True, metavar="DIR")
    svg.add_argument("--each", choices=("chapter", "step"), default="chapter")
    svg.add_argument("--png", action="store_true", help="also PNG (needs rsvg-convert)")
    handout = kinds.add_parser("handout", help="a folder to publish: handout.md, a PNG and SVG "
                                               "per chapter, the recording")
    handout.add_argument("file", help="a recording")
    handout.add_argument("-o", "--output", required=True, metavar="DIR")
    handout.add_argument("--title", help="the handout's title (default: the recording's "
                                         "'#@ title', else its file name)")
    handout.add_argument("--no-png", action="store_true",
                         help="SVG pictures only (PNGs need rsvg-convert)")
    page = kinds.add_parser("html", help="a folder with an offline web page: step through "
                                         "the recording with buttons and keys")
    page.add_argument("file", help="a recording")
    page.add_argument("-o", "--output", required=True, metavar="DIR")
    page.add_argument("--title", help="the page's title (default: the recording's '#@ title')")
    for parser in (svg, handout):
        parser.add_argument("--at", default="first", metavar="start|end|step=N",
                            help="where a chapter's picture is taken: its start, its end, after "
                                 "its N-th micro-step (default: the end of its first command, "
                                 "where that command's change shows)")
    for parser in (cast, gif, svg, handout, page):
        parser.add_argument("--from", dest="first", metavar="CHAPTER",
                            help="start at this chapter (its number or title)")
        parser.add_argument("--to", dest="last", metavar="CHAPTER",
                            help="end with this chapter (its number or title; default: --from's)")
        parser.add_argument("--size", default="120x40", help="terminal size WIDTHxHEIGHT "
                                                             "(default 120x40)")
        parser.add_argument("--force", action="store_true",
                            help="replace what an earlier export of the same kind wrote there")
        parser.add_argument("--with-controls", action="store_true",
                            help="keep the explorer's prompt, key bar and key hints (for a "
                                 "tutorial on the explorer itself)")


def main_recording(args: argparse.Namespace) -> int:
    if args.cmd == "replay":
        from tui.replay import main_replay

        return main_replay(args.file)
    from tui.export.run import main_export

    return main_export(args)
