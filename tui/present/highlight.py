"""What the current micro-step changed; every figure it names is drawn "changed"."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable


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
