"""Byte conservation (invariant I1, engine/invariants.py) of one objcg, as the terms of its sum: what the
invariant checks and what the explorer's status line shows, computed in one place."""
from __future__ import annotations

from typing import NamedTuple

from engine.model import State


class Conservation(NamedTuple):  # a NamedTuple: built after every micro-step, cheaply
    """pages × page_size = live + stocks + leftover + inflight, for one objcg."""

    objcg: str
    pages: int  # charged on its behalf, not yet uncharged (P)
    page_size: int
    live: int  # bytes charged through it and not uncharged (L)
    stocks: int  # bytes in the CPU byte stocks that cache it
    leftover: int  # nr_charged_bytes
    inflight: int  # bytes in hand inside a kernel function (0 between commands)
    released: bool = False  # obj_cgroup_release ran: the sum no longer applies

    @property
    def warned(self) -> bool:
        """Released with nr_charged_bytes not a whole number of pages: the WARN in
        obj_cgroup_release, and pages that stay charged (or were uncharged twice)."""
        return self.released and self.leftover % self.page_size != 0

    @property
    def holds(self) -> bool:
        return self.pages * self.page_size == self.live + self.stocks + self.leftover + self.inflight


def byte_conservation(st: State, objcg: str) -> Conservation | None:
    """The sum for objcg in this state (None: no such objcg)."""
    rec = st.objcgs.get(objcg)
    if rec is None:
        return None
    stocks = sum(c["nr_bytes"] for c in st.cpus.values() if c["cached_objcg"] == objcg)
    return Conservation(objcg, rec["pages"], st.sys["page_size"], rec["live"], stocks,
                        rec["nr_charged_bytes"], rec["inflight"], rec["state"] == "released")
