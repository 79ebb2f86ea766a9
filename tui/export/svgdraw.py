"""A terminal screen (lines of Rich segments) as an SVG picture that looks the same in
librsvg, Chromium and Firefox, and whose text is selected, copied and found as words.

Each row is one <text>; each run of one style in it (spaces included) is one <tspan>
placed at the x of its first cell, with textLength for the renderers that honour it
(Chromium, Firefox: a fallback font of another width is stretched to the cells; librsvg
2.54 ignores textLength and keeps the font's own advance). Spaces are kept
(xml:space="preserve"), so a row reads and searches as it shows; backgrounds are
rectangles. Fonts are named with fallbacks; the cell width is the advance of DejaVu Sans
Mono (and of Menlo and most monospace fonts: 0.6 em).
"""
from __future__ import annotations

import re
from html import escape, unescape
from typing import Iterable

from rich.cells import cell_len
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import SVG_EXPORT_THEME

FONT_SIZE = 14
CELL_WIDTH = 8.43  # 0.602 em: DejaVu Sans Mono's advance at 14px
LINE_HEIGHT = 17
BASELINE = 12  # from the top of a row: room below for descenders and "_"
FONTS = ("'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, 'Courier New', "
         "monospace")
THEME = SVG_EXPORT_THEME


def _hex(color: Color | None, foreground: bool) -> str:
    if color is None or color.is_default:
        triplet = THEME.foreground_color if foreground else THEME.background_color
    else:
        triplet = color.get_truecolor(THEME, foreground=foreground)
    return triplet.hex


def _colors(style: Style) -> tuple[str, str]:
    fg, bg = _hex(style.color, True), _hex(style.bgcolor, False)
    if style.reverse:
        fg, bg = bg, fg
    return fg, bg


def _x(cells: float) -> str:
    return f"{cells * CELL_WIDTH:.2f}".rstrip("0").rstrip(".")


def _text_attrs(style: Style, fg: str) -> str:
    attrs = [f'fill="{fg}"']
    if style.bold:
        attrs.append('font-weight="bold"')
    if style.italic:
        attrs.append('font-style="italic"')
    decorations = [d for d, on in (("underline", style.underline),
                                   ("line-through", style.strike)) if on]
    if decorations:
        attrs.append(f'text-decoration="{" ".join(decorations)}"')
    if style.dim:
        attrs.append('opacity="0.6"')
    return " ".join(attrs)


def svg(lines: Iterable[Iterable[Segment]], size: tuple[int, int], title: str) -> str:
    """The picture of `lines` (each a row of segments) on a width x height grid."""
    return Drawer().svg(lines, size, title)


class Drawer:
    """Draws pictures of one screen after another: a row that is the same object as in
    the last picture (an export keeps unchanged rows as they were) is not drawn again."""

    def __init__(self) -> None:
        self._looks: dict[Style, tuple[str, str, str]] = {}  # style -> fg, bg, text attributes
        self._rows: dict[int, tuple[object, str, str]] = {}  # row -> line, its rects, its words

    def svg(self, lines: Iterable[Iterable[Segment]], size: tuple[int, int], title: str) -> str:
        width, height = size
        page_w, page_h = _x(width), height * LINE_HEIGHT
        rects: list[str] = []
        texts: list[str] = []
        for row, line in enumerate(lines):
            kept = self._rows.get(row)
            if kept is None or (kept[0] is not line and kept[0] != line):
                row_rects, row_texts = self._row(row, line)
                kept = self._rows[row] = (line, "\n".join(row_rects), "\n".join(row_texts))
            if kept[1]:
                rects.append(kept[1])
            if kept[2]:
                texts.append(kept[2])
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{page_w}" height="{page_h}" '
               f'viewBox="0 0 {page_w} {page_h}" xml:space="preserve">',
               f"<title>{escape(title, quote=False)}</title>",
               f"<style>text {{ font-family: {FONTS}; font-size: {FONT_SIZE}px; "
               "white-space: pre; }</style>",
               f'<rect width="100%" height="100%" fill="{THEME.background_color.hex}"/>', "<g>"]
        out += rects
        out.append("</g><g>")
        out += texts
        out.append("</g></svg>")
        return "\n".join(out) + "\n"

    def _row(self, row: int, line: Iterable[Segment]) -> tuple[list[str], list[str]]:
        """One row's background rectangles (one per run of a colour) and its text: one
        <text> with a <tspan> per run of one look."""
        screen_bg = THEME.background_color.hex
        runs: list[tuple[str, int, int]] = []  # colour, first cell, end cell
        spans: list[tuple[str, int, int, str]] = []  # text attributes, first cell, end, text
        col = 0
        for segment in line:
            text, style = segment.text, segment.style
            if segment.control or not text:
                continue
            style = style or Style.null()
            cells = len(text) if text.isascii() else cell_len(text)
            look = self._looks.get(style)
            if look is None:
                fg, bg = _colors(style)
                look = self._looks[style] = (fg, bg, _text_attrs(style, fg))
            _fg, bg, attrs = look
            if bg != screen_bg:
                if runs and runs[-1][0] == bg and runs[-1][2] == col:
                    runs[-1] = (bg, runs[-1][1], col + cells)
                else:
                    runs.append((bg, col, col + cells))
            if not style.conceal:
                if spans and spans[-1][0] == attrs and spans[-1][2] == col:
                    spans[-1] = (attrs, spans[-1][1], col + cells, spans[-1][3] + text)
                else:
                    spans.append((attrs, col, col + cells, text))
            col += cells
        while spans and not spans[-1][3].strip():  # nothing to read after it
            spans.pop()
        rects = [f'<rect x="{_x(start)}" y="{row * LINE_HEIGHT}" width="{_x(end - start)}" '
                 f'height="{LINE_HEIGHT}" fill="{bg}" shape-rendering="crispEdges"/>'
                 for bg, start, end in runs]
        if not spans:
            return rects, []
        tspans = "".join(f'<tspan x="{_x(start)}" textLength="{_x(end - start)}" '
                         f'lengthAdjust="spacingAndGlyphs" {attrs}>'
                         f"{escape(text, quote=False)}</tspan>"
                         for attrs, start, end, text in spans)
        return rects, [f'<text y="{row * LINE_HEIGHT + BASELINE}">{tspans}</text>']


_ROW = re.compile(r'<text y="(\d+)">(.*?)</text>')
_SPAN = re.compile(r'<tspan x="([\d.]+)"[^>]*>([^<]*)</tspan>')


def screen_text(picture: str) -> list[str]:
    """The rows of text an SVG made by svg() shows, each run at its cells (for checks)."""
    rows: dict[int, str] = {}
    for y, spans in _ROW.findall(picture):
        line = ""
        for x, text in _SPAN.findall(spans):
            line = line.ljust(round(float(x) / CELL_WIDTH)) + unescape(text)
        rows[(int(y) - BASELINE) // LINE_HEIGHT] = line.rstrip()
    return [rows.get(row, "") for row in range(max(rows, default=-1) + 1)]
