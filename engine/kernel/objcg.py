"""The obj_cgroup API: allocation, lookup from the current task, byte charge/uncharge."""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import ROOT, Kernel, Steps, kfunc
from engine.kernel.memcg import __memcg_kmem_charge
from engine.kernel.objstock import consume_obj_stock, refill_obj_stock
from engine.kernel.refs import css_get, css_put, css_tryget, obj_cgroup_tryget
from engine.model import Record


def obj_cgroup_alloc(k: Kernel, name: str) -> Record:
    """obj_cgroup_alloc(): a zeroed objcg whose percpu_ref starts at 1 (the base ref)."""
    return k.st.new("objcgs", name, {
        "kind": "objcg", "name": name, "memcg": None, "state": "active",
        "refcnt": 1, "holders": {"base": 1}, "nr_charged_bytes": 0,
        "killing": False,  # killed, not yet switched to atomic mode (see engine.kernel.refs)
        "kfreed": False,  # kfree_rcu ran: its memory is gone
        "listed": None,  # the memcg whose objcg_list it is linked into (list_head)
        # audit (not kernel fields): pages charged for it, live bytes, bytes in hand
        "pages": 0, "live": 0, "inflight": 0,
    })


@kfunc
def get_obj_cgroup_from_current(k: Kernel, task: Record) -> Steps:
    """get_obj_cgroup_from_current(): under rcu_read_lock, walk up from the (active) memcg
    to the first objcg whose tryget succeeds. v5.9 leaves `objcg` set after a failed
    tryget, so a walk that then reaches the root returns an objcg it took no reference
    on; 2f7659a31473 (5.11) clears it."""
    if not task["mm"] and task["active_memcg"] is None:
        yield ("get_obj_cgroup_from_current.no_mm", task["name"])
        return None
    if k.fine:
        k.rcu_read_lock()
    memcg = task["active_memcg"] or task["memcg"]
    yield ("get_obj_cgroup_from_current.start", task["name"], memcg,
           "active_memcg" if task["active_memcg"] else "its cgroup")
    objcg = None
    while memcg != ROOT:
        objcg = k.memcgs[memcg]["objcg"]  # rcu_dereference(memcg->objcg)
        if k.fine:
            yield ("get_obj_cgroup_from_current.read", memcg, objcg)
        if objcg is not None and obj_cgroup_tryget(k, objcg, "current"):
            if k.fine:
                k.rcu_read_unlock()
            yield ("get_obj_cgroup_from_current.found", memcg, objcg)
            return objcg
        parent = k.parent_mem_cgroup(memcg)
        assert parent is not None, "alloc refuses a walk that would oops (see commands)"
        if objcg is not None:
            failed = objcg
            if k.has("objcg_null_after_failed_tryget"):
                objcg = None
            yield ("get_obj_cgroup_from_current.tryget_failed", failed, parent)
        else:
            yield ("get_obj_cgroup_from_current.up", memcg, parent)
        memcg = parent
    if k.fine:
        k.rcu_read_unlock()
    if objcg is not None:
        yield ("get_obj_cgroup_from_current.stale", objcg)
        return objcg
    yield ("get_obj_cgroup_from_current.root",)
    return None


def pages_charged(k: Kernel, objcg: str, memcg: str, nr_pages: int, size: int) -> None:
    """The pages a byte charge just charged are the objcg's: `size` bytes are live, the
    tail is in hand (the books of engine.kernel.audit)."""
    audit.inflight_pages(k, memcg, -nr_pages)
    if k.v1:
        audit.kmem_inflight(k, memcg, -nr_pages)
    audit.objcg_pages(k, objcg, nr_pages)
    rec = k.objcgs[objcg]
    k.st.add(rec, "live", size)
    k.st.add(rec, "inflight", nr_pages * k.page_size - size)


@kfunc
def obj_cgroup_charge(k: Kernel, objcg: str, gfp: str, size: int) -> Steps:
    """obj_cgroup_charge(): the byte stock, else whole pages with the tail to the stock."""
    yield ("obj_cgroup_charge.call", objcg, size, k.current_cpu, gfp)
    if (yield from consume_obj_stock(k, objcg, size)):
        return 0
    memcg = yield from _pin_memcg(k, objcg)
    nr_pages, rem = divmod(size, k.page_size)
    if rem:
        nr_pages += 1
    yield ("obj_cgroup_charge.pages", objcg, memcg, size, nr_pages)
    if memcg == ROOT:
        k.notes.append(
            f"objcg {objcg} points at the root: try_charge charges nothing there, yet the "
            "byte stock is refilled, and draining it later uncharges the root's counter (v5.9 "
            "reaches this when a charge races with the offline of a cgroup just below the "
            "root and gets its killed objcg, or through API misuse)"
        )
    ret = yield from __memcg_kmem_charge(k, memcg, gfp, nr_pages)
    if ret == 0:
        pages_charged(k, objcg, memcg, nr_pages, size)
        yield ("obj_cgroup_charge.charged", objcg, nr_pages, size)
        if rem:
            yield from refill_obj_stock(k, objcg, k.page_size - rem)
    css_put(k, memcg, "charge")
    yield ("obj_cgroup_charge.done", objcg, ret)
    return ret


def _pin_memcg(k: Kernel, objcg: str) -> Steps:
    """obj_cgroup_charge's pin on the memcg the objcg points at now, under rcu_read_lock.
    v5.9 reads objcg->memcg and takes css_get: if reparenting moved the objcg and the
    old memcg's count reached zero in between, that get brings it back from zero.
    eefbfa7fd678 (5.11) takes css_tryget and, when it fails, reads objcg->memcg again."""
    rec = k.objcgs[objcg]
    if k.fine:
        k.rcu_read_lock()
    while True:
        memcg = rec["memcg"]  # obj_cgroup_memcg()
        if k.fine:
            yield ("obj_cgroup_charge.read_memcg", objcg, memcg)
        if not k.has("charge_memcg_tryget"):
            css_get(k, memcg, "charge")
            break
        if css_tryget(k, memcg, "charge"):
            break
        yield ("obj_cgroup_charge.tryget_failed", objcg, memcg)
    if k.fine:
        k.rcu_read_unlock()
    return memcg


@kfunc
def obj_cgroup_uncharge(k: Kernel, objcg: str, size: int) -> Steps:
    """obj_cgroup_uncharge(): the bytes go to this CPU's byte stock, nothing else."""
    rec = k.objcgs[objcg]
    k.st.add(rec, "live", -size)
    k.st.add(rec, "inflight", size)
    yield ("obj_cgroup_uncharge.call", objcg, size, k.current_cpu)
    yield from refill_obj_stock(k, objcg, size, allow_uncharge=True)
