"""A read-only window onto the machine's live state, for the presentation layer.

Why not `Machine.snapshot()`: with 1,000 memcgs and 10,000 objcgs a snapshot costs
70-120 ms (it copies and sorts every record), more than the whole step budget of the
explorer (50 ms). The explorer therefore reads the engine's record tables in place,
without copying and without ever writing to them. Every engine-internal key the TUI
relies on is read here and only here, so a change of the engine's record layout is a
change of this one module (tests/tui/test_world.py pins it against `snapshot()`).

Records are the engine's dicts; the accessors below name fields as the JSON state does.
"""
from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary
from typing import Any, Iterator, Sequence

from engine.diff import changed_fields
from engine.model import HOLD, SET, State, entries

Record = dict[str, Any]
ROOT = "/"


@dataclass(frozen=True)
class World:
    """The machine's state at the cursor, seen read-only."""

    state: State

    # -- configuration -------------------------------------------------------------
    @property
    def page_size(self) -> int:
        return int(self.state.sys["page_size"])

    @property
    def batch(self) -> int:
        return int(self.state.sys["charge_batch"])

    @property
    def v1(self) -> bool:
        """cgroup v1: memcgs also have the kmem counter."""
        return self.state.sys.get("cgroup") == "v1"

    # -- tables ------------------------------------------------------------------------
    def memcg(self, name: str) -> Record | None:
        return self.state.memcgs.get(name)

    def objcg(self, name: str) -> Record | None:
        return self.state.objcgs.get(name)

    def object(self, name: str) -> Record | None:
        return self.state.objects.get(name)

    def cpus(self) -> list[Record]:
        return sorted(self.state.cpus.values(), key=lambda c: c["cpu"])

    def work(self) -> tuple[Any, ...]:
        """Deferred work waiting to run, in queue order (engine.kernel.work's entries)."""
        return tuple(self.state.sys.get("work", ()))

    def objcgs(self) -> list[Record]:
        """Every objcg ever created, in creation order (stable from step to step)."""
        return _in_order(self.state, "objcgs")

    def objects(self) -> list[Record]:
        return _in_order(self.state, "objects")

    def tasks(self) -> list[Record]:
        return sorted(self.state.tasks.values(), key=_seq)

    def memcg_names(self) -> list[str]:
        return [m["name"] for m in sorted(self.state.memcgs.values(), key=_seq)]

    def children(self, name: str) -> tuple[str, ...]:
        """Child memcgs in creation order, dead ones included."""
        rec = self.state.memcgs[name]
        return tuple(rec["children"])

    def walk(self, top: str = ROOT) -> Iterator[tuple[Record, int]]:
        """Depth-first (memcg, depth) from `top`, children in creation order."""
        todo: list[tuple[str, int]] = [(top, 0)]
        memcgs = self.state.memcgs
        while todo:
            name, depth = todo.pop()
            rec = memcgs.get(name)
            if rec is None:
                continue
            yield rec, depth
            todo.extend((child, depth + 1) for child in reversed(rec["children"]))

    def live_paths(self) -> list[str]:
        """Paths of cgroups that exist in the filesystem now (for completion)."""
        return sorted(self.state.paths)


# -- field accessors: the JSON state's names over the engine's records --------------------
class Reads:
    """What one row's drawing read: records as (kind, name), or something untracked."""

    def __init__(self) -> None:
        self.keys: set[tuple[str, str]] = set()
        self.opaque = False


class WatchedWorld:
    """A World that notes which records are read (the accessors rows use), for
    tui.widgets.rowmemo; reading anything else marks the reads opaque."""

    def __init__(self, world: World, reads: Reads) -> None:
        self._world, self._reads = world, reads

    def memcg(self, name: str) -> Any:
        self._reads.keys.add(("memcg", name))
        return self._world.memcg(name)

    def objcg(self, name: str) -> Any:
        self._reads.keys.add(("objcg", name))
        return self._world.objcg(name)

    def object(self, name: str) -> Any:
        self._reads.keys.add(("object", name))
        return self._world.object(name)

    def children(self, name: str) -> tuple[str, ...]:
        self._reads.keys.add(("memcg", name))
        return self._world.children(name)

    def cpus(self) -> Any:
        self._reads.keys.add(("cpu", "*"))
        return self._world.cpus()

    def work(self) -> tuple[Any, ...]:
        self._reads.keys.add(("sys", "work"))
        return self._world.work()

    @property
    def page_size(self) -> int:
        self._reads.keys.add(("sys", "page_size"))
        return self._world.page_size

    @property
    def batch(self) -> int:
        self._reads.keys.add(("sys", "charge_batch"))
        return self._world.batch

    @property
    def v1(self) -> bool:
        self._reads.keys.add(("sys", "cgroup"))
        return self._world.v1

    def __getattr__(self, name: str) -> Any:
        self._reads.opaque = True
        return getattr(self._world, name)


def css_refs(memcg: Record) -> int | None:
    return None if memcg["name"] == ROOT else int(memcg["refcnt"])


def holders(rec: Record) -> dict[str, int]:
    return dict(rec["holders"])


def objcg_list(memcg: Record) -> tuple[str, ...]:
    return tuple(memcg["objcg_list"])


def charged_pages(objcg: Record) -> int:
    """The simulator's audit: pages charged on behalf of this objcg."""
    return int(objcg["pages"])


def live_bytes(objcg: Record) -> int:
    """The simulator's audit: bytes of live objects bound to this objcg."""
    return int(objcg["live"])


def _seq(rec: Record) -> int:
    return int(rec["seq"])


# Sorting 10,000 objcgs by creation takes ~8 ms, most of a step's budget, and the order
# only changes when records come or go: keep the last order per table while the table
# holds the same keys (a tuple of keys compares in C, ~0.2 ms).
_ORDER: WeakKeyDictionary[State, dict[str, tuple[tuple[str, ...], list[Record]]]] = WeakKeyDictionary()


def _in_order(state: State, table: str) -> list[Record]:
    rows = state.tables[table]
    keys = tuple(rows)
    cache = _ORDER.setdefault(state, {})
    hit = cache.get(table)
    if hit is not None and hit[0] == keys:
        return hit[1]
    ordered = sorted(rows.values(), key=_seq)
    cache[table] = (keys, ordered)
    return ordered


def field_swings(changes: Sequence[Any]) -> dict[tuple[str, str, str], tuple[Any, Any]]:
    """{(kind, name, field): (old, new)} for the plain field writes of one micro-step.

    The screen shows a pointer "swinging" (old -> new) while the step that moved it is
    the current one. Reads the undo log through `engine.model.entries` (SET entries are
    (SET, record, key, old, new)); the first old and the last new value win.
    """
    out: dict[tuple[str, str, str], tuple[Any, Any]] = {}
    for op, rec, key, old, new in entries(changes):
        if op != SET or "name" not in rec or "kind" not in rec:
            continue
        ident = (rec["kind"], rec["name"], key)
        first = out[ident][0] if ident in out else old
        out[ident] = (first, new)
    return out


def changed(changes: Sequence[Any]) -> set[tuple[str, str, str]]:
    """engine.diff.changed_fields over a step's undo log."""
    return changed_fields(changes)


def records_touched(changes: Sequence[Any]) -> set[tuple[str, str]]:
    """{(kind, name)} of every record a step's undo log wrote, hidden fields included,
    with (kind, "*") for its table. The unnamed sys record counts by field:
    ("sys", "page_size") and so on."""
    out: set[tuple[str, str]] = set()
    for op, a, b, c, _d in entries(changes):
        rec = a if op in (SET, HOLD) else c  # NEW and DROP: the record is the third item
        if not isinstance(rec, dict):
            out.add(("?", "*"))
            continue
        kind = str(rec.get("kind", "?"))
        out.add((kind, "*"))
        if "name" in rec:
            out.add((kind, str(rec["name"])))
        elif op == SET:
            out.add((kind, str(b)))
    return out



# -- page-charged kmem (alloc_pages) and the v1 kmem counter -----------------------------------
def object_kind(rec: Record) -> str:
    """"slab" (charged through an objcg) or "pages" (charged to a memcg it pins)."""
    return str(rec.get("type", "slab"))


def page_pins(rec: Record) -> list[str]:
    """The page objects holding a css reference on this memcg (holder "page:NAME")."""
    return [h.split(":", 1)[1] for h in rec["holders"] if h.startswith("page:")]


def kmem_counter(rec: Record) -> tuple[int, int | None, int]:
    """The v1 kmem counter of a memcg: usage, max (None: unlimited), failcnt, in pages."""
    return rec["kmem_usage"], rec["kmem_max"], rec["kmem_failcnt"]
