"""Per-CPU stocks: the page stock and the byte stock of every CPU."""
from __future__ import annotations

from rich.text import Text

from tui.present.highlight import Highlight
from tui.present.style import DIM, bar, put
from tui.world import World


def stock_lines(world: World, hl: Highlight, width: int, one_line: bool = False) -> list[Text]:
    """Per CPU: the page stock against the batch, the byte stock against PAGE_SIZE (a full
    bar is a whole page). Two lines per CPU, or one when many CPUs share little room."""
    cpus = world.cpus()
    label = min(12, max([4] + [len(_ptr(c[k])) for c in cpus for k in ("cached", "cached_objcg")]))
    lines = []
    if one_line:
        bar_width = max(3, (width - 2 * label - 28) // 2)
    else:
        bar_width = max(4, width - label - 23)
    for cpu in cpus:
        name = f"cpu{cpu['cpu']}"
        page = Text.assemble((f"{name:<5}", "bold"), ("pg " if one_line else "page ", DIM))
        put(page, f"{_ptr(cpu['cached']):<{label}}", hl.hit("cpu", name, "cached"))
        put(page, f"{cpu['nr_pages']:>4}/{world.batch:<3}", hl.hit("cpu", name, "nr_pages"))
        page.append(bar(cpu["nr_pages"], world.batch, bar_width), "blue")
        byte = Text.assemble((" B " if one_line else "     byte ", DIM))
        put(byte, f"{_ptr(cpu['cached_objcg']):<{label}}", hl.hit("cpu", name, "cached_objcg"))
        put(byte, f"{cpu['nr_bytes']:>5}B ", hl.hit("cpu", name, "nr_bytes"))
        byte.append(bar(cpu["nr_bytes"], world.page_size, bar_width), "cyan")
        if cpu["nr_bytes"] > world.page_size:
            byte.append(" >PAGE", "bold red")
        lines += [page + byte] if one_line else [page, byte]
    return lines


def _ptr(name: str | None) -> str:
    return "NULL" if name is None else name
