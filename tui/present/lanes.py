"""CPUs at once: each thread's lane (a coloured gutter on the trail) and the lanes panel
(one line per thread of a `together` block: how far it got, where it is, and a shared
value it has read but not used yet, the moment another CPU can slip in between)."""
from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Sequence

from rich.text import Text

from tui.present.fit import PAD, field, fit
from tui.present.style import DIM
from tui.plural import counted

if TYPE_CHECKING:
    from tui.hand import ThreadRow

LANE_COLOURS = ("cyan", "magenta", "green", "blue", "yellow", "red")
GUTTER = 4  # cells: " w1│"


def lane_style(lane: str | None) -> str:
    """A CPU's colour; its kworker's the same, in italics (the work runs on that CPU)."""
    if not lane:
        return DIM
    cpu = int(lane.lstrip("w")) if lane.lstrip("w").isdigit() else 0
    colour = LANE_COLOURS[cpu % len(LANE_COLOURS)]
    return f"bold {colour}" + (" italic" if lane.startswith("w") else "")


def thread_name(label: str) -> str:
    """'0' -> 'cpu0'; 'w1' -> 'cpu1 kworker'."""
    return f"cpu{label[1:]} kworker" if label.startswith("w") else f"cpu{label}"


def gutter(lane: str | None, first: bool = True) -> Text:
    """The lane mark before a trail line: the thread's label on an entry's first line."""
    label = (lane or "") if first else ""
    return Text.assemble((f"{label:>3}", lane_style(lane)), ("│", lane_style(lane) if lane else DIM))


def with_gutter(line: Text, lane: str | None, first: bool) -> Text:
    return Text.assemble(gutter(lane, first), " ", line)


STATE_TEXT = {"next": ("▶ next", "bold"), "ready": ("ready", ""), "finished": ("done", DIM),
              "idle": ("idle", DIM), "": ("", "")}


def thread_lines(rows: Sequence[ThreadRow], width: int) -> list[Text]:
    """One line per thread after its gutter: its name and state, then what it read and
    has not used yet (never dropped), where it is and its step count (dropped first when
    room is short); a read too long for the line wraps, never cut."""
    out: list[Text] = []
    room = max(12, width - GUTTER - 1)
    name_width = max(len(thread_name(r.label)) for r in rows) if rows else 4
    state_width = max((len(STATE_TEXT.get(r.state, ("",))[0]) for r in rows), default=0)
    for row in rows:
        state, state_style = STATE_TEXT.get(row.state, (row.state, "yellow"))
        known = row.state in STATE_TEXT
        fields = [field(Text(f"{thread_name(row.label):<{name_width}} ", lane_style(row.label))),
                  field(Text(f"{state:<{state_width}} " if known else f"{state}; ", state_style),
                        shrink=PAD) if state or state_width else field("")]
        if row.read:  # first: it is what the other CPU can change under this one
            fields += [field(Text.assemble("read ", (row.read, "bold underline"))),
                       field(Text(" (not used yet)", "italic"), drop=2, quiet=True),
                       field(" · ", drop=4, quiet=True)]
        fields.append(field(counted(row.steps, "step"), drop=4, quiet=True))
        if row.place:
            fields.append(field(f", {row.place}", drop=3, quiet=True))
        line = fit(fields, room)
        out += [with_gutter(line, row.label, True)] if line.cell_len <= room \
            else _wrapped(line, row.label, room)
    return out


def _wrapped(text: Text, lane: str, room: int) -> list[Text]:
    """`text` in lines of `room` cells, broken at spaces; the lane on the first only."""
    plain = text.plain
    lines = textwrap.wrap(plain, room, subsequent_indent="  ", break_long_words=False,
                          break_on_hyphens=False) or [""]
    out, at = [], 0
    for n, part in enumerate(lines):
        body = part[2:] if n else part
        start = plain.index(body, at)
        at = start + len(body)
        piece = text[start:at]
        out.append(with_gutter(Text("  ") + piece if n else piece, lane, n == 0))
    return out
