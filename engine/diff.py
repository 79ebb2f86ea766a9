"""What a micro-step changed, in terms a screen can highlight: (kind, name, field)."""
from __future__ import annotations

from typing import Any, Sequence

from engine.model import HOLD, SET, entries

# Audit and book-keeping fields are not shown as kernel changes.
_HIDDEN = {"expected", "inflight", "seq", "killing", "kfreed", "dropping", "listed",
           "kmem_expected", "kmem_inflight", "kmem_unbacked"}


def changed_fields(changes: Sequence[Any]) -> set[tuple[str, str, str]]:
    """{(kind, name, field)} for every record field a step's undo log touched.

    Holder changes appear as field "refcnt" (and "holders"); a created or dropped
    record appears with field "*".
    """
    out: set[tuple[str, str, str]] = set()
    for op, a, b, c, _d in entries(changes):
        if op == SET:
            if "name" in a and b not in _HIDDEN:
                out.add((a["kind"], a["name"], b))
        elif op == HOLD:
            out.add((a["kind"], a["name"], "holders"))
        elif "name" in c:  # NEW, DROP
            out.add((c["kind"], c["name"], "*"))
    return out
