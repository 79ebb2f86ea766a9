"""The status line: byte conservation of the selected objcg."""
from __future__ import annotations

from rich.text import Text

from engine.conservation import Conservation, byte_conservation

from tui.present.fit import field, fit
from tui.present.style import DIM
from tui.world import World


def conservation(world: World, objcg: str) -> Conservation | None:
    """Byte conservation (invariant I1) for one objcg: pages × PAGE_SIZE = live + stocks + leftover."""
    return byte_conservation(world.state, objcg)


LIVE, STOCKS, LEFTOVER = "green", "blue", "cyan"


def conservation_text(c: Conservation | None, width: int | None = None, masked: bool = False) -> Text:
    """pages × PAGE_SIZE = live + in stocks + nr_charged_bytes for one objcg, then (where it
    fits) a bar of the charged bytes split the same way; fitted to `width`. `masked`: a
    prediction is pending, and any one term of the sum follows from the others."""
    if masked:
        return Text("bytes: the byte sum is hidden until you answer the prediction", DIM)
    if c is None:
        return Text("bytes: select an objcg to see its sum", DIM)
    ok = c.holds
    charged = c.pages * c.page_size
    fields = [field(Text("✓ " if ok else "✗ ", "bold green" if ok else "bold white on red")),
              field(Text(f"objcg {c.objcg}: ", "bold"), Text(f"{c.objcg}: ", "bold")),
              field(f"{c.pages} pg × {c.page_size} = "),
              field(f"{charged} = ", drop=8, quiet=True),
              field(Text.assemble((f"{c.live} live", LIVE), " + ")),
              field(Text.assemble((f"{c.stocks} in stocks", STOCKS), " + "),
                    Text.assemble((f"{c.stocks} stocks", STOCKS), " + ")),
              field(Text(f"{c.leftover} nr_charged_bytes", LEFTOVER), Text(f"{c.leftover} left", LEFTOVER))]
    if c.inflight:
        fields.append(field(Text(f" + {c.inflight} in flight", "yellow")))
    if not ok:
        total = c.live + c.stocks + c.leftover + c.inflight
        fields.append(field(Text(f"  (off by {charged - total})", "bold red")))
    plain = fit(fields, None).cell_len
    room = (width - plain - 4) if width is not None else 0  # 4: the gap and the bar's ends
    if ok and charged and room >= 8:
        fields.append(field(Text("  ") + charged_bar(c, min(room, 40)), drop=9, quiet=True))
    line = fit(fields, width)
    if width is None or line.cell_len <= width:
        return line
    # too narrow even with short labels: the sum on two lines, never a cut figure
    head, terms = fields[:4], fields[4:]
    return Text("\n").join([fit(head, width), fit([field("  "), *terms], width)])


def charged_bar(c: Conservation, width: int) -> Text:
    """The objcg's charged bytes as one bar: live, then in stocks, then nr_charged_bytes."""
    total = c.pages * c.page_size
    parts = [(c.live, LIVE), (c.stocks, STOCKS), (c.leftover, LEFTOVER)]
    cells, done, edge = [], 0, 0
    for value, _ in parts:  # cumulative rounding: the parts fill the bar exactly
        done += value
        end = min(width, round(done * width / total))
        cells.append(end - edge)
        edge = end
    text = Text("▕", DIM)
    for n, (_, style) in zip(cells, parts):
        text.append("█" * n, style)
    text.append(" " * (width - sum(cells)) + "▏", DIM)
    return text
