"""The per-CPU byte stock of memcg_stock_pcp: pre-charged bytes of one objcg per CPU."""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import Kernel, Steps, kfunc
from engine.kernel.kmem import memcg_kmem_uncharge
from engine.kernel.locks import irq_off, irq_on
from engine.kernel.oops import Oops
from engine.kernel.refs import obj_cgroup_get, obj_cgroup_put


@kfunc
def consume_obj_stock(k: Kernel, objcg: str, nr_bytes: int) -> Steps:
    """consume_obj_stock(): serve nr_bytes from this CPU's byte stock if it caches objcg."""
    cpu = k.current_cpu
    stock = k.cpu(cpu)
    depth = irq_off(k) if k.fine else 0
    cached, have = stock["cached_objcg"], stock["nr_bytes"]
    if cached != objcg or have < nr_bytes:  # the boundary is inclusive: 4096 serves 4096
        yield ("consume_obj_stock.miss", cpu, objcg, nr_bytes, cached, have)
        if k.fine:
            irq_on(k, depth)
        return False
    st = k.st
    st.set(stock, "nr_bytes", have - nr_bytes)
    st.add(k.objcgs[objcg], "live", nr_bytes)
    yield ("consume_obj_stock.hit", cpu, objcg, nr_bytes, have - nr_bytes)
    if k.fine:
        irq_on(k, depth)
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
    if nr_bytes:
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
    if k.fine:  # between the two, another CPU may read the field: two micro-steps
        yield from _drop_cached_objcg(k, cpu, old)
        return
    # Outside `together` nobody looks in between: one micro-step, clear then put, so
    # every micro-step is consistent (stock caches O <=> O holds "stock:cpuN").
    st.set(stock, "cached_objcg", None)
    yield from obj_cgroup_put(k, old, f"stock:cpu{cpu}")


def _drop_cached_objcg(k: Kernel, cpu: int, old: str) -> Steps:
    """v5.9 puts the old objcg, then clears stock->cached_objcg; from 5.18 (the stock's
    local_lock) drain_obj_stock clears it and returns the old objcg, put afterwards.
    `dropping` marks the stock's reference as in flight between the two."""
    st, stock = k.st, k.cpu(cpu)
    st.set(stock, "dropping", old)
    if k.has("drain_obj_stock_returns_old"):
        st.set(stock, "cached_objcg", None)
        yield ("drain_obj_stock.clear", cpu, old)
        st.set(stock, "dropping", None)
        yield from obj_cgroup_put(k, old, f"stock:cpu{cpu}")
        return
    yield from obj_cgroup_put(k, old, f"stock:cpu{cpu}")
    st.set(stock, "cached_objcg", None)
    st.set(stock, "dropping", None)
    yield ("drain_obj_stock.clear", cpu, old)


@kfunc
def refill_obj_stock(k: Kernel, objcg: str, nr_bytes: int) -> Steps:
    """refill_obj_stock(): put bytes in this CPU's byte stock; drain above PAGE_SIZE."""
    st = k.st
    cpu = k.current_cpu
    stock = k.cpu(cpu)
    rec = k.objcgs[objcg]
    depth = irq_off(k) if k.fine else 0
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
    if k.fine:
        irq_on(k, depth)


@kfunc
def obj_stock_flush_required(k: Kernel, cpu: int, root_memcg: str) -> Steps:
    """obj_stock_flush_required(): the cached objcg's current memcg is in the subtree
    (no bytes check). v5.9 tests stock->cached_objcg and then reads it again to
    dereference it; another CPU draining its stock in between leaves NULL there. From
    6.5 (3b8abb323953) it is read once and the tested pointer is dereferenced."""
    stock = k.cpu(cpu)
    cached = stock["cached_objcg"]
    if k.has("flush_required_read_once"):
        if k.fine:
            yield ("obj_stock_flush_required.read_once", cpu, cached)
    elif k.fine:
        yield ("obj_stock_flush_required.test", cpu, cached)
        if cached is not None:
            cached = stock["cached_objcg"]  # the second read
            if cached is None:
                raise Oops.at(k, "null-deref", "obj_stock_flush_required",
                              f"cpu{cpu}'s stock->cached_objcg was tested non-NULL, then read "
                              "again as NULL (the other CPU drained its stock in between) and "
                              "dereferenced")
            yield ("obj_stock_flush_required.deref", cpu, cached)
    if cached is None:
        return False
    rec = k.objcgs[cached]
    if rec["kfreed"]:
        raise Oops.at(k, "use-after-free", "obj_stock_flush_required",
                      f"objcg {cached} cached by cpu{cpu} was freed")
    return k.is_descendant(rec["memcg"], root_memcg)
