"""Pure presentation of the compare view: two machines' states -> rich `Text`.

Every figure that differs between the kernels is drawn in the DIFF style on both sides,
so the eye goes straight to what obj_cgroup changed.
"""
from __future__ import annotations

from typing import Sequence

from rich.console import Console
from rich.text import Text

from engine import Step
from engine.kernel.base import ROOT
from engine.model import State
from engine.kernel.slab_pages import slub_layout
from engine.slab_state import SlabFigures, figures
from engine.slab_steps import SIMPLIFIED
from engine.steps import describe, explain
from engine.version_steps import difference_note

DIFF = "bold black on yellow"
DIM = "grey50"
STATE_STYLE = {"online": "green", "dying": "yellow", "freed": "grey42 strike",
               "active": "green", "dead": "red"}
TITLES = {"5.8": "v5.8: a cache per memcg, pages charged",
          "5.9": "v5.9: shared caches, bytes charged via obj_cgroup",
          "5.10": "v5.10: v1 counters linked to root; failed charge fails",
          "5.11": "v5.11: drained pages go to the page stock",
          "5.13": "v5.13: kmem pages charged through objcgs",
          "5.14": "v5.14: objcgs pin no memcg; stock keeps the rest",
          "6.5": "v6.5: batch 64; no kmem limit; read once",
          "6.14": "v6.14: per-task objcg; hotplug drains"}
LEGEND = f"{SIMPLIFIED.strip()} the model simplifies a step; its explanation below says how"
LEGEND_LATER = (f"{SIMPLIFIED.strip()} the model simplifies a step · highlighted: differs "
                "between the releases · w: the commit behind it")


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def figure_rows(f: SlabFigures) -> list[tuple[str, str]]:
    """(label, value) of the side-by-side figures, in the order shown."""
    return [("slab pages", str(f.pages)), ("utilisation", percent(f.utilisation)),
            ("objects", str(f.objects)), ("object bytes", str(f.object_bytes)),
            ("caches", str(f.caches)), ("dead caches", str(f.dead_caches)),
            ("dying memcgs", str(f.dying_memcgs))]


def figures_text(mine: SlabFigures, other: SlabFigures, width: int) -> Text:
    """The figures two to a line; a value that differs from the other kernel's stands out."""
    text = Text()
    pairs = list(zip(figure_rows(mine), figure_rows(other)))
    cell = max(18, width // 2 - 1)
    per_line = 2 if width >= 2 * cell else 1
    for i, ((label, value), (_, theirs)) in enumerate(pairs):
        if i and i % per_line == 0:
            text.append("\n")
        text.append(f"{label} ", DIM)
        pad = cell - len(label) - 1 - len(value)
        text.append(" " * max(pad - 1, 1))
        text.append(value, DIFF if value != theirs else "bold")
        if per_line == 2 and i % 2 == 0:
            text.append("  ")
    text.append("\n")
    text.append_text(utilisation_bar(mine, width))
    return text


def utilisation_bar(f: SlabFigures, width: int) -> Text:
    """Object bytes against slab bytes, as a bar."""
    cells = max(10, width - 14)
    used = 0 if f.utilisation is None else round(f.utilisation * cells)
    text = Text.assemble(("used of slab ", DIM))
    text.append("█" * used, "green")
    text.append("░" * (cells - used), DIM)
    return text


def memcg_lines(st: State, other: State, limit: int, refs: bool = False) -> list[Text]:
    """Memcgs in creation order with state and usage (and css_refs with `refs`); a figure
    that differs from the other kernel's stands out."""
    theirs = {m["name"]: m for m in other.memcgs.values()}
    lines = []
    freed = 0
    for m in st.in_order("memcgs"):
        if m["state"] == "freed":
            freed += 1
            continue
        depth = 0 if m["name"] == ROOT else m["path"].count("/")
        line = Text.assemble(("  " * depth + m["name"], "bold"))
        line.append(f" {m['state']}", STATE_STYLE.get(m["state"], ""))
        their = theirs.get(m["name"])
        differs = their is None or their["usage"] != m["usage"] or their["state"] != m["state"]
        line.append("  usage ", DIM)
        line.append(f"{m['usage']} pg", DIFF if differs else "")
        if refs and m["name"] != ROOT:
            line.append("  refs ", DIM)
            line.append(str(m["refcnt"]), DIFF if their is None or their["refcnt"] != m["refcnt"]
                        else "")
        caches = len(m.get("kmem_caches", ()))
        if caches:
            line.append(f"  {caches} cache(s)", DIM)
        lines.append(line)
    if freed:
        lines.append(Text(f"{freed} memcg(s) freed", DIM))
    if len(lines) > limit:
        lines = lines[:limit - 1] + [Text(f"… {len(lines) - limit + 1} more", DIM)]
    return lines


PICTURE_LINES = 3  # at most this many lines of slots per cache


def slab_picture(st: State, cache: dict, width: int) -> list[Text]:
    """A cache's slabs: one mark per slot (■ used, · free) when that fits in a few lines,
    else one cell per slab, filled to its share of used slots."""
    slabs = st.tables["slabs"]
    rows = [slabs[f"{cache['name']}:{i}"] for i in cache["slabs"]]
    per = cache["per_slab"]
    per_line = max(1, width // (per + 1))
    if rows and per <= 32 and len(rows) <= per_line * PICTURE_LINES:
        lines = []
        for at in range(0, len(rows), per_line):
            text = Text()
            for s in rows[at:at + per_line]:
                for slot in range(per):
                    used = s["used"] >> slot & 1
                    text.append("■" if used else "·", "cyan" if used else DIM)
                text.append(" ")
            lines.append(text)
        return lines
    levels = "▁▂▃▄▅▆▇█"
    text = Text()
    shown = rows[:max(1, width - 8)]
    for s in shown:
        text.append(levels[min(7, max(0, round(8 * s["inuse"] / per) - 1))], "cyan")
    if len(rows) > len(shown):
        text.append(f" +{len(rows) - len(shown)}", DIM)
    return [text]


def cache_lines(st: State, other: State, width: int, limit: int) -> list[Text]:
    """Caches with slabs (or a state worth seeing), each with its slab picture."""
    lines = []
    hidden = 0
    for c in st.in_order("caches"):
        if not c["slabs"] and c["state"] == "active" and c["root"] is None:
            hidden += 1  # an empty shared cache: nothing to see
            continue
        head = Text.assemble((c["name"], "bold"), (f" {c['state']}", STATE_STYLE.get(c["state"], "")))
        slub = slub_layout(c["size"], st.sys["cpus"], st.sys["page_size"])
        if (slub.order, slub.objects) != (c["order"], c["per_slab"]):
            head.append(f" ≈ SLUB: order-{slub.order}×{slub.objects}", "magenta")
        owner = Text.assemble((f" → {c['memcg']}", DIM)) if c["root"] is not None else Text()
        picture = slab_picture(st, c, width - 2) if c["slabs"] else []
        if len(picture) == 1:  # one line per cache when its slabs fit beside its name
            if len(head) + len(owner) + 2 + len(picture[0]) <= width:
                lines.append(head + owner + Text("  ") + picture[0])
                continue
            if len(head) + 2 + len(picture[0]) <= width:
                lines.append(head + Text("  ") + picture[0])
                continue
        head.append_text(owner)
        head.append(f"  {len(c['slabs'])} slab(s) {c['nr_objects']} obj", DIM)
        lines.append(head)
        lines += [Text("  ").append_text(t) for t in picture]
    if not lines:
        lines.append(Text("no slab page yet", DIM))
    if len(lines) > limit:
        lines = lines[:limit - 1] + [Text(f"… {len(lines) - limit + 1} more lines", DIM)]
    return lines


_CONSOLE = Console(width=400, color_system=None)  # only for wrapping Text


def trail_lines(steps: Sequence[Step], first: int, end: int, at: int, limit: int,
                width: int = 0) -> list[Text]:
    """The current command's micro-steps on one side, ≈ marking a simplified step; with a
    `width`, a long line wraps (indented) instead of being cut, and `limit` counts rows."""
    entries: list[list[Text]] = []
    current = 0
    for i in range(first, end):
        line = describe(steps[i].data)
        where = "current" if i == at - 1 else ("past" if i < at else "future")
        current = len(entries) if where == "current" else current
        marker = "▶ " if where == "current" else "  "
        style = {"past": "", "current": "bold black on yellow", "future": DIM}[where]
        text = Text.assemble((marker, "bold yellow"))
        indent = "  " * steps[i].depth
        if line.startswith(SIMPLIFIED):
            text.append(indent)
            text.append("≈ ", "bold magenta")
            text.append(line[len(SIMPLIFIED):], style)
        else:
            text.append(indent + line, style)
        entries.append(_wrapped(text, width, 2 + len(indent) + 2))
    rows = [row for entry in entries for row in entry]
    if len(rows) <= limit:
        return rows
    above = sum(len(entry) for entry in entries[:current])  # rows before the current step
    start = min(max(0, above + len(entries[current] if entries else []) - limit + 2),
                len(rows) - limit)
    return rows[start:start + limit]


def _wrapped(text: Text, width: int, hang: int) -> list[Text]:
    """`text` in rows of at most `width` cells, continuation rows indented by `hang`."""
    if width <= hang + 8 or text.cell_len <= width:
        return [text]
    head = text.wrap(_CONSOLE, width)[0]
    rest = text[len(head.plain.rstrip()):]
    rest = rest[len(rest.plain) - len(rest.plain.lstrip()):]
    return [head] + [Text(" " * hang) + row for row in rest.wrap(_CONSOLE, width - hang)]


def why_text(steps: Sequence[Step], first: int, at: int) -> Text:
    """The plain-language reason of the step just applied on one side, and, for a step a
    later release takes instead of v5.9's, the release and commit that brought it."""
    if at <= first or at == 0:
        return Text("")
    step_id = steps[at - 1].data[0]
    reason = explain(step_id)
    if difference_note(step_id) is None:
        return Text(reason, "italic")
    release, _, rest = reason.partition(": ")  # "5.13, b4e0b68fbd9d: ..."
    return Text.assemble((release + ": ", "bold magenta"), (rest, "italic"))


def objcg_lines(st: State, other: State, limit: int) -> list[Text]:
    """Objcgs and the CPU stocks, for releases that both have obj_cgroup: a figure that
    differs from the other release's stands out."""
    theirs = {o["name"]: o for o in other.objcgs.values()}
    lines = []
    for o in st.in_order("objcgs"):
        if o["state"] == "released" and theirs.get(o["name"], {}).get("state") == "released":
            continue
        their = theirs.get(o["name"], {})
        line = Text.assemble(("objcg " + o["name"], "bold"))
        for label, field in ((" ", "state"), (" → ", "memcg"), (" ref ", "refcnt"),
                             (" left ", "nr_charged_bytes")):
            line.append(label, DIM)
            value = o[field]
            line.append(str(value), DIFF if their.get(field) != value else
                        STATE_STYLE.get(str(value), ""))
        lines.append(line)
    their_cpus = {c["name"]: c for c in other.cpus.values()}
    for c in st.in_order("cpus"):
        their = their_cpus.get(c["name"], {})
        line = Text.assemble((c["name"], "bold"))
        for label, field in ((" pages ", "cached"), (" ", "nr_pages"), (" · bytes ", "cached_objcg"),
                             (" ", "nr_bytes")):
            line.append(label, DIM)
            value = c[field]
            line.append("NULL" if value is None else str(value),
                        DIFF if their.get(field) != value else "")
        lines.append(line)
    if len(lines) > limit:
        lines = lines[:limit - 1] + [Text(f"… {len(lines) - limit + 1} more", DIM)]
    return lines


def summary_text(old: SlabFigures, new: SlabFigures) -> Text:
    text = Text.assemble(("v5.9 uses ", "bold"))
    text.append(str(new.pages), "bold green")
    text.append(" slab pages where v5.8 uses ", "bold")
    text.append(str(old.pages), "bold red")
    if old.pages and new.pages < old.pages:
        text.append(f"  ({100 * (old.pages - new.pages) / old.pages:.0f}% fewer)", "green")
    if old.utilisation is not None and new.utilisation is not None:
        text.append(f"  · utilisation {percent(new.utilisation)} vs {percent(old.utilisation)}")
    return text


def side_figures(st: State) -> SlabFigures:
    return figures(st)
