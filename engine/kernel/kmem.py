"""__memcg_kmem_uncharge(), v5.9 form: straight to the page counters, never the stock."""
from __future__ import annotations

from engine.kernel.base import Kernel
from engine.kernel.page_counter import KMEM, page_counter_uncharge


def memcg_kmem_uncharge(k: Kernel, memcg: str, nr_pages: int) -> None:
    """__memcg_kmem_uncharge(): v1 uncharges memcg->kmem, then both uncharge `memory`
    directly (v5.11 went via the stock)."""
    if k.v1:
        page_counter_uncharge(k, memcg, nr_pages, KMEM)
    page_counter_uncharge(k, memcg, nr_pages)
