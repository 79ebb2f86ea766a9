"""Book-keeping that is not kernel state: who a charged page or byte belongs to.

The kernel keeps only the counters. To check the invariants after every micro-step (I1
byte conservation, I5 usage decomposition: engine/invariants.py) the simulator also tracks, per objcg, the pages
charged on its behalf (P), its live bytes (L) and bytes "in hand" inside a function
call, and per memcg the pages that try_charge has charged but not yet handed to a stock
or an objcg. `expected` on each memcg is the running sum of those terms over the memcgs
its memory counter covers, updated here and never by the page-counter code, so
comparing it with `usage` really checks the kernel arithmetic.

cgroup v1 adds the kmem counter: `kmem_expected` is the running sum of P(O) of the
objcgs, the pages of page-charged objects and the kmem pages in hand, with no stock
term (the kmem counter is charged exactly, never in batches).
"""
from __future__ import annotations

from engine.kernel.base import Kernel


def attribute(k: Kernel, memcg: str, pages: int, key: str = "expected") -> None:
    """Add pages to `key` of memcg and every counter parent (only the checks read it)."""
    if not pages or not k.books:
        return
    st = k.st
    memcgs = st.memcgs
    node: str | None = memcg
    while node is not None:
        rec = memcgs[node]
        st.set(rec, key, rec[key] + pages)
        node = rec["counter_parent"]


def objcg_pages(k: Kernel, objcg: str, pages: int) -> None:
    """P(O) changes: pages charged (or uncharged) on behalf of an objcg."""
    rec = k.objcgs[objcg]
    k.st.add(rec, "pages", pages)
    attribute(k, rec["memcg"], pages)
    if k.v1:
        attribute(k, rec["memcg"], pages, "kmem_expected")


def inflight_pages(k: Kernel, memcg: str, pages: int) -> None:
    """Pages try_charge charged that no stock or objcg holds yet (or no longer)."""
    k.st.add(k.memcgs[memcg], "inflight", pages)
    attribute(k, memcg, pages)


def kmem_inflight(k: Kernel, memcg: str, pages: int) -> None:
    """v1: pages __memcg_kmem_charge charged to the kmem counter, not yet handed on."""
    k.st.add(k.memcgs[memcg], "kmem_inflight", pages)
    attribute(k, memcg, pages, "kmem_expected")


def page_object(k: Kernel, memcg: str, pages: int) -> None:
    """Pages of a page-charged object (alloc_pages) join or leave memcg's books."""
    attribute(k, memcg, pages)
    if k.v1:
        attribute(k, memcg, pages, "kmem_expected")


def stock_pages(k: Kernel, cpu: int, pages: int) -> None:
    """A page stock's nr_pages changes by `pages` (its memcg is `cached`)."""
    rec = k.cpu(cpu)
    k.st.add(rec, "nr_pages", pages)
    attribute(k, rec["cached"], pages)
