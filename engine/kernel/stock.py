"""The per-CPU page stock of memcg_stock_pcp: pre-charged pages of one memcg per CPU."""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import Kernel, Steps, kfunc
from engine.kernel.locks import irq_off, irq_on
from engine.kernel.page_counter import page_counter_uncharge
from engine.kernel.refs import css_get, css_put


@kfunc
def consume_stock(k: Kernel, memcg: str, nr_pages: int) -> Steps:
    """consume_stock(): take nr_pages from this CPU's stock if it caches memcg."""
    cpu = k.current_cpu
    stock = k.cpu(cpu)
    if nr_pages > k.batch:
        yield ("consume_stock.too_big", cpu, nr_pages, k.batch)
        return False
    depth = irq_off(k) if k.fine else 0
    if stock["cached"] != memcg or stock["nr_pages"] < nr_pages:
        yield ("consume_stock.miss", cpu, memcg, nr_pages, stock["cached"], stock["nr_pages"])
        if k.fine:
            irq_on(k, depth)
        return False
    audit.stock_pages(k, cpu, -nr_pages)
    audit.inflight_pages(k, memcg, nr_pages)
    yield ("consume_stock.hit", cpu, memcg, nr_pages, stock["nr_pages"])
    if k.fine:
        irq_on(k, depth)
    return True


@kfunc
def drain_stock(k: Kernel, cpu: int) -> Steps:
    """drain_stock(): uncharge the stocked pages and drop the css reference on cached."""
    stock = k.cpu(cpu)
    old = stock["cached"]
    if old is None:
        return
    nr_pages = stock["nr_pages"]
    if nr_pages:
        audit.stock_pages(k, cpu, -nr_pages)
        page_counter_uncharge(k, old, nr_pages)
    k.st.set(stock, "cached", None)
    css_put(k, old, f"stock:cpu{cpu}")
    yield ("drain_stock.drained", cpu, old, nr_pages)


@kfunc
def refill_stock(k: Kernel, memcg: str, nr_pages: int) -> Steps:
    """refill_stock(): park pre-charged pages in this CPU's stock; drain above the batch."""
    cpu = k.current_cpu
    stock = k.cpu(cpu)
    depth = irq_off(k) if k.fine else 0
    if stock["cached"] != memcg:
        yield from drain_stock(k, cpu)
        css_get(k, memcg, f"stock:cpu{cpu}")
        k.st.set(stock, "cached", memcg)
    audit.inflight_pages(k, memcg, -nr_pages)
    audit.stock_pages(k, cpu, nr_pages)
    yield ("refill_stock.added", cpu, memcg, nr_pages, stock["nr_pages"])
    if stock["nr_pages"] > k.batch:
        yield ("refill_stock.over_batch", cpu, stock["nr_pages"], k.batch)
        yield from drain_stock(k, cpu)
    if k.fine:
        irq_on(k, depth)
