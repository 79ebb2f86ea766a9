"""The status line: byte conservation of the selected objcg."""
from __future__ import annotations

from rich.text import Text

from engine.conservation import Conservation, byte_conservation

from tui.present.fit import MORE, Field, field, fit, name_field
from tui.present.style import DIM
from tui.present.wrap import wrap_text
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
    if c.released:
        fields = released_fields(c)
        line = fit(fields, width)
        if width is None or line.cell_len <= width and not line.plain.endswith(MORE):
            return line
        # too narrow for how it ended: that goes under the name, wrapped, never dropped
        verdict, head, how = fields
        return Text("\n").join([fit([verdict, head], width),
                                *wrap_text(how.variants[-1], width, orphans=False)])
    ok = c.holds
    charged = c.pages * c.page_size
    # the sum's terms never drop (keep): a row too narrow for them goes on two lines
    fields = [field(Text("✓ " if ok else "✗ ", "bold green" if ok else "bold white on red"), keep=True),
              name_field(c.objcg, "bold", after=Text(": ", "bold"), also=(Text(f"objcg {c.objcg}: ", "bold"),)),
              field(f"{c.pages} pg × {c.page_size} = ", keep=True),
              field(f"{charged} = ", drop=8, quiet=True),
              field(Text.assemble((f"{c.live} live", LIVE), " + "), keep=True),
              field(Text.assemble((f"{c.stocks} in stocks", STOCKS), " + "),
                    Text.assemble((f"{c.stocks} stocks", STOCKS), " + "), keep=True),
              field(Text(f"{c.leftover} nr_charged_bytes", LEFTOVER), Text(f"{c.leftover} left", LEFTOVER),
                    keep=True)]
    if c.inflight:
        fields.append(field(Text(f" + {c.inflight} in flight", "yellow"), keep=True))
    if not ok:
        total = c.live + c.stocks + c.leftover + c.inflight
        fields.append(field(Text(f"  (off by {charged - total})", "bold red"), keep=True))
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


def released_fields(c: Conservation) -> list[Field]:
    """A released objcg: obj_cgroup_release uncharged nr_charged_bytes / PAGE_SIZE whole
    pages and left nr_charged_bytes as it was, so the sum no longer applies. Its bytes
    are a whole number of pages in the normal case; otherwise the kernel WARNs and pages
    stay charged for ever (or were uncharged twice)."""
    pages = c.leftover // c.page_size
    head = field(Text(f"objcg {c.objcg} released: ", "bold"), Text(f"{c.objcg} released: ", "bold"))
    if not c.leftover:
        return [field(Text("✓ ", "bold green")), head,
                field("nothing was left in nr_charged_bytes", "nothing left")]
    if not c.warned:
        return [field(Text("✓ ", "bold green")), head,
                field(f"its {c.leftover} leftover bytes were {pages} whole page(s), uncharged by "
                      "obj_cgroup_release", f"{pages} whole page(s) uncharged")]
    lost = (f"{c.pages} page(s) stay charged for ever" if c.pages >= 0 else
            f"{-c.pages} page(s) uncharged more than charged")
    return [field(Text("✗ ", "bold white on red")), head,
            field(Text(f"nr_charged_bytes {c.leftover} is not a whole number of pages: the "
                       f"WARN in obj_cgroup_release; {lost}", "bold red"),
                  Text(f"{c.leftover} B, not whole pages: WARN; {lost}", "bold red"))]


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
