"""Deferred work where a learner looks: under the per-CPU stocks, each item queued on a
CPU's kworker and each RCU callback waiting for its grace period, in queue order; and
a CPU taken down by cpu_down, greyed with what it still holds."""
from __future__ import annotations

import textwrap
from typing import Any, Sequence

from rich.text import Text

from tui.present.fit import field, fit
from tui.present.lanes import lane_style
from tui.present.style import DIM

SHOWN = 4  # items listed; the rest are counted
PENDING = "◷"  # one cell wide in every terminal (an hourglass emoji is two)
OFFLINE = "offline"


def item_call(item: Sequence[Any]) -> str:
    """A queued item as the call that will run: 'drain_local_stock(cpu1)', 'kfree(objcg
    /A)', 'percpu_ref_switch_to_atomic_rcu(css /A)' (engine.kernel.work's queue entries:
    seq, kind, cpu, fn, args, waits, origin)."""
    fn, args = str(item[3]), tuple(item[4])
    if fn == "drain_local_stock":
        return f"drain_local_stock(cpu{args[0]})"
    if fn == "kfree":
        return f"kfree(objcg {args[0]})"
    if fn == "percpu_ref_switch_to_atomic_rcu":
        return f"percpu_ref_switch_to_atomic_rcu({args[0]} {args[1]})"
    if fn == "queue_rcu_work":
        return f"queue_rcu_work → {args[0]}({', '.join(map(str, args[1:]))})"
    return f"{fn}({', '.join(map(str, args))})"


def work_lines(items: Sequence[Sequence[Any]], width: int) -> list[Text]:
    """One line per pending item: 'cpu1 kworker ◷ drain_local_stock(cpu1)' or
    'RCU cpu0 ◷ kfree(objcg /A)' (a callback runs after a grace period, on the CPU that
    queued it); past SHOWN items, a count. A call too long for the line goes under it,
    wrapped at its spaces."""
    out: list[Text] = []
    for item in items[:SHOWN]:
        cpu = int(item[2])
        if item[1] == "rcu":
            who = field(Text(f"RCU cpu{cpu} ", lane_style(str(cpu))), Text("RCU ", "bold"))
        else:
            who = field(Text(f"cpu{cpu} kworker ", lane_style(f"w{cpu}")),
                        Text(f"w{cpu} ", lane_style(f"w{cpu}")))
        call = item_call(item)
        line = fit([who, field(Text(f"{PENDING} ")), field(Text(call))], width)
        if line.cell_len <= width and call in line.plain:  # (fit may have dropped the call)
            out.append(line)
            continue
        head = fit([who, field(Text(f"{PENDING}"))], width)  # too long: the call under it,
        parts = [call] if len(call) < width else \
            textwrap.wrap(call, max(12, width - 1), break_long_words=False)  # wrapped if need be
        out += [head] + [Text(f" {part}") for part in parts]
    if len(items) > SHOWN:
        out.append(Text(f"{PENDING} … and {len(items) - SHOWN} more queued", DIM))
    return out


def offline_line(line: Text) -> Text:
    """A stock line of a CPU that is offline: greyed (its stocks stay as it left them)."""
    out = line.copy()
    out.stylize(DIM)
    return out


def offline_field() -> Text:
    return Text(f" {OFFLINE}", "bold red")
