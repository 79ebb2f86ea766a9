"""__memcg_kmem_uncharge(): how whole kmem pages leave a memcg.

v5.9 uncharges the page counters directly. From v5.11 (3de7d4f25a74, "optimize objcg
stock draining") the memory counter's pages go to the current CPU's page stock with
refill_stock() instead (v1 still uncharges the kmem counter at once), so a later charge
on that CPU can take them back without touching the counters.
"""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import Kernel, Steps, kfunc
from engine.kernel.page_counter import KMEM, page_counter_uncharge


def memcg_kmem_uncharge(k: Kernel, memcg: str, nr_pages: int) -> None:
    """__memcg_kmem_uncharge(), v5.9: v1 uncharges memcg->kmem, then both uncharge
    `memory` directly (no step of its own: the caller's step shows it)."""
    if k.v1:
        page_counter_uncharge(k, memcg, nr_pages, KMEM)
    page_counter_uncharge(k, memcg, nr_pages)


def hand_over(k: Kernel, memcg: str, nr_pages: int) -> None:
    """The caller gives nr_pages it booked (an objcg's or a page's) to an uncharge: from
    now they are in hand, until a page stock or the counters take them (engine.kernel.audit)."""
    audit.inflight_pages(k, memcg, nr_pages)
    if k.v1:
        audit.kmem_inflight(k, memcg, nr_pages)


@kfunc
def __memcg_kmem_uncharge(k: Kernel, memcg: str, nr_pages: int) -> Steps:
    """__memcg_kmem_uncharge() from v5.11 (mm/memcontrol.c 5.11.14 l.3109-3115): the v1
    kmem counter is uncharged at once, the memory pages go to this CPU's page stock
    (refill_stock). Takes pages the caller handed over (hand_over)."""
    if k.v1:
        page_counter_uncharge(k, memcg, nr_pages, KMEM)
        audit.kmem_inflight(k, memcg, -nr_pages)
    yield ("__memcg_kmem_uncharge.refill", memcg, nr_pages, k.current_cpu)
    yield from _stock().refill_stock(k, memcg, nr_pages)


_STOCK: list = []


def _stock():  # type: ignore[no-untyped-def]
    """engine.kernel.stock, imported at first use (stock -> refs -> this module)."""
    if not _STOCK:
        from engine.kernel import stock

        _STOCK.append(stock)
    return _STOCK[0]
