"""Where each key of a TOML file sits: tomllib gives values but no line numbers.

A teacher who mistypes a key needs "lesson.toml:14", not "somewhere in steps[3]". This
scanner reads the source text once and maps every key path, e.g. ("steps", 2, "field"),
to the line it is written on. It understands just enough TOML for lesson files: table
headers, arrays of tables, dotted and quoted keys, and multi-line strings (whose
contents must not be mistaken for keys). Anything it cannot place falls back to the
nearest enclosing key, so a line number is always available.
"""
from __future__ import annotations

import re

Path = tuple[str | int, ...]

_KEY_PART = r'(?:"(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)'
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=(.*)$")
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_PART = re.compile(_KEY_PART)


def _parts(dotted: str) -> list[str]:
    out = []
    for match in _PART.finditer(dotted):
        word = match.group(0)
        if word[0] in "\"'":
            word = word[1:-1]
        out.append(word)
    return out


class KeyLines:
    """Key path -> 1-based line number, plus where each multi-line value starts."""

    def __init__(self, text: str) -> None:
        self.lines: dict[Path, int] = {}
        # for string values: the line of their first character of content
        self.value_start: dict[Path, int] = {}
        self._scan(text)

    def line_of(self, path: Path) -> int:
        """The line of `path`, else of its nearest enclosing key, else 1."""
        for cut in range(len(path), 0, -1):
            if path[:cut] in self.lines:
                return self.lines[path[:cut]]
        return 1

    def _scan(self, text: str) -> None:
        table: Path = ()
        arrays: dict[Path, int] = {}  # array-of-tables path -> index of its last element
        closing: str | None = None  # the delimiter of an open multi-line string
        for number, line in enumerate(text.splitlines(), start=1):
            if closing is not None:
                if line.count(closing) % 2 == 1:
                    closing = None
                continue
            header = _HEADER.match(line)
            if header:
                parts = _parts(header.group(2))
                if header.group(1) == "[[":  # a new element of the array named by all parts
                    path = (*self._resolve(parts[:-1], arrays), parts[-1])
                    arrays[path] = arrays.get(path, -1) + 1
                    path = (*path, arrays[path])
                else:
                    path = self._resolve(parts, arrays)
                table = path
                self.lines.setdefault(table, number)
                continue
            assign = _ASSIGN.match(line)
            if not assign:
                closing = _opens(line)
                continue
            path = (*table, *_parts(assign.group(1)))
            self.lines.setdefault(path, number)
            value = assign.group(2).lstrip()
            self._inline_keys(path, value, number)
            closing = _opens(value)
            if closing is not None:
                after = value[3:]
                # TOML drops a newline right after the opening delimiter
                self.value_start.setdefault(path, number + 1 if not after.strip() else number)
            else:
                self.value_start.setdefault(path, number)

    @staticmethod
    def _resolve(parts: list[str], arrays: dict[Path, int]) -> Path:
        """[steps.expect] after [[steps]] means the last element of steps."""
        path: Path = ()
        for part in parts:
            path = (*path, part)
            if path in arrays:
                path = (*path, arrays[path])
        return path

    def _inline_keys(self, path: Path, value: str, number: int) -> None:
        """Keys of an inline table written on one line: { "memcg /A usage" = 32 }."""
        if not value.startswith("{"):
            return
        for match in re.finditer(rf"[{{,]\s*({_DOTTED})\s*=", value):
            self.lines.setdefault((*path, *_parts(match.group(1))), number)


def _opens(fragment: str) -> str | None:
    """The delimiter of a multi-line string left open at the end of this fragment."""
    for delim in ('"""', "'''"):
        if fragment.count(delim) % 2 == 1:
            return delim
    return None
