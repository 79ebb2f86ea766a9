"""What a micro-step changed, in terms a screen can highlight: (kind, name, field)."""
from __future__ import annotations

from typing import Any, Iterable

from engine.model import DROP, HOLD, NEW, SET

# Audit and book-keeping fields are not shown as kernel changes.
_HIDDEN = {"expected", "inflight", "seq", "base_pending"}


def changed_fields(changes: Iterable[tuple[Any, ...]]) -> set[tuple[str, str, str]]:
    """{(kind, name, field)} for every record field a list of undo entries touched.

    Holder changes appear as field "refcnt" (and "holders"); a created or dropped
    record appears with field "*".
    """
    out: set[tuple[str, str, str]] = set()
    for entry in changes:
        op = entry[0]
        if op == SET:
            rec, key = entry[1], entry[2]
            if "name" in rec and key not in _HIDDEN:
                out.add((rec["kind"], rec["name"], key))
        elif op == HOLD:
            rec = entry[1]
            out.add((rec["kind"], rec["name"], "holders"))
        elif op in (NEW, DROP):
            rec = entry[3]
            if "name" in rec:
                out.add((rec["kind"], rec["name"], "*"))
    return out
