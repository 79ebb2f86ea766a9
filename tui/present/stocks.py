"""Per-CPU stocks: the page stock and the byte stock of every CPU."""
from __future__ import annotations

from dataclasses import replace
from itertools import groupby

from rich.text import Text

from tui.present import work
from tui.present.highlight import Highlight
from tui.present.fit import PAD, Field, field, fit, name_field
from tui.present.style import CHANGED, DIM, bar, hidden, styled
from tui.world import Record, World


def stock_lines(world: World, hl: Highlight, width: int, one_line: bool = False) -> list[Text]:
    """Per CPU: the page stock against the batch, the byte stock against PAGE_SIZE (a full
    bar is a whole page). Two lines per CPU, or one when many CPUs share little room.
    Names and figures stay whole; the bars take what room is left."""
    cpus = world.cpus()
    label = min(12, max([4] + [len(_ptr(c[k])) for c in cpus for k in ("cached", "cached_objcg")]))
    lines = []
    for group in _groups(cpus, hl):
        if len(group) > 1:  # CPUs whose stocks are both empty share one line
            lines.append(_empty_line(group, world, width))
            continue
        cpu = group[0]
        name = f"cpu{cpu['cpu']}"
        hide = hl.hides
        page = [field(Text(f"{name:<5}", "bold"), Text(f"{name} ", "bold"), shrink=PAD, keep=True),
                field(Text("pg " if one_line else "page ", DIM), Text("pg ", DIM)),
                _named(_ptr(cpu["cached"]), label, hl.hit("cpu", name, "cached"), hide("cpu", name, "cached")),
                field(hidden("   ") + Text(f"/{world.batch:<3}")) if hide("cpu", name, "nr_pages") else
                field(styled(f"{cpu['nr_pages']:>4}/{world.batch:<3}", hl.hit("cpu", name, "nr_pages")),
                      styled(f" {cpu['nr_pages']}/{world.batch}", hl.hit("cpu", name, "nr_pages")))]
        byte = [field(Text(" B " if one_line else "     byte ", DIM), Text(" B " if one_line else "     B ", DIM),
                      shrink=PAD),
                _named(_ptr(cpu["cached_objcg"]), label, hl.hit("cpu", name, "cached_objcg"),
                       hide("cpu", name, "cached_objcg")),
                field(hidden("    ") + Text("B")) if hide("cpu", name, "nr_bytes") else
                field(styled(f"{cpu['nr_bytes']:>5}B", hl.hit("cpu", name, "nr_bytes")),
                      styled(f" {cpu['nr_bytes']}B", hl.hit("cpu", name, "nr_bytes")))]
        over = [field(Text(" >PAGE", "bold red"))] if cpu["nr_bytes"] > world.page_size else []
        if not cpu.get("online", True):  # cpu_down: greyed, its stocks as it left them
            page.append(field(work.offline_field()))
        page_bar = (cpu["nr_pages"], world.batch, "blue")
        byte_bar = (cpu["nr_bytes"], world.page_size, "cyan")
        if hide("cpu", name, "nr_pages"):  # a bar would give the figure away
            page_bar = (0, world.batch, "")
        if hide("cpu", name, "nr_bytes"):
            byte_bar, over = (0, world.page_size, ""), []
        page, byte = page[:1] + _grouped(page[1:], 1), _grouped(byte + over, 2)  # a stock whole, or not at all
        if one_line:
            lines.append(_with_bars([page, byte], [page_bar, byte_bar], width))
        else:
            lines += [_with_bars([page], [page_bar], width), _with_bars([byte], [byte_bar], width)]
        if not cpu.get("online", True):
            lines[-1 if one_line else -2:] = map(work.offline_line, lines[-1 if one_line else -2:])
    return lines + work.work_lines(world.work(), width)  # deferred work waiting to run


def _groups(cpus: list[Record], hl: Highlight) -> list[list[Record]]:
    """Runs of three or more CPUs with both stocks empty (untouched by this step) go together."""
    def empty(cpu: Record) -> bool:
        name = f"cpu{cpu['cpu']}"
        return (cpu["cached"] is None and cpu["cached_objcg"] is None and not cpu["nr_pages"]
                and not cpu["nr_bytes"] and not hl.touched("cpu", name)
                and not hl.hides("cpu", name, "cached", "nr_pages", "cached_objcg", "nr_bytes")
                and cpu.get("online", True))

    out: list[list[Record]] = []
    for is_empty, run in groupby(cpus, key=empty):
        run_list = list(run)
        grouped = is_empty and len(run_list) >= 3  # a pair still reads better one by one
        out += [run_list] if grouped else [[cpu] for cpu in run_list]
    return out


def _empty_line(group: list[Record], world: World, width: int) -> Text:
    first, last = group[0]["cpu"], group[-1]["cpu"]
    return fit([field(Text(f"cpu{first}-cpu{last}", "bold"), keep=True),
                field(Text(f"  page NULL 0/{world.batch}", DIM), Text(f" pg NULL 0/{world.batch}", DIM),
                      drop=2),
                field(Text(", byte NULL 0B", DIM), Text(" B NULL 0B", DIM), drop=1),
                field(Text(f" ({len(group)} CPUs, both stocks empty)", DIM), drop=9, quiet=True)], width)


def _named(name: str, label: int, changed: bool, masked: bool = False) -> Field:
    if masked:  # '?' in the same room, so the row does not move when it is answered
        return field(hidden() + Text(" " * (label - 1)), hidden(), shrink=PAD)
    return name_field(name, CHANGED if changed else "", pad=label, keep=False)


def _with_bars(parts: list[list[Field]], bars: list[tuple[int, int, str]], width: int) -> Text:
    """The parts in order, each followed by its bar, the bars sharing the room left over."""
    bare = fit([f for part in parts for f in part], width).cell_len
    room = (width - bare - len(parts)) // len(parts)
    fields: list[Field] = []
    for part, (value, total, style) in zip(parts, bars):
        fields += part
        if room >= 3:  # a bar goes with its stock's figure (it draws the same figure)
            fields.append(replace(field(Text(" ") + Text(bar(value, total, room), style), drop=9, quiet=True),
                                  group=part[-1].group))
    return fit(fields, width)


def _grouped(fields: list[Field], group: int) -> list[Field]:
    return [replace(f, group=group) for f in fields]


def _ptr(name: str | None) -> str:
    return "NULL" if name is None else name
