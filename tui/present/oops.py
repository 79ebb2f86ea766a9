"""A kernel oops as the kernel prints one: the BUG line (what, in which function, on
which CPU), what went wrong, then each CPU's call trace, innermost function first (as
the kernel's `Call Trace:` lists them); the faulting CPU first, the other threads of the
block after it."""
from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from rich.text import Text

from tui.present.lanes import lane_style
from tui.present.style import DIM

if TYPE_CHECKING:
    from engine.kernel.oops import Oops

STEP_BACK = "Nothing more runs: b steps back; there, a thread's key runs the block again."


def trace_lines(label: str, stack: tuple[str, ...], faulted: bool) -> list[Text]:
    """'CPU: 0 (thread 0)', 'Call Trace:', then the functions, innermost first."""
    cpu = label.lstrip("w")
    who = f"CPU: {cpu} Comm: kworker/{cpu}" if label.startswith("w") else f"CPU: {cpu} (thread {label})"
    head = Text(who, lane_style(label))
    if faulted:
        head.append("  ← faulted", "bold red")
    return [head, Text("Call Trace:", DIM)] + [Text(f" {fn}") for fn in reversed(stack)]


def oops_text(oops: Oops, width: int, height: int) -> Text:
    """The oops in `width` cells and at most `height` lines (the message shortens first,
    then the last line goes; names are never cut)."""
    faulting = oops.thread or str(oops.cpu)
    order = [faulting] + sorted(t for t in oops.stacks if t != faulting)
    traces = [trace_lines(t, oops.stacks.get(t, ()), t == faulting) for t in order]
    column = max(t.cell_len for trace in traces for t in trace) + 3
    if len(traces) > 1 and column * len(traces) <= width:
        rows = max(len(trace) for trace in traces)
        body = []
        for y in range(rows):
            line = Text()
            for trace in traces:
                cell = trace[y] if y < len(trace) else Text()
                line.append_text(cell)
                line.append(" " * (column - cell.cell_len))
            line.rstrip()
            body.append(line)
    else:
        body = [line for trace in traces for line in trace]
    head = [Text(part, "bold red") for part in _wrap(oops.headline(), width)]
    message = [Text(part) for part in _wrap(oops.message, width)]
    foot = [Text(part, "italic") for part in _wrap(STEP_BACK, width)]
    while len(head) + len(message) + len(body) + len(foot) > height and foot:
        foot = []
    spare = height - len(head) - len(body) - len(foot)
    if len(message) > max(1, spare):
        message = message[:max(1, spare - 1)] + [Text("…", DIM)]
    return Text("\n").join(head + message + body + foot)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, max(12, width), break_long_words=False, break_on_hyphens=False) or [""]
