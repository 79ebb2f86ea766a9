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
    # Figures a pending prediction asks about, (kind, name, field): drawn as MASK ("?")
    # until the learner answers (engine.lessons.mask decides the keys).
    masked: frozenset[tuple[str, str, str]] = frozenset()

    def hides(self, kind: str, name: str, *fields: str) -> bool:
        """Must any of `fields` of this record be drawn as '?'?"""
        m = self.masked
        return bool(m) and any((kind, name, f) in m for f in fields)

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


def hides_step(masked: frozenset[tuple[str, str, str]], changed: Iterable[tuple[str, str, str]]) -> bool:
    """Did a micro-step change a masked figure (or create or drop its record)? Its trail
    line would then give the answer away."""
    if not masked:
        return False
    records = {(k, n) for k, n, _ in masked}
    return any(key in masked or (key[2] == "*" and key[:2] in records) for key in changed)


def structural(changed: Iterable[tuple[str, str, str]]) -> bool:
    """Does a change alter which rows exist (so layouts must be rebuilt)?"""
    for kind, _name, fld in changed:
        if fld == "*" or (kind == "memcg" and fld in ("objcg_list", "objcg", "state", "children")):
            return True
        if kind == "objcg" and fld == "state":
            return True
    return False
