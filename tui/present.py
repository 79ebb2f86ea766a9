"""Pure presentation: the machine's state (through `World`) -> rows and rich `Text`.

Widgets only hold rows, scroll and call these functions for the rows they draw, so
everything a learner reads on screen is decided here and unit-tested without an app.

Two kinds of functions:
- layout (`tree_rows`, `objcg_rows`, `object_rows`): which rows exist, in a stable
  order (creation order, depth first), cheap enough to rebuild at 11,000 rows;
- drawing (`*_text`): one row -> `Text`, called only for visible rows.

`Highlight` carries what the current micro-step changed; every figure it names is drawn
in the "changed" style wherever it shows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Literal, NamedTuple, Sequence

from rich.text import Text

from engine.conservation import Conservation, byte_conservation

from tui import world as w
from tui.world import ROOT, Record, World

CHANGED = "bold black on yellow"
SWING = "bold white on magenta"
SELECTED = "reverse"
OWN = "green"
PARENT = "magenta"
DIM = "grey50"
GHOST = "grey42 strike"
STATE_STYLE = {"online": "green", "dying": "yellow", "freed": GHOST, "allocated": DIM,
               "active": "green", "killed": "yellow", "released": GHOST}
ERRNO = {0: "0", -12: "-ENOMEM", -16: "-EBUSY", -17: "-EEXIST", -22: "-EINVAL"}
LIST_PREVIEW = 3


# -- what the current micro-step changed ---------------------------------------------------
@dataclass(frozen=True)
class Highlight:
    """What the micro-step just applied changed: {(kind, name, field)} and old -> new values."""

    changed: frozenset[tuple[str, str, str]] = frozenset()
    swings: dict[tuple[str, str, str], tuple[Any, Any]] = field(default_factory=dict)

    def hit(self, kind: str, name: str, *fields: str) -> bool:
        """Did the step change any of `fields` of this record (or create/drop it)?"""
        c = self.changed
        return (kind, name, "*") in c or any((kind, name, f) in c for f in fields)

    def touched(self, kind: str, name: str) -> bool:
        return (kind, name) in self._touched

    @cached_property
    def _touched(self) -> frozenset[tuple[str, str]]:
        return frozenset((k, n) for k, n, _ in self.changed)

    def swing(self, kind: str, name: str, fld: str) -> tuple[Any, Any] | None:
        return self.swings.get((kind, name, fld))


NO_HIGHLIGHT = Highlight()


def structural(changed: Iterable[tuple[str, str, str]]) -> bool:
    """Does a change alter which rows exist (so layouts must be rebuilt)?"""
    for kind, _name, fld in changed:
        if fld == "*" or (kind == "memcg" and fld in ("objcg_list", "objcg", "state", "children")):
            return True
        if kind == "objcg" and fld == "state":
            return True
    return False


# -- small formatting helpers -----------------------------------------------------------------
def kib(nbytes: int) -> str:
    """4096 -> '4K', 135168 -> '132K', 36,864,000 -> '35.2M'; exact bytes below 1 KiB."""
    size = abs(nbytes)
    if size < 1024:
        return f"{nbytes}B"
    if size < 1024 * 1024:
        return f"{nbytes // 1024}K" if nbytes % 1024 == 0 else f"{nbytes / 1024:.1f}K"
    if nbytes % (1024 * 1024) == 0:
        return f"{nbytes // (1024 * 1024)}M"
    return f"{nbytes / (1024 * 1024):.1f}M"


def bar(value: int, total: int, width: int) -> str:
    """A left-to-right bar of `width` cells, eighth-cell precision, full at `total`."""
    if width <= 0 or total <= 0:
        return ""
    eighths = max(0, min(width * 8, round(value * width * 8 / total)))
    full, part = divmod(eighths, 8)
    text = "█" * full + ("" if part == 0 else " ▏▎▍▌▋▊▉"[part])
    return text.ljust(width)


def errno_name(ret: int) -> str:
    return ERRNO.get(ret, str(ret))


def holder_label(holder: str) -> str:
    """'stock:cpu1' -> 'cpu1', 'obj:X0' -> 'X0'; others as the engine names them."""
    return holder.split(":", 1)[1] if holder.startswith(("stock:", "obj:")) else holder


def holders_text(holders: dict[str, int], limit: int = 6) -> str:
    names = []
    for holder, count in holders.items():
        label = holder_label(holder)
        names.append(label if count == 1 else f"{label}×{count}")
    shown = names[:limit] + ([f"+{len(names) - limit}"] if len(names) > limit else [])
    return "{" + " ".join(shown) + "}"


def _put(text: Text, value: str, changed: bool, style: str = "") -> None:
    text.append(value, CHANGED if changed else style)


# -- the memcg tree -----------------------------------------------------------------------------
RowKind = Literal["memcg", "objcg", "item", "more"]


class Row(NamedTuple):
    """One line of the memcg tree: a memcg, its objcg line, one objcg_list entry, or '…'."""

    kind: RowKind
    memcg: str
    objcg: str | None
    prefix: str
    depth: int


@dataclass(frozen=True)
class TreeOptions:
    """The learner's view choices for the tree; none of them changes the machine."""

    find: str = ""
    zoom: str | None = None
    auto_collapse: bool = False  # big trees: memcgs below the top level start collapsed
    toggled: frozenset[str] = frozenset()  # memcgs whose collapse state was flipped
    expanded_lists: frozenset[str] = frozenset()
    ghosts: frozenset[str] = frozenset()  # freed memcgs still shown (freed by this command)
    reveal: frozenset[str] = frozenset()  # memcgs the command touched: their ancestors unfold


def is_collapsed(opts: TreeOptions, name: str, depth: int) -> bool:
    return (opts.auto_collapse and depth >= 1) != (name in opts.toggled)


def tree_rows(world: World, opts: TreeOptions) -> list[Row]:
    """The rows of the memcg tree, depth first in creation order."""
    top = opts.zoom if opts.zoom and world.memcg(opts.zoom) else ROOT
    keep = _find_keep(world, opts.find, top) if opts.find else None
    opened = _ancestors(world, opts.reveal)
    rows: list[Row] = []
    # (name, depth, prefix for its own line, prefix for lines below it)
    todo: list[tuple[str, int, str, str]] = [(top, 0, "", "")]
    while todo:
        name, depth, head, body = todo.pop()
        rec = world.memcg(name)
        if rec is None:
            continue
        rows.append(Row("memcg", name, None, head, depth))
        kids = [c for c in world.children(name) if _shown(world, opts, c, keep)]
        folded = is_collapsed(opts, name, depth) and not opts.find and kids and name not in opened
        inner = body + ("│  " if kids and not folded else "   ")
        rows.append(Row("objcg", name, rec["objcg"], inner, depth))
        entries = w.objcg_list(rec)
        limit = len(entries) if name in opts.expanded_lists else LIST_PREVIEW
        for objcg in entries[:limit]:
            rows.append(Row("item", name, objcg, inner, depth))
        if len(entries) > limit:
            rows.append(Row("more", name, None, inner, depth))
        if folded:
            continue
        for i, child in reversed(list(enumerate(kids))):
            last = i == len(kids) - 1
            todo.append((child, depth + 1, body + ("└─ " if last else "├─ "),
                         body + ("   " if last else "│  ")))
    return rows


def _ancestors(world: World, names: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        rec = world.memcg(name)
        node = rec["parent"] if rec is not None else None
        while node is not None and node not in out:
            out.add(node)
            parent = world.memcg(node)
            node = parent["parent"] if parent is not None else None
    return out


def _shown(world: World, opts: TreeOptions, name: str, keep: set[str] | None) -> bool:
    rec = world.memcg(name)
    if rec is None or (rec["state"] == "freed" and name not in opts.ghosts):
        return False
    return keep is None or name in keep


def _find_keep(world: World, needle: str, top: str) -> set[str]:
    """Memcgs whose name, or an objcg they list, contains `needle`, with their ancestors."""
    keep: set[str] = set()
    for rec, _depth in world.walk(top):
        names = (rec["name"], rec["objcg"] or "", *w.objcg_list(rec))
        if any(needle in n for n in names):
            node: str | None = rec["name"]
            while node is not None and node not in keep:
                keep.add(node)
                parent = world.memcg(node)
                node = None if parent is None or node == top else parent["parent"]
    return keep


def tree_label_width(rows: Sequence[Row], cap: int = 22) -> int:
    """Column for the figures after memcg names, from the visible rows."""
    widths = [len(r.prefix) + len(r.memcg) for r in rows if r.kind == "memcg"]
    return min(cap, max(widths, default=1)) + 1


def tree_row_text(world: World, row: Row, hl: Highlight, opts: TreeOptions,
                  label: int = 12, narrow: bool = False) -> Text:
    """Draw one tree row; `narrow` (under ~56 columns) drops the figures that can wait."""
    if row.kind == "memcg":
        return _memcg_text(world, row, hl, opts, label, narrow)
    text = Text.assemble((row.prefix, DIM))
    if row.kind == "objcg":
        _objcg_line(world, text, row, hl, narrow)
    elif row.kind == "item":
        _list_item(world, text, row, hl, narrow)
    else:
        rec = world.memcg(row.memcg)
        hidden = len(w.objcg_list(rec)) - LIST_PREVIEW if rec else 0
        text.append(f"  … {hidden} more on the list (enter shows all)", DIM)
    return text


def _memcg_text(world: World, row: Row, hl: Highlight, opts: TreeOptions, label: int,
                narrow: bool) -> Text:
    rec = world.memcg(row.memcg)
    assert rec is not None
    name, state = rec["name"], rec["state"]
    ghost = state == "freed"
    text = Text.assemble((row.prefix, DIM))
    kids = [c for c in world.children(name) if _shown(world, opts, c, None)]
    folded = (is_collapsed(opts, name, row.depth) and bool(kids) and not opts.find
              and name not in _ancestors(world, opts.reveal))
    name_style = GHOST if ghost else ("bold" if state == "online" else "yellow")
    _put(text, name, hl.hit("memcg", name, "*"), name_style)
    marker = f" ▸{len(kids)}" if folded else ""
    text.append(marker, "cyan")
    text.append(" " * max(1, label - len(row.prefix) - len(name) - len(marker)))
    usage = rec["usage"]
    _put(text, f"{usage:>3} pg", hl.hit("memcg", name, "usage"), DIM if ghost else "")
    limit = rec["max"]
    if not narrow:
        text.append(f" {kib(usage * world.page_size):>5}", DIM)
    if not narrow or limit is not None or hl.hit("memcg", name, "max"):
        shown = "∞" if limit is None else f"{limit}" + ("" if narrow else f" ({kib(limit * world.page_size)})")
        _put(text, f" max {shown}", hl.hit("memcg", name, "max"), DIM if limit is None else "")
    if rec["failcnt"] or hl.hit("memcg", name, "failcnt"):
        _put(text, f" failcnt {rec['failcnt']}", hl.hit("memcg", name, "failcnt"), "red")
    if world.v1:
        _kmem_text(text, rec, hl, narrow)
    refs = w.css_refs(rec)
    _put(text, f" ref {'-' if refs is None else refs}", hl.hit("memcg", name, "refcnt", "holders"))
    text.append(" ")
    _put(text, "ghost (freed)" if ghost else state, hl.hit("memcg", name, "state"),
         STATE_STYLE.get(state, ""))
    _page_pins_text(text, rec, hl)
    dying = rec["nr_dying_descendants"]
    if dying or not narrow or hl.hit("memcg", name, "nr_dying_descendants"):
        label_ = " dying" if narrow else " dying-desc"  # nr_dying_descendants
        _put(text, f"{label_} {dying}", hl.hit("memcg", name, "nr_dying_descendants"),
             "yellow" if dying else DIM)
    return text


def _kmem_text(text: Text, rec: Record, hl: Highlight, narrow: bool) -> None:
    """cgroup v1: the kmem counter beside the memory counter (pages, its max, failcnt)."""
    name = rec["name"]
    usage, limit, failcnt = w.kmem_counter(rec)
    _put(text, f" {'k' if narrow else 'kmem '}{usage}", hl.hit("memcg", name, "kmem_usage"), "cyan")
    if limit is not None or hl.hit("memcg", name, "kmem_max"):
        _put(text, f"/{'∞' if limit is None else limit}", hl.hit("memcg", name, "kmem_max"), "cyan")
    if failcnt or hl.hit("memcg", name, "kmem_failcnt"):
        _put(text, f" kfail {failcnt}", hl.hit("memcg", name, "kmem_failcnt"), "red")


def _page_pins_text(text: Text, rec: Record, hl: Highlight) -> None:
    """The pages (alloc_pages) among the css holders: what keeps a removed memcg dying
    (after its state, so that a narrow row loses the page names before the state)."""
    pages = w.page_pins(rec)
    if pages:
        shown = " ".join(pages[:3]) + (f" +{len(pages) - 3}" if len(pages) > 3 else "")
        what = "page" if len(pages) == 1 else "pages"
        _put(text, f" ({what} {shown})", hl.hit("memcg", rec["name"], "holders"), "magenta")


def _objcg_line(world: World, text: Text, row: Row, hl: Highlight, narrow: bool) -> None:
    rec = world.memcg(row.memcg)
    assert rec is not None
    text.append("objcg ", DIM)
    swing = hl.swing("memcg", row.memcg, "objcg")
    if row.objcg is None:
        changed = hl.hit("memcg", row.memcg, "objcg")
        was = f" (was {swing[0]})" if swing and swing[0] else ""
        _put(text, "NULL" + was, changed, DIM)
    else:
        obj = world.objcg(row.objcg)
        _put(text, row.objcg, hl.hit("memcg", row.memcg, "objcg"), "bold")
        if obj is not None:
            _put(text, f" {obj['state']}", hl.hit("objcg", row.objcg, "state"),
                 STATE_STYLE.get(obj["state"], ""))
            _put(text, f" ref {obj['refcnt']}", hl.hit("objcg", row.objcg, "refcnt", "holders"))
    entries = w.objcg_list(rec)
    list_changed = hl.hit("memcg", row.memcg, "objcg_list")
    if entries or list_changed or not narrow:
        label = "  list: " if narrow else "  objcg_list: "
        _put(text, label + ("empty" if not entries else f"{len(entries)}"), list_changed, DIM)


def _list_item(world: World, text: Text, row: Row, hl: Highlight, narrow: bool) -> None:
    assert row.objcg is not None
    obj = world.objcg(row.objcg)
    listed = hl.swing("memcg", row.memcg, "objcg_list")
    moved = listed is not None and row.objcg in listed[1] and row.objcg not in (listed[0] or ())
    text.append("  ↳ ", PARENT)
    _put(text, row.objcg, moved, "bold")
    if obj is None:
        return
    _put(text, f" {obj['state']}", hl.hit("objcg", row.objcg, "state"),
         STATE_STYLE.get(obj["state"], ""))
    if obj["memcg"] != row.memcg:  # mid-reparent: it points up before the list is spliced
        swinging = hl.swing("objcg", row.objcg, "memcg") is not None
        text.append(f" ⇧▶ {obj['memcg']}", SWING if swinging else PARENT)
    if not narrow:
        _put(text, f" ref {obj['refcnt']}", hl.hit("objcg", row.objcg, "refcnt", "holders"))
    _put(text, f" left {obj['nr_charged_bytes']}",
         hl.hit("objcg", row.objcg, "nr_charged_bytes"), DIM)
    if moved:
        text.append(" ◀ moved in", SWING)


# -- the objcg view -------------------------------------------------------------------------------
def objcg_rows(world: World, find: str = "", ghosts: frozenset[str] = frozenset()) -> list[str]:
    """Objcg names in creation order: live ones, plus those released by this command."""
    out = []
    for rec in world.objcgs():
        name = rec["name"]
        if rec["state"] == "released" and name not in ghosts:
            continue
        if find and find not in name and find not in rec["memcg"]:
            continue
        out.append(name)
    return out


def pointer_kind(objcg: Record) -> Literal["own", "parent"]:
    """An objcg points at its own creator (same name) or, once reparented, an ancestor."""
    return "own" if objcg["memcg"] == objcg["name"] else "parent"


def objcg_text(world: World, name: str, hl: Highlight, label: int = 8, narrow: bool = False) -> Text:
    rec = world.objcg(name)
    text = Text()
    if rec is None:
        return Text(f"{name}: gone", DIM)
    state = rec["state"]
    ghost = state == "released"
    _put(text, name.ljust(label), hl.hit("objcg", name, "*"), GHOST if ghost else "bold")
    swing = hl.swing("objcg", name, "memcg")
    if swing is not None:
        text.append(" ↷ ", SWING)
        text.append(str(swing[0]), "strike " + DIM)
        text.append(" → ", SWING)
        text.append(str(swing[1]), SWING)
    elif pointer_kind(rec) == "own":
        text.append(" ─▶ ", OWN)
        text.append(rec["memcg"], OWN)
        if not narrow:  # the green ─▶ already says it
            text.append(" (own)", DIM)
    else:
        text.append(" ⇧▶ ", PARENT)
        text.append(rec["memcg"], "bold " + PARENT)
        text.append(" (parent)", PARENT)
    text.append(" ")
    _put(text, state, hl.hit("objcg", name, "state"), STATE_STYLE.get(state, ""))
    _put(text, f" ref {rec['refcnt']}", hl.hit("objcg", name, "refcnt", "holders"))
    _put(text, f" left {rec['nr_charged_bytes']}", hl.hit("objcg", name, "nr_charged_bytes"),
         "cyan" if rec["nr_charged_bytes"] else DIM)
    if not narrow:  # holders last: the row may be cut, the leftover bytes must not be
        text.append(" ")
        _put(text, holders_text(w.holders(rec)), hl.hit("objcg", name, "holders"), DIM)
    return text


def objcg_label_width(names: Sequence[str], cap: int = 16) -> int:
    return min(cap, max((len(n) for n in names), default=1))


# -- per-CPU stocks ---------------------------------------------------------------------------------
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
        _put(page, f"{_ptr(cpu['cached']):<{label}}", hl.hit("cpu", name, "cached"))
        _put(page, f"{cpu['nr_pages']:>4}/{world.batch:<3}", hl.hit("cpu", name, "nr_pages"))
        page.append(bar(cpu["nr_pages"], world.batch, bar_width), "blue")
        byte = Text.assemble((" B " if one_line else "     byte ", DIM))
        _put(byte, f"{_ptr(cpu['cached_objcg']):<{label}}", hl.hit("cpu", name, "cached_objcg"))
        _put(byte, f"{cpu['nr_bytes']:>5}B ", hl.hit("cpu", name, "nr_bytes"))
        byte.append(bar(cpu["nr_bytes"], world.page_size, bar_width), "cyan")
        if cpu["nr_bytes"] > world.page_size:
            byte.append(" >PAGE", "bold red")
        lines += [page + byte] if one_line else [page, byte]
    return lines


def _ptr(name: str | None) -> str:
    return "NULL" if name is None else name


# -- objects ------------------------------------------------------------------------------------------
def object_rows(world: World, find: str = "") -> list[str]:
    return [o["name"] for o in world.objects()
            if not find or find in o["name"] or find in (o["objcg"] or "")]


def object_text(world: World, name: str, hl: Highlight) -> Text:
    rec = world.object(name)
    if rec is None:
        return Text(f"{name}: freed", GHOST)
    text = Text()
    _put(text, f"{name:<8}", hl.hit("object", name, "*"), "bold")
    text.append(f"{rec['size']:>7} B  ")
    if w.object_kind(rec) == "pages":
        _page_object_text(text, name, rec, hl)
    elif rec["objcg"] is None:
        text.append("unaccounted", DIM)
    else:
        text.append("→ objcg ", DIM)
        _put(text, rec["objcg"], hl.hit("object", name, "objcg"))
    return text


def _page_object_text(text: Text, name: str, rec: Record, hl: Highlight) -> None:
    """A page block: it records its memcg and pins that memcg's css (no objcg)."""
    order, memcg = w.page_block(rec)
    text.append(f"pages o{order} ", DIM)
    if memcg is None:
        text.append("unaccounted", DIM)
        return
    text.append("→ memcg ", DIM)
    _put(text, memcg, hl.hit("object", name, "memcg"), "magenta")
    text.append(" (css ref)", DIM)


# -- the kernel trail -----------------------------------------------------------------------------------
Where = Literal["past", "current", "future"]


def trail_text(line: str, depth: int, where: Where) -> Text:
    """One micro-step of the current command: indented by call depth."""
    marker = {"past": "  ", "current": "▶ ", "future": "  "}[where]
    style = {"past": "", "current": "bold black on yellow", "future": DIM}[where]
    text = Text.assemble((marker, "bold yellow"))
    text.append("  " * depth + line, style)
    return text


def function_call_text(line: str) -> Text:
    """Kernel function names in a trail line (word followed by '(' or ':') in bold."""
    text = Text(line)
    text.highlight_regex(r"\b[a-z_][a-z0-9_]*(?=[(:])", "bold")
    return text


# -- kernel WARNs --------------------------------------------------------------------------------------
_WARN = re.compile(r"^WARNING in (?P<fn>\w+): (?P<msg>.*?)(?: \(WARN_ON_ONCE: (?P<once>.*)\))?$")
_WARN_FILE = {"obj_cgroup_release": "mm/memcontrol.c", "page_counter_cancel": "mm/page_counter.c"}


def warn_function(warning: str) -> str | None:
    match = _WARN.match(warning)
    return match.group("fn") if match else None


def kernel_warning(warning: str, cpu: int | None) -> list[str]:
    """A WARN_ON_ONCE hit as dmesg shows it; a repeat the kernel stays silent about says so."""
    match = _WARN.match(warning)
    if match is None:
        return [warning]
    fn, msg, once = match.group("fn"), match.group("msg"), match.group("once") or ""
    if "already printed" in once:
        return [f"(WARN_ON_ONCE in {fn} hit again: the kernel prints nothing this time)"]
    where = f"CPU: {cpu if cpu is not None else 0}"
    return ["------------[ cut here ]------------",
            f"WARNING: {where} at {_WARN_FILE.get(fn, 'mm/memcontrol.c')} {fn}",
            msg,
            "---[ end trace ]---"]


# -- byte conservation ------------------------------------------------------------------------------------
def conservation(world: World, objcg: str) -> Conservation | None:
    """Byte conservation (spec I1) for one objcg: pages × PAGE_SIZE = live + stocks + leftover."""
    return byte_conservation(world.state, objcg)


def conservation_text(c: Conservation | None) -> Text:
    if c is None:
        return Text("bytes: select an objcg to see its sum", DIM)
    ok = c.holds
    text = Text.assemble(("✓ " if ok else "✗ ", "bold green" if ok else "bold white on red"))
    text.append(f"objcg {c.objcg}: ", "bold")
    text.append(f"{c.pages} pg × {c.page_size} = {c.pages * c.page_size} = ")
    text.append(f"{c.live} live + {c.stocks} in stocks + {c.leftover} nr_charged_bytes")
    if c.inflight:
        text.append(f" + {c.inflight} in flight", "yellow")
    if not ok:
        total = c.live + c.stocks + c.leftover + c.inflight
        text.append(f"  (off by {c.pages * c.page_size - total})", "bold red")
    return text


# -- the header -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Position:
    """Where the cursor is, in the words of the header."""

    command: int | None  # index of the current command
    commands: int
    step_in_command: int  # micro-steps of the current command applied
    steps_in_command: int
    text: str  # the current command's text
    ret: int | None
    next_text: str | None  # the command after the current one, when at its end


def header_text(pos: Position, playing: bool, speed: float, recording: str | None = None) -> Text:
    text = Text.assemble((" objcg-lab ", "bold reverse"))
    if recording is not None:
        text.append(f" ● REC {recording} ", "bold white on red")
    text.append(" v5.9 ", DIM)
    if pos.command is None:
        text.append(f"· start · {pos.commands} command(s) ahead", "bold")
    else:
        text.append(f"· command {pos.command + 1}/{pos.commands} ", "bold")
        text.append(f"· step {pos.step_in_command}/{pos.steps_in_command} ")
        text.append(f"· {pos.text}", "bold cyan")
        if pos.ret is not None and pos.step_in_command == pos.steps_in_command:
            text.append(f" → {errno_name(pos.ret)}", "green" if pos.ret == 0 else "bold red")
    if pos.next_text is not None and (pos.command is None
                                      or pos.step_in_command == pos.steps_in_command):
        text.append(f" · next: {pos.next_text}", DIM)
    text.append("  ▶ playing" if playing else "  paused", "bold green" if playing else DIM)
    text.append(f" {speed:g}/s", DIM)
    return text
