"""Wrapping prose that names cgroups: lines break between words, and a word longer
than a line (a deep cgroup path) breaks before one of its `/`, so a path reads
`/user.slice/user-1000.slice` on one line and `/session-2.scope` on the next. Only a
component longer than a whole line is split inside. Nothing is cut: every character
of the text is on some line."""
from __future__ import annotations

import re

from rich.text import Text

_WORD = re.compile(r"\S+")
ORPHAN = 10  # a last line shorter than this, or of one word, takes a word from the line before
_PIECE = re.compile(r"/?[^/]+|/")  # a path's components, each with the '/' before it


def break_lines(plain: str, width: int, indent: int = 0, orphans: bool = True) -> list[tuple[int, int]]:
    """(start, end) of each line of `plain` wrapped to `width` cells; lines after the
    first have `indent` cells less (the caller indents them). Without `orphans`, a last
    line of one word or a few cells ('? help') takes the word before it along, where
    that line keeps two."""
    width = max(1, width)
    lines: list[tuple[int, int]] = []
    start = end = None  # the line being filled: plain[start:end]

    def room() -> int:
        return max(1, width - (indent if lines else 0))

    for word in _WORD.finditer(plain):
        w0, w1 = word.span()
        if start is not None and w1 - start <= room():
            end = w1  # the word (and the space before it) fits on this line
            continue
        if start is not None and w1 - w0 <= room():
            lines.append((start, end))  # type: ignore[arg-type]
            start, end = w0, w1
            continue
        for p0, p1 in _pieces(plain, w0, w1, width - indent):
            if start is not None and p1 - start <= room():
                end = p1
                continue
            if start is not None:
                lines.append((start, end))  # type: ignore[arg-type]
            start, end = p0, p1
    if start is not None:
        lines.append((start, end))  # type: ignore[arg-type]
    for _ in range(3 if not orphans and len(lines) >= 2 else 0):  # a word at a time
        before, lines = lines, _no_orphan(plain, lines, width - indent)
        if lines == before:
            break
    return lines or [(0, 0)]


def _no_orphan(plain: str, lines: list[tuple[int, int]], room: int) -> list[tuple[int, int]]:
    (a0, a1), (b0, b1) = lines[-2], lines[-1]
    last = plain[b0:b1].strip()
    if " " in last and len(last) >= ORPHAN:
        return lines  # the last line has words enough already
    cut = plain.rfind(" ", a0, a1)
    if cut <= a0 or " " not in plain[a0:cut].strip() or b1 - (cut + 1) > room:
        return lines  # the line before would be left with one word, or it would not fit
    head_end = len(plain[a0:cut].rstrip()) + a0
    return lines[:-2] + [(a0, head_end), (cut + 1, b1)]


def _pieces(plain: str, w0: int, w1: int, room: int) -> list[tuple[int, int]]:
    """A word too long for a line: its path components, a component longer than a
    line in line-long chunks."""
    room = max(1, room)
    out = []
    for piece in _PIECE.finditer(plain, w0, w1):
        p0, p1 = piece.span()
        while p1 - p0 > room:
            cut = p0 + room
            while cut > p0 + 1 and plain[cut - 1].isdigit() and plain[cut].isdigit():
                cut -= 1  # never inside a run of digits: it would read as two figures
            out.append((p0, cut))
            p0 = cut
        out.append((p0, p1))
    return out


def wrap_plain(plain: str, width: int, indent: str = "", orphans: bool = True) -> list[str]:
    """`plain` wrapped to `width`, lines after the first indented by `indent`."""
    return [("" if n == 0 else indent) + plain[a:b]
            for n, (a, b) in enumerate(break_lines(plain, width, len(indent), orphans))]


def wrap_text(text: Text, width: int, orphans: bool = True) -> list[Text]:
    """Styled text wrapped the same way, each line keeping its spans' styles (prose:
    `orphans` False, no last word alone on its line)."""
    out = []
    for start, end in break_lines(text.plain, width, orphans=orphans):
        line = text[start:end]
        line.style = text.style
        out.append(line)
    return out
