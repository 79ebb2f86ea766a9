"""The per-CPU byte stock of memcg_stock_pcp: pre-charged bytes of one objcg per CPU."""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import Kernel, Steps, kfunc
from engine.kernel.kmem import __memcg_kmem_uncharge, hand_over, memcg_kmem_uncharge
from engine.kernel.refs import css_put, obj_cgroup_get, obj_cgroup_put


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
    """drain_obj_stock(): whole pages uncharged, the rest to the objcg's nr_charged_bytes.

    Returns the objcg whose reference the caller must put (from v5.18), else None."""
    st, ps = k.st, k.page_size
    stock = k.cpu(cpu)
    old = stock["cached_objcg"]
    if old is None:
        return None
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
    if k.has("drain_obj_stock_returns_old"):
        # v5.18 (567511462387): clear, and hand the reference to the caller, who puts it
        # after leaving the stock's lock
        st.hold(k.objcgs[old], f"stock:cpu{cpu}", -1)
        st.hold(k.objcgs[old], returned_ref(cpu), +1)
        yield ("drain_obj_stock.return_old", cpu, old)
        return old
    yield from obj_cgroup_put(k, old, f"stock:cpu{cpu}")
    return None


def returned_ref(cpu: int) -> str:
    """The holder of the reference drain_obj_stock hands back from v5.18."""
    return f"old:cpu{cpu}"


def put_returned(k: Kernel, old: str | None, cpu: int) -> Steps:
    """The caller's `if (old) obj_cgroup_put(old)` after the stock's lock (v5.18)."""
    if old is not None:
        yield from obj_cgroup_put(k, old, returned_ref(cpu))


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
    if k.has("drain_obj_stock_returns_old"):
        # v5.18: the stock lock is held, so the pages go to __refill_stock directly
        from engine.kernel.objcg_pages import PIN, get_mem_cgroup_from_objcg, uncharge_to_stock

        yield ("drain_obj_stock.pages_locked", cpu, old, nr_bytes, nr_pages, rem)
        memcg = yield from get_mem_cgroup_from_objcg(k, old)
        yield from uncharge_to_stock(k, memcg, nr_pages, "drain_obj_stock.refill_locked")
        css_put(k, memcg, PIN)
    elif k.has("kmem_pages_through_objcg"):
        from engine.kernel.objcg_pages import obj_cgroup_uncharge_pages  # it imports us

        yield ("drain_obj_stock.pages_objcg", cpu, old, nr_bytes, nr_pages, rem)
        yield from obj_cgroup_uncharge_pages(k, old, nr_pages)
    elif k.has("drain_obj_stock_memcg_tryget"):
        from engine.kernel.objcg_pages import PIN, get_mem_cgroup_from_objcg

        yield ("drain_obj_stock.pages", cpu, old, nr_bytes, nr_pages, memcg, rem)
        memcg = yield from get_mem_cgroup_from_objcg(k, old)  # 9f38f03ae8d5
        yield from __memcg_kmem_uncharge(k, memcg, nr_pages)
        css_put(k, memcg, PIN)
    else:
        yield ("drain_obj_stock.pages", cpu, old, nr_bytes, nr_pages, memcg, rem)
        yield from __memcg_kmem_uncharge(k, memcg, nr_pages)
    st.add(rec, "nr_charged_bytes", rem)
    st.set(stock, "nr_bytes", 0)
    yield ("drain_obj_stock.rest", cpu, old, rem, rec["nr_charged_bytes"])


@kfunc
def refill_obj_stock(k: Kernel, objcg: str, nr_bytes: int, allow_uncharge: bool = True) -> Steps:
    """refill_obj_stock(): put bytes in this CPU's byte stock; drain above PAGE_SIZE."""
    st = k.st
    cpu = k.current_cpu
    stock = k.cpu(cpu)
    rec = k.objcgs[objcg]
    trims = k.has("refill_obj_stock_allow_uncharge")
    old = None
    if stock["cached_objcg"] != objcg:
        yield ("refill_obj_stock.switch", cpu, stock["cached_objcg"], objcg)
        old = yield from drain_obj_stock(k, cpu)
        obj_cgroup_get(k, objcg, f"stock:cpu{cpu}")
        st.set(stock, "cached_objcg", objcg)
        leftover = rec["nr_charged_bytes"]
        st.set(rec, "nr_charged_bytes", 0)  # atomic_xchg(&objcg->nr_charged_bytes, 0)
        st.set(stock, "nr_bytes", leftover)
        if not trims:
            yield ("refill_obj_stock.xchg", cpu, objcg, leftover)
        else:  # v5.14: atomic_read() ? atomic_xchg() : 0, and a switch allows uncharging
            allow_uncharge = True
            yield ("refill_obj_stock.read_xchg" if leftover else "refill_obj_stock.read_zero",
                   cpu, objcg, leftover)
    st.add(rec, "inflight", -nr_bytes)
    st.set(stock, "nr_bytes", stock["nr_bytes"] + nr_bytes)
    yield ("refill_obj_stock.added", cpu, objcg, nr_bytes, stock["nr_bytes"])
    if trims:
        yield from _trim_over_page(k, cpu, objcg, allow_uncharge, old)
        return
    yield from put_returned(k, old, cpu)  # none before v5.18
    if stock["nr_bytes"] > k.page_size:  # strictly more: a whole page may stay parked
        yield ("refill_obj_stock.over_page", cpu, stock["nr_bytes"], k.page_size)
        old = yield from drain_obj_stock(k, cpu)
        yield from put_returned(k, old, cpu)


def _trim_over_page(k: Kernel, cpu: int, objcg: str, allow_uncharge: bool,
                    old: str | None) -> Steps:
    """refill_obj_stock() from v5.14 (5387c90490f7; 5.14.2 l.3234-3260): over PAGE_SIZE
    the stock keeps caching the objcg; an uncharge (or a switch) gives the whole pages
    back through obj_cgroup_uncharge_pages after the stock is left, and keeps the rest; a
    charge's tail stays whole. (Its steps are refill_obj_stock's.)"""
    from engine.kernel.objcg_pages import obj_cgroup_uncharge_pages  # it imports us

    st, ps = k.st, k.page_size
    stock, rec = k.cpu(cpu), k.objcgs[objcg]
    nr_bytes, nr_pages = stock["nr_bytes"], 0
    if nr_bytes > ps and not allow_uncharge:
        yield ("refill_obj_stock.keep_over_page", cpu, nr_bytes, ps)
    elif nr_bytes > ps:
        nr_pages, rest = divmod(nr_bytes, ps)
        audit.objcg_pages(k, objcg, -nr_pages)
        hand_over(k, rec["memcg"], nr_pages)
        st.set(stock, "nr_bytes", rest)
        yield ("refill_obj_stock.trim", cpu, nr_bytes, nr_pages, rest)
    yield from put_returned(k, old, cpu)  # v5.18: after the lock, before the uncharge
    if nr_pages:
        yield from obj_cgroup_uncharge_pages(k, objcg, nr_pages)


def obj_stock_flush_required(k: Kernel, cpu: int, root_memcg: str) -> bool:
    """obj_stock_flush_required(): cached objcg's current memcg is in the subtree (no bytes check)."""
    cached = k.cpu(cpu)["cached_objcg"]
    return cached is not None and k.is_descendant(k.objcgs[cached]["memcg"], root_memcg)
