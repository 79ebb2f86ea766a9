"""The simulated kernel state and the one narrow path through which it changes.

Every change to the state goes through `State.set`, `State.hold`, `State.new` or
`State.drop`. In recording mode each call appends an undo entry to `State.log`, so the
machine can cut the log into micro-steps, undo and redo them, and tell the UI exactly
what changed. The log is flat, five slots an entry (op, a, b, c, d), to keep a long
history small: see `entries()`.

Records are plain dicts (fast, and trivially turned into JSON). A record's identity
never changes: undo, redo and checkpoint restore all mutate the same dict objects in
place, so log entries can hold direct references to them.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

Record = dict[str, Any]

# Log entry op codes. HOLD is a SET on rec["holders"] that also names the record.
SET, NEW, DROP, HOLD = 0, 1, 2, 3

TABLES = ("sys", "memcgs", "objcgs", "cpus", "tasks", "objects", "paths", "gens",
          "caches", "slabs")  # caches, slabs: engine.kernel.slab_pages


class State:
    """All simulated kernel state: tables of records keyed by name."""

    def __init__(self, recording: bool = True) -> None:
        self.tables: dict[str, dict[str, Record]] = {t: {} for t in TABLES}
        self.memcgs = self.tables["memcgs"]
        self.objcgs = self.tables["objcgs"]
        self.cpus = self.tables["cpus"]
        self.tasks = self.tables["tasks"]
        self.objects = self.tables["objects"]
        self.paths = self.tables["paths"]
        self.sys: Record = {"seq": 0, "warned": (), "kind": "sys"}
        self.tables["sys"]["sys"] = self.sys
        self.log: list[Any] | None = [] if recording else None
        if not recording:  # fast mode: the same mutation path without the undo log
            self.set = _set_unlogged  # type: ignore[method-assign]
            self.add = _add_unlogged  # type: ignore[method-assign]

    # -- the mutation path ---------------------------------------------------
    def set(self, d: dict[Any, Any], key: Any, value: Any) -> None:
        """Set an existing field of a record."""
        old = d[key]
        d[key] = value
        if self.log is not None:
            self.log += (SET, d, key, old, value)

    def add(self, d: dict[Any, Any], key: Any, delta: int) -> None:
        """Add delta to an integer field."""
        self.set(d, key, d[key] + delta)

    def new(self, table: str, key: str, record: Record) -> Record:
        """Insert a new record; it gets the next creation sequence number."""
        seq = self.sys["seq"]
        self.set(self.sys, "seq", seq + 1)
        record["seq"] = seq
        self.tables[table][key] = record
        if self.log is not None:
            self.log += (NEW, table, key, record, _copy_record(record))
        return record

    def drop(self, table: str, key: str) -> None:
        """Remove a record (a freed object, an exited task, a removed path). The log keeps
        a copy of its values: a checkpoint restore does not touch records absent from
        it, so undoing the drop after one must bring the values back too."""
        record = self.tables[table].pop(key)
        if self.log is not None:
            self.log += (DROP, table, key, record, _copy_record(record))

    def hold(self, rec: Record, holder: str, delta: int = 1) -> int:
        """Change a named holder's count on a refcounted record; returns the new refcnt."""
        holders = rec["holders"]
        old = holders.get(holder, 0)
        count = old + delta
        if count:
            holders[holder] = count
        else:
            del holders[holder]
        if self.log is not None:
            self.log += (HOLD, rec, holder, old, count)
        refcnt = rec["refcnt"] + delta
        rec["refcnt"] = refcnt
        if self.log is not None:
            self.log += (SET, rec, "refcnt", refcnt - delta, refcnt)
        return refcnt

    # -- undo / redo of log entries -------------------------------------------
    def undo(self, log: Sequence[Any]) -> None:
        tables = self.tables
        for i in range(len(log) - 5, -1, -5):
            op, a, b, old, _new = log[i:i + 5]
            if op == SET:
                a[b] = old
            elif op == HOLD:
                _set_count(a["holders"], b, old)
            elif op == NEW:
                del tables[a][b]
            else:  # DROP: old is the record, _new the copy of its values when dropped
                _restore_record(old, _new)
                tables[a][b] = old

    def redo(self, log: Sequence[Any]) -> None:
        tables = self.tables
        for i in range(0, len(log), 5):
            op, a, b, c, new = log[i:i + 5]
            if op == SET:
                a[b] = new
            elif op == HOLD:
                _set_count(a["holders"], b, new)
            elif op == NEW:
                _restore_record(c, new)
                tables[a][b] = c
            else:
                del tables[a][b]

    # -- checkpoints -----------------------------------------------------------
    def checkpoint(self) -> dict[str, list[tuple[str, Record, tuple[Any, ...], Any]]]:
        """Every record's values, compact (keys shared), restorable in place."""
        shape: dict[tuple[str, ...], tuple[str, ...]] = {}
        saved = {}
        for name, table in self.tables.items():
            rows = []
            for key, rec in table.items():
                keys = tuple(rec)
                keys = shape.setdefault(keys, keys)
                holders = rec.get("holders")
                rows.append((key, rec, keys, tuple(rec.values()),
                             None if holders is None else tuple(holders.items())))
            saved[name] = rows
        return saved

    def restore(self, checkpoint: dict[str, list[Any]]) -> None:
        for name, rows in checkpoint.items():
            table = self.tables[name]
            table.clear()
            for key, rec, keys, values, holders in rows:
                kept = rec.get("holders")
                rec.clear()
                rec.update(zip(keys, values))
                if holders is not None:
                    kept.clear()
                    kept.update(holders)
                    rec["holders"] = kept
                table[key] = rec

    def in_order(self, table: str) -> Iterator[Record]:
        """Records of a table in creation order (stable whatever undo did)."""
        rows = self.tables[table].values()
        return iter(sorted(rows, key=lambda r: r["seq"]))


def _set_unlogged(d: dict[Any, Any], key: Any, value: Any) -> None:
    d[key] = value


def _add_unlogged(d: dict[Any, Any], key: Any, delta: int) -> None:
    d[key] += delta


def entries(log: Sequence[Any]) -> list[tuple[Any, ...]]:
    """A flat log as (op, a, b, c, d) tuples: SET (rec, key, old, new), HOLD (rec, holder,
    old count, new count), NEW (table, key, record, initial copy), DROP (table, key, record,
    copy when dropped)."""
    return [tuple(log[i:i + 5]) for i in range(0, len(log), 5)]


def _set_count(holders: dict[str, int], holder: str, count: int) -> None:
    if count:
        holders[holder] = count
    else:
        holders.pop(holder, None)


def _copy_record(rec: Record) -> Record:
    saved = dict(rec)
    if "holders" in rec:
        saved["holders"] = dict(rec["holders"])
    return saved


def _restore_record(rec: Record, saved: Record) -> None:
    holders = rec.get("holders")
    rec.clear()
    rec.update(saved)
    if holders is not None:
        holders.clear()
        holders.update(saved["holders"])
        rec["holders"] = holders
