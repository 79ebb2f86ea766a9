"""The kernel trail of the current command, one micro-step per entry, callers first.

Each entry sits at the depth of the simulated call stack. A function whose first line
comes from something it calls (memcg_offline_kmem runs memcg_reparent_objcgs before it
says anything itself) gets a caller line of its own, so callers always come before
callees. Entries of micro-steps not yet applied are left out (or dimmed, on request),
and long entries wrap instead of being cut.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

from rich.text import Text

from engine.diff import changed_fields
from engine.calls import Line, call_line, trace_lines  # noqa: F401 (call_line: re-exported)
from tui.present.highlight import hides_step
from tui.present.style import DIM
from tui.present.wrap import wrap_plain

Where = Literal["past", "current", "future"]
HIDDEN_LINE = "? (this micro-step changes what the prediction asks: hidden until you answer)"

Entry = Line  # one trail entry: a micro-step (`step` its index) or a caller line (`step` None)


@dataclass(frozen=True)
class TrailLine:
    """One screen line of the trail."""

    entry: Entry
    where: Where
    text: str
    first: bool  # the entry's first line (the ▶ marker goes there)


def trail_entries(steps: Sequence[Any], first: int, end: int,
                  masked: frozenset[tuple[str, str, str]] = frozenset()) -> list[Entry]:
    """Entries for steps[first:end], caller lines included (engine.calls). A micro-step
    that changed a `masked` figure (a pending prediction's) reads HIDDEN_LINE instead."""
    entries = trace_lines(_DataAndStack(steps), first, end)
    if not masked:
        return entries
    return [entry._replace(text=HIDDEN_LINE) if entry.step is not None
            and hides_step(masked, changed_fields(steps[entry.step].changes)) else entry
            for entry in entries]


class _DataAndStack:
    """Steps seen as the (data, stack) pairs engine.calls reads, without copying them."""

    def __init__(self, steps: Sequence[Any]) -> None:
        self.steps = steps

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int) -> tuple[tuple[Any, ...], tuple[str, ...]]:
        step = self.steps[index]
        return step.data, step.stack


def trail_lines(entries: Sequence[Entry], at: int, width: int, future: bool = False) -> list[TrailLine]:
    """The entries up to the cursor `at` (micro-steps applied), wrapped to `width` cells;
    with `future`, the rest of the command too, marked as such."""
    return place_lines(wrap_entries(entries, width), at, future)


def wrap_entries(entries: Sequence[Entry], width: int) -> list[tuple[Entry, list[str]]]:
    """Each entry with its screen lines at `width` cells, indented by call depth (the
    same at every micro-step of a command: the trail wraps once per command)."""
    out = []
    for entry in entries:
        indent = min(2 * entry.depth, max(0, width // 3))
        room = max(12, width - 2 - indent)
        parts = wrap_plain(entry.text, room, "  ", orphans=False)  # never "refcnt now" / "2"
        out.append((entry, [" " * indent + part for part in parts]))
    return out


def place_lines(wrapped: Sequence[tuple[Entry, list[str]]], at: int,
                future: bool = False) -> list[TrailLine]:
    """Wrapped entries as trail lines for the cursor `at`: past, current or future."""
    lines: list[TrailLine] = []
    for entry, parts in wrapped:
        if entry.step is None:
            where: Where = "past" if entry.at < at else "future"
        elif entry.step == at - 1:
            where = "current"
        else:
            where = "past" if entry.step < at else "future"
        if where == "future" and not future:
            break
        for n, part in enumerate(parts):
            lines.append(TrailLine(entry, where, part, n == 0))
    return lines


def trail_text(line: str, depth: int, where: Where) -> Text:
    """One micro-step of the current command: indented by call depth."""
    return trail_line_text(TrailLine(Entry(0, 0, depth, line), where, "  " * depth + line, True))


def trail_line_text(line: TrailLine) -> Text:
    marker = "▶ " if line.where == "current" and line.first else "  "
    if line.entry.step is None:
        style = "bold" if line.where != "future" else DIM
    else:
        style = {"past": "", "current": "bold black on yellow", "future": DIM}[line.where]
    body = line.text.lstrip(" ")
    return Text.assemble((marker, "bold yellow"), line.text[:len(line.text) - len(body)], (body, style))
