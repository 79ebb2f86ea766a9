"""Long names in little room: shortened in the middle with `…`, the leaf kept.

A real machine's cgroups are deep and long (`/user.slice/user-1000.slice/
session-2.scope`). Cut at the panel's edge, a name reads as another, existing one
(`/A/B/C/D` for `/A/B/C/DE`) and pushes the figures after it off the row. Shortened
here, it says it was shortened (`/user.slice/…/session-2.scope`): the top-level
component and the leaf stay, whole components go from the middle, and only a leaf
too long for any room loses its own middle.
"""
from __future__ import annotations

from typing import Callable

from rich.text import Text

ELLIPSIS = "…"
NAME_FLOOR = 16  # a name shortens this far before any figure of its row drops
NAME_LEAST = 5  # ... and never below this, whatever the room


def short_name(name: str, room: int) -> str:
    """`name` in at most `room` cells (at least NAME_LEAST): whole if it fits, else
    shortened in the middle, at path components where it can be."""
    if len(name) <= room:
        return name
    room = max(room, NAME_LEAST)
    if len(name) <= room:
        return name
    if not name.startswith("/"):
        return _middle(name, room)
    parts = name[1:].split("/")
    for head in (1, 0):  # '/top/…/tail' first, then '…/tail'
        start = f"/{parts[0]}/{ELLIPSIS}/" if head else f"{ELLIPSIS}/"
        for tail in range(len(parts) - 1 - head, 0, -1):  # the most of the tail that fits
            shown = start + "/".join(parts[-tail:])
            if len(shown) <= room:
                return shown
    leaf = parts[-1]
    if len(parts) > 1 and room - 2 >= NAME_LEAST - 2:
        return f"{ELLIPSIS}/" + _middle(leaf, room - 2)
    return _middle(name, room)


def _middle(text: str, room: int) -> str:
    """`text` less its middle, `…` in its place, in `room` cells."""
    if len(text) <= room:
        return text
    keep = max(0, room - 1)
    tail = keep // 2
    return text[:keep - tail] + ELLIPSIS + (text[len(text) - tail:] if tail else "")


def squeezer(before: Text, name: str, style: str, after: Text | None = None) -> Callable[[int], Text]:
    """A field's rendering in at most N cells: `before`, the name shortened, `after`."""
    fixed = before.cell_len + (after.cell_len if after is not None else 0)

    def render(width: int) -> Text:
        return Text.assemble(before, (short_name(name, width - fixed), style), after or "")

    return render


def guides(prefix: str, per_level: int) -> str:
    """The tree's guide lines (3 cells a level: '│  ', '├─ ', '└─ ', '   ') in
    `per_level` cells a level: deep trees keep room for their names. 0: the last
    level's glyph alone (a row deeper than its panel is wide)."""
    if per_level >= 3:
        return prefix
    units = [prefix[i:i + 3] for i in range(0, len(prefix), 3)]
    if per_level == 2:
        return "".join(unit[0] + " " for unit in units)
    if per_level == 1:
        return "".join(unit[0] for unit in units)
    return units[-1][0] if units else ""
