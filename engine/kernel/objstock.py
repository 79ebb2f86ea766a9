"""The per-CPU byte stock of memcg_stock_pcp: pre-charged bytes of one objcg per CPU."""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import Kernel, Steps, kfunc
from engine.kernel.kmem import __memcg_kmem_uncharge, hand_over, memcg_kmem_uncharge
from engine.kernel.locks import irq_off, irq_on
from engine.kernel.oops import Oops
from engine.kernel.refs import css_put, obj_cgroup_get, obj_cgroup_put


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
    if k.fine:  # between the two, another CPU may read the field: two micro-steps
        return (yield from _drop_cached_objcg(k, cpu, old))
    # Outside `together` nobody looks in between: one micro-step, clear then put, so
    # every micro-step is consistent (stock caches O <=> O holds "stock:cpuN").
    st.set(stock, "cached_objcg", None)
    if k.has("drain_obj_stock_returns_old"):
        # v5.18 (567511462387): clear, and hand the reference to the caller, who puts it
        # after leaving the stock's lock (until then the stock's reference is `dropping`)
        st.set(stock, "dropping", old)
        yield ("drain_obj_stock.return_old", cpu, old)
        return old
    yield from obj_cgroup_put(k, old, f"stock:cpu{cpu}")
    return None


_LATER: list = []


def _v513():  # type: ignore[no-untyped-def]
    """engine.kernel.objcg_pages, the v5.13 paths: imported at first use, since it imports
    this module and memcg's drain_all_stock needs this one first."""
    if not _LATER:
        from engine.kernel import objcg_pages

        _LATER.append(objcg_pages)
    return _LATER[0]


def put_returned(k: Kernel, old: str, cpu: int) -> Steps:
    """The caller's `if (old) obj_cgroup_put(old)` after the stock's lock (v5.18): the
    reference cpu's stock held, `dropping` since drain_obj_stock. The callers test `old`
    themselves (a generator per refill costs)."""
    k.st.set(k.cpu(cpu), "dropping", None)
    return obj_cgroup_put(k, old, f"stock:cpu{cpu}")


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
        memcg = _v513().get_mem_cgroup_from_objcg(k, old)
        yield ("drain_obj_stock.pages_locked", cpu, old, nr_bytes, nr_pages, rem, memcg)
        yield from _v513().uncharge_to_stock(k, memcg, nr_pages)
        css_put(k, memcg, _v513().PIN)
    elif k.has("kmem_pages_through_objcg"):
        yield ("drain_obj_stock.pages_objcg", cpu, old, nr_bytes, nr_pages, rem)
        yield from _v513().obj_cgroup_uncharge_pages(k, old, nr_pages)
    elif k.has("drain_obj_stock_memcg_tryget"):
        memcg = _v513().get_mem_cgroup_from_objcg(k, old)  # 9f38f03ae8d5: css_tryget first
        yield ("drain_obj_stock.pages", cpu, old, nr_bytes, nr_pages, memcg, rem)
        yield from __memcg_kmem_uncharge(k, memcg, nr_pages)
        css_put(k, memcg, _v513().PIN)
    else:
        yield ("drain_obj_stock.pages", cpu, old, nr_bytes, nr_pages, memcg, rem)
        yield from __memcg_kmem_uncharge(k, memcg, nr_pages)
    st.add(rec, "nr_charged_bytes", rem)
    st.set(stock, "nr_bytes", 0)
    yield ("drain_obj_stock.rest", cpu, old, rem, rec["nr_charged_bytes"])


def _drop_cached_objcg(k: Kernel, cpu: int, old: str) -> Steps:
    """v5.9 puts the old objcg, then clears stock->cached_objcg; from 5.18 (the stock's
    local_lock) drain_obj_stock clears it and returns the old objcg, put afterwards.
    `dropping` marks the stock's reference as in flight between the two."""
    st, stock = k.st, k.cpu(cpu)
    st.set(stock, "dropping", old)
    if k.has("drain_obj_stock_returns_old"):
        st.set(stock, "cached_objcg", None)  # the reference stays `dropping`: the
        yield ("drain_obj_stock.clear", cpu, old)  # caller puts it after the stock's lock
        return old
    yield from obj_cgroup_put(k, old, f"stock:cpu{cpu}")
    st.set(stock, "cached_objcg", None)
    st.set(stock, "dropping", None)
    yield ("drain_obj_stock.clear", cpu, old)
    return None


@kfunc
def refill_obj_stock(k: Kernel, objcg: str, nr_bytes: int, allow_uncharge: bool = True) -> Steps:
    """refill_obj_stock(): put bytes in this CPU's byte stock; drain above PAGE_SIZE.

    From v5.14 (5387c90490f7; 5.14.2 l.3234-3260) over PAGE_SIZE the stock keeps caching
    the objcg: an uncharge (allow_uncharge, or a switch) gives the whole pages back
    through obj_cgroup_uncharge_pages once the stock is left, and keeps the rest; a
    charge's tail stays whole."""
    st = k.st
    cpu = k.current_cpu
    stock = k.cpu(cpu)
    rec = k.objcgs[objcg]
    trims = k.has("refill_obj_stock_allow_uncharge")
    old = None
    depth = irq_off(k) if k.fine else 0
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
    total = stock["nr_bytes"] + nr_bytes
    st.set(stock, "nr_bytes", total)
    yield ("refill_obj_stock.added", cpu, objcg, nr_bytes, total)
    ps, nr_pages, over = k.page_size, 0, None
    if total <= ps:
        pass
    elif not trims:  # strictly more: a whole page may stay parked
        yield ("refill_obj_stock.over_page", cpu, total, ps)
        over = yield from drain_obj_stock(k, cpu)
    elif not allow_uncharge:
        yield ("refill_obj_stock.keep_over_page", cpu, total, ps)
    else:
        nr_pages, rest = divmod(total, ps)
        audit.objcg_pages(k, objcg, -nr_pages)
        hand_over(k, rec["memcg"], nr_pages)
        st.set(stock, "nr_bytes", rest)
        yield ("refill_obj_stock.trim", cpu, total, nr_pages, rest)
    if k.fine:
        irq_on(k, depth)  # the stock is left (put_obj_stock, from 5.18 the local_lock)
    if old is not None:  # v5.18: the old objcg is put after the lock
        yield from put_returned(k, old, cpu)
    if over is not None:
        yield from put_returned(k, over, cpu)
    if nr_pages:
        yield from _v513().obj_cgroup_uncharge_pages(k, objcg, nr_pages)


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
