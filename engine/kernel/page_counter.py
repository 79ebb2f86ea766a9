"""mm/page_counter.c: hierarchical page counters (v2 `memory` only)."""
from __future__ import annotations

from engine.kernel.base import Kernel


def page_counter_try_charge(k: Kernel, memcg: str, nr_pages: int) -> str | None:
    """page_counter_try_charge(): charge every level or none; returns the refusing memcg."""
    st = k.st
    charged = []
    for name in k.ancestry(memcg):
        rec = st.memcgs[name]
        new = rec["usage"] + nr_pages
        limit = rec["max"]
        if limit is not None and new > limit:
            st.add(rec, "failcnt", 1)  # only the refusing level counts the failure
            for done in charged:
                st.add(st.memcgs[done], "usage", -nr_pages)
            return name
        st.set(rec, "usage", new)
        if new > rec["watermark"]:
            st.set(rec, "watermark", new)  # lower levels keep it even if a higher one refuses
        charged.append(name)
    return None


def page_counter_charge(k: Kernel, memcg: str, nr_pages: int) -> None:
    """page_counter_charge(): charge every level, ignoring limits."""
    st = k.st
    for name in k.ancestry(memcg):
        rec = st.memcgs[name]
        new = rec["usage"] + nr_pages
        st.set(rec, "usage", new)
        if new > rec["watermark"]:
            st.set(rec, "watermark", new)


def page_counter_uncharge(k: Kernel, memcg: str, nr_pages: int) -> None:
    """page_counter_uncharge(): subtract at every level; negative usage warns, unclamped."""
    st = k.st
    for name in k.ancestry(memcg):
        rec = st.memcgs[name]
        new = rec["usage"] - nr_pages
        st.set(rec, "usage", new)
        if new < 0:
            k.warn_once(
                "page_counter_cancel",
                f"WARNING in page_counter_cancel: {name} usage went negative ({new} pages)",
            )
