"""The simulated kernel state and the one narrow path through which it changes.

Every change to the state goes through `State.set`, `State.new` or `State.drop`. In
recording mode each call appends an undo entry to `State.log`, so the machine can cut
the log into micro-steps, undo and redo them, and tell the UI exactly what changed.

Records are plain dicts (fast, and trivially turned into JSON). A record's identity
never changes: undo, redo and checkpoint restore all mutate the same dict objects in
place, so log entries can hold direct references to them.
"""
from __future__ import annotations

from typing import Any, Iterator

Record = dict[str, Any]

MISSING: Any = object()  # "this key was absent", in undo entries

# Log entry op codes. HOLD is a SET on rec["holders"] that also names the record.
SET, NEW, DROP, HOLD = 0, 1, 2, 3

TABLES = ("sys", "memcgs", "objcgs", "cpus", "tasks", "objects", "paths", "gens")


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
        self.log: list[tuple[Any, ...]] | None = [] if recording else None

    # -- the mutation path ---------------------------------------------------
    def set(self, d: dict[Any, Any], key: Any, value: Any) -> None:
        """Set d[key] (a record field or a holder count); MISSING deletes it."""
        old = d.get(key, MISSING)
        if value is MISSING:
            del d[key]
        else:
            d[key] = value
        if self.log is not None:
            self.log.append((SET, d, key, old, value))

    def add(self, d: dict[Any, Any], key: Any, delta: int) -> None:
        """Add delta to an integer field."""
        self.set(d, key, d[key] + delta)

    def new(self, table: str, key: str, record: Record) -> Record:
        """Insert a new record; it gets the next creation sequence number."""
        seq = self.sys["seq"]
        self.set(self.sys, "seq", seq + 1)
        record["seq"] = seq
        record.setdefault("holders", {})
        self.tables[table][key] = record
        if self.log is not None:
            self.log.append((NEW, table, key, record, _copy_record(record)))
        return record

    def drop(self, table: str, key: str) -> None:
        """Remove a record (a freed object, an exited task, a removed path)."""
        record = self.tables[table].pop(key)
        if self.log is not None:
            self.log.append((DROP, table, key, record))

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
            self.log.append((HOLD, rec, holder, old, count))
        refcnt = rec["refcnt"] + delta
        self.set(rec, "refcnt", refcnt)
        return refcnt

    # -- undo / redo of log entries -------------------------------------------
    def undo(self, entries: list[tuple[Any, ...]]) -> None:
        for entry in reversed(entries):
            op = entry[0]
            if op == SET:
                _, d, key, old, _new = entry
                if old is MISSING:
                    del d[key]
                else:
                    d[key] = old
            elif op == HOLD:
                _set_count(entry[1]["holders"], entry[2], entry[3])
            elif op == NEW:
                del self.tables[entry[1]][entry[2]]
            else:
                self.tables[entry[1]][entry[2]] = entry[3]

    def redo(self, entries: list[tuple[Any, ...]]) -> None:
        for entry in entries:
            op = entry[0]
            if op == SET:
                _, d, key, _old, new = entry
                if new is MISSING:
                    del d[key]
                else:
                    d[key] = new
            elif op == HOLD:
                _set_count(entry[1]["holders"], entry[2], entry[4])
            elif op == NEW:
                _, table, key, record, initial = entry
                _restore_record(record, initial)
                self.tables[table][key] = record
            else:
                del self.tables[entry[1]][entry[2]]

    # -- checkpoints -----------------------------------------------------------
    def checkpoint(self) -> dict[str, list[tuple[str, Record, Record]]]:
        """A copy of every record's contents, restorable in place."""
        return {
            name: [(key, rec, _copy_record(rec)) for key, rec in table.items()]
            for name, table in self.tables.items()
        }

    def restore(self, checkpoint: dict[str, list[tuple[str, Record, Record]]]) -> None:
        for name, rows in checkpoint.items():
            table = self.tables[name]
            table.clear()
            for key, rec, saved in rows:
                _restore_record(rec, saved)
                table[key] = rec

    def in_order(self, table: str) -> Iterator[Record]:
        """Records of a table in creation order (stable whatever undo did)."""
        rows = self.tables[table].values()
        return iter(sorted(rows, key=lambda r: r["seq"]))


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
