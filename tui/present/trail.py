"""The kernel trail of the current command, one micro-step per entry, callers first.

Each entry sits at the depth of the simulated call stack. A function whose first line
comes from something it calls (memcg_offline_kmem runs memcg_reparent_objcgs before it
says anything itself) gets a caller line of its own, so callers always come before
callees. Entries of micro-steps not yet applied are left out (or dimmed, on request),
and long entries wrap instead of being cut.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Sequence

from rich.text import Text

from engine.diff import changed_fields
from engine.steps import describe, function_of
from tui.present.highlight import hides_step
from tui.present.style import DIM

Where = Literal["past", "current", "future"]
HIDDEN_LINE = "? (this micro-step changes what the prediction asks: hidden until you answer)"

# kernel functions whose one argument is the memcg: their caller line shows it whole
ONE_ARGUMENT = frozenset({"cgroup_destroy_locked", "kill_css", "css_killed_work_fn",
                          "mem_cgroup_css_offline", "memcg_offline_kmem", "cgroup_mkdir"})


# the simulator's entry points, by the kernel function they stand for
KERNEL_NAME = {"slab_alloc": "kmem_cache_alloc", "slab_free": "kmem_cache_free"}


class Entry(NamedTuple):
    """One trail entry: a micro-step (`step` is its index) or a caller line (`step` None,
    shown from the micro-step `at` on)."""

    step: int | None
    at: int
    depth: int
    text: str


@dataclass(frozen=True)
class TrailLine:
    """One screen line of the trail."""

    entry: Entry
    where: Where
    text: str
    first: bool  # the entry's first line (the ▶ marker goes there)


def trail_entries(steps: Sequence[Any], first: int, end: int,
                  masked: frozenset[tuple[str, str, str]] = frozenset()) -> list[Entry]:
    """Entries for steps[first:end], caller lines included. A micro-step that changed a
    `masked` figure (a pending prediction's) reads HIDDEN_LINE instead of its text."""
    out: list[Entry] = []
    before: tuple[str, ...] = ()
    for index in range(first, end):
        step = steps[index]
        stack = step.stack
        same = 0
        while same < min(len(stack), len(before)) and stack[same] == before[same]:
            same += 1
        own = function_of(step.data[0])
        for depth in range(same, len(stack)):
            if depth == len(stack) - 1 and stack[depth] == own:
                break  # the step's own line names its function
            out.append(Entry(None, index, depth, call_line(stack[depth], step.data)))
        hidden = masked and hides_step(masked, changed_fields(step.changes))
        out.append(Entry(index, index, step.depth, HIDDEN_LINE if hidden else describe(step.data)))
        before = stack
    return out


def call_line(function: str, data: tuple[Any, ...]) -> str:
    """'memcg_offline_kmem(/A/B)': the caller, with the memcg or objcg it works on."""
    function = KERNEL_NAME.get(function, function)
    subject = next((a for a in data[1:] if isinstance(a, str) and a.startswith("/")), None)
    if subject is None:
        return f"{function}(…)"
    if function == "percpu_ref_switch_to_atomic_rcu":  # an RCU callback: its argument is the rcu_head
        return f"{function}(rcu of {subject})"
    return f"{function}({subject})" if function in ONE_ARGUMENT else f"{function}({subject}, …)"


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
        parts = textwrap.wrap(entry.text, room, subsequent_indent="  ", break_long_words=False,
                              break_on_hyphens=False) or [""]
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
