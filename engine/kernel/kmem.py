"""__memcg_kmem_uncharge(), v5.9 form: straight to the page counter, never the stock."""
from __future__ import annotations

from engine.kernel.base import Kernel
from engine.kernel.page_counter import page_counter_uncharge


def memcg_kmem_uncharge(k: Kernel, memcg: str, nr_pages: int) -> None:
    """__memcg_kmem_uncharge(): v2 uncharges `memory` directly (v5.11 went via the stock)."""
    page_counter_uncharge(k, memcg, nr_pages)
