"""The last micro-step in one line: what it changed, old → new, in the kernel's names.

`/A css_refs 5→6; /A objcg_list +/A/B; objcg /A/B memcg /A/B→/A`: a learner reads in one
place what the highlighted figures all over the screen did."""
from __future__ import annotations

import re
from typing import Any, Callable

from rich.text import Text

from tui.present.names import NAME_FLOOR, short_name
from tui.present.wrap import break_lines

from tui.present.highlight import Highlight
from tui.present.style import DIM
from tui.world import World

# fields a learner knows, by the name the kernel gives them; the rest is bookkeeping
NAMES = {
    "memcg": {"usage": "usage", "max": "memory.max", "failcnt": "failcnt", "refcnt": "css_refs",
              "state": "state", "objcg": "objcg", "objcg_list": "objcg_list",
              "nr_dying_descendants": "nr_dying_descendants", "kmemcg_id": "kmemcg_id",
              "events_max": "events max", "events_oom": "events oom"},
    "objcg": {"memcg": "memcg", "refcnt": "refcnt", "state": "state",
              "nr_charged_bytes": "nr_charged_bytes"},
    "cpu": {"cached": "stock->cached", "nr_pages": "stock->nr_pages",
            "cached_objcg": "stock->cached_objcg", "nr_bytes": "stock->nr_bytes"},
    "object": {"objcg": "objcg"},
    "task": {"memcg": "cgroup", "active_memcg": "active_memcg"},
}
PREFIX = {"memcg": "", "objcg": "objcg ", "cpu": "", "object": "", "task": "task "}


def delta_parts(hl: Highlight, world: World | None = None,
                exists: Callable[[str, str], bool] | None = None) -> list[str]:
    """'NAME field old→new' for each field the step wrote, in a stable order; with
    `world` (or `exists`, which says whether a record is there), the records the step
    created (+) or freed (-)."""
    parts = []
    for kind, name, fld in sorted(hl.changed):
        if fld == "*":
            continue
        label = NAMES.get(kind, {}).get(fld)
        swing = hl.swing(kind, name, fld)
        if label is None or swing is None:
            continue
        old, new = swing
        if old == new:
            continue
        parts.append(f"{PREFIX.get(kind, '')}{name} {label} {_change(fld, old, new)}")
    if world is not None and exists is None:
        tables = {"memcg": world.memcg, "objcg": world.objcg, "object": world.object}
        exists = lambda kind, name: tables[kind](name) is not None  # noqa: E731
    if exists is not None:
        for kind, name in sorted({(k, n) for k, n, f in hl.changed if f == "*"}):
            if kind in ("memcg", "objcg", "object"):
                parts.append(f"{'+' if exists(kind, name) else '-'}{kind} {name}")
    return parts


def _change(fld: str, old: Any, new: Any) -> str:
    if isinstance(old, tuple) or isinstance(new, tuple):
        before, after = tuple(old or ()), tuple(new or ())
        added = [f"+{x}" for x in after if x not in before]
        gone = [f"-{x}" for x in before if x not in after]
        return " ".join(added + gone) or "reordered"
    if fld == "nr_bytes" and isinstance(new, int):
        return f"{_show(old)}→{_show(new)} B"
    return f"{_show(old)}→{_show(new)}"


def _show(value: Any) -> str:
    if value is None:
        return "NULL"
    return str(value)


def delta_line(parts: list[str], width: int, rows: int) -> Text:
    """The Δ line in at most `rows` rows of `width` cells: long names shortened in the
    middle, and the changes that do not fit counted at its end ('+3 more'); each one is
    highlighted where it shows anyway."""
    room = max(NAME_FLOOR, width // 3)
    parts = [_PATH.sub(lambda m: short_name(m.group(0), room), part) for part in parts]
    for shown in range(len(parts), 0, -1):
        text = _assemble(parts[:shown], len(parts) - shown)
        if shown == 1 or len(break_lines(text.plain, width)) <= rows:
            return text
    return _assemble(parts, 0)


def _assemble(parts: list[str], more: int) -> Text:
    text = Text.assemble(("Δ ", "bold magenta"))
    for i, part in enumerate(parts):
        if i:
            text.append("; ", DIM)
        text.append(part)
    if more:
        text.append(f"; +{more} more", DIM)
    return text


_PATH = re.compile(r"/[\w.#-]*(?:/[\w.#-]+)*")


def delta_text(hl: Highlight, world: World | None = None) -> Text | None:
    """The one-line summary, or None when the step changed nothing a learner names."""
    parts = delta_parts(hl, world)
    if not parts:
        return None
    text = Text.assemble(("Δ ", "bold magenta"))
    for i, part in enumerate(parts):
        if i:
            text.append("; ", DIM)
        text.append(part)
    return text

