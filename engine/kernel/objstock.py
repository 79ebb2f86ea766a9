"""The per-CPU byte stock of memcg_stock_pcp: pre-charged bytes of one objcg per CPU."""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import Kernel, Steps, kfunc
from engine.kernel.kmem import __memcg_kmem_uncharge, hand_over, memcg_kmem_uncharge
from engine.kernel.refs import obj_cgroup_get, obj_cgroup_put


@kfunc
def consume_obj_stock(k: Kernel, objcg: str, nr_bytes: int) -> Steps:
    """consume_obj_stock(): serve nr_bytes from this CPU's byte stock if it caches objcg."""
    cpu = k.current_cpu
    stock = k.cpu(cpu)
    cached, have = stock["cached_objcg"], stock["nr_bytes"]
    if cached != objcg or have < nr_bytes:  # the boundary is inclusive: 4096 serves 4096
        yield ("consume_obj_stock.miss", cpu, objcg, nr_bytes, cached, have)
        return False
    st = k.st
    st.set(stock, "nr_bytes", have - nr_bytes)
    st.add(k.objcgs[objcg], "live", nr_bytes)
    yield ("consume_obj_stock.hit", cpu, objcg, nr_bytes, have - nr_bytes)
    return True


@kfunc
def drain_obj_stock(k: Kernel, cpu: int) -> Steps:
    """drain_obj_stock(): whole pages uncharged, the rest to the objcg's nr_charged_bytes."""
    st, ps = k.st, k.page_size
    stock = k.cpu(cpu)
    old = stock["cached_objcg"]
    if old is None:
        return
    nr_bytes = stock["nr_bytes"]
    if nr_bytes and nr_bytes >= ps and k.has("uncharge_through_page_stock"):
        yield from drain_pages_to_stock(k, cpu, old, nr_bytes)
    elif nr_bytes:
        nr_pages, rem = divmod(nr_bytes, ps)
        rec = k.objcgs[old]
        memcg = rec["memcg"]  # the objcg's *current* memcg: a parent after reparenting
        if nr_pages:
            audit.objcg_pages(k, old, -nr_pages)
            memcg_kmem_uncharge(k, memcg, nr_pages)
        st.add(rec, "nr_charged_bytes", rem)
        st.set(stock, "nr_bytes", 0)
        yield ("drain_obj_stock.flush", cpu, old, nr_bytes, nr_pages, memcg, rem,
               rec["nr_charged_bytes"])
    # The kernel puts the reference before clearing cached_objcg; clearing first keeps
    # every micro-step consistent (stock caches O <=> O holds "stock:cpuN").
    st.set(stock, "cached_objcg", None)
    yield from obj_cgroup_put(k, old, f"stock:cpu{cpu}")


def drain_pages_to_stock(k: Kernel, cpu: int, old: str, nr_bytes: int) -> Steps:
    """drain_obj_stock() from v5.11: the whole pages go to __memcg_kmem_uncharge, which
    puts them in this CPU's page stock (3de7d4f25a74), then the rest to nr_charged_bytes.
    (Not a kfunc: its steps are drain_obj_stock's.) The stock's count drops by the whole
    pages as they are handed over; the kernel zeroes it after the uncharge."""
    st, ps = k.st, k.page_size
    stock, rec = k.cpu(cpu), k.objcgs[old]
    nr_pages, rem = divmod(nr_bytes, ps)
    memcg = rec["memcg"]
    audit.objcg_pages(k, old, -nr_pages)
    hand_over(k, memcg, nr_pages)
    st.set(stock, "nr_bytes", rem)
    yield ("drain_obj_stock.pages", cpu, old, nr_bytes, nr_pages, memcg, rem)
    yield from __memcg_kmem_uncharge(k, memcg, nr_pages)
    st.add(rec, "nr_charged_bytes", rem)
    st.set(stock, "nr_bytes", 0)
    yield ("drain_obj_stock.rest", cpu, old, rem, rec["nr_charged_bytes"])


@kfunc
def refill_obj_stock(k: Kernel, objcg: str, nr_bytes: int) -> Steps:
    """refill_obj_stock(): put bytes in this CPU's byte stock; drain above PAGE_SIZE."""
    st = k.st
    cpu = k.current_cpu
    stock = k.cpu(cpu)
    rec = k.objcgs[objcg]
    if stock["cached_objcg"] != objcg:
        yield ("refill_obj_stock.switch", cpu, stock["cached_objcg"], objcg)
        yield from drain_obj_stock(k, cpu)
        obj_cgroup_get(k, objcg, f"stock:cpu{cpu}")
        st.set(stock, "cached_objcg", objcg)
        leftover = rec["nr_charged_bytes"]
        st.set(rec, "nr_charged_bytes", 0)  # atomic_xchg(&objcg->nr_charged_bytes, 0)
        st.set(stock, "nr_bytes", leftover)
        yield ("refill_obj_stock.xchg", cpu, objcg, leftover)
    st.add(rec, "inflight", -nr_bytes)
    st.set(stock, "nr_bytes", stock["nr_bytes"] + nr_bytes)
    yield ("refill_obj_stock.added", cpu, objcg, nr_bytes, stock["nr_bytes"])
    if stock["nr_bytes"] > k.page_size:  # strictly more: a whole page may stay parked
        yield ("refill_obj_stock.over_page", cpu, stock["nr_bytes"], k.page_size)
        yield from drain_obj_stock(k, cpu)


def obj_stock_flush_required(k: Kernel, cpu: int, root_memcg: str) -> bool:
    """obj_stock_flush_required(): cached objcg's current memcg is in the subtree (no bytes check)."""
    cached = k.cpu(cpu)["cached_objcg"]
    return cached is not None and k.is_descendant(k.objcgs[cached]["memcg"], root_memcg)
