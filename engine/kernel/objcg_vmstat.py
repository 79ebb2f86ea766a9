"""mod_objcg_state() from v5.14 (68ac5b3c8db2, "cache vmstat data in percpu
memcg_stock_pcp"): the slab vmstat deltas of an objcg are kept in the byte stock, so
updating them takes the stock over like refill_obj_stock does.

The model keeps no memory.stat, so the deltas themselves are not shown; what changes the
figures is the switch: an object whose charge left nothing for the byte stock (a whole
number of pages) finds the stock caching another objcg, and mod_objcg_state drains that
one and caches this objcg (5.14.2 mm/memcontrol.c l.3088-3146, the switch at l.3100-3106).
"""
from __future__ import annotations

from engine.kernel.base import Kernel, Steps, kfunc
from engine.kernel.objstock import drain_obj_stock, put_returned
from engine.kernel.refs import obj_cgroup_get


@kfunc
def mod_objcg_state(k: Kernel, objcg: str) -> Steps:
    """mod_objcg_state() when this CPU's byte stock caches another objcg: drain it, take
    a reference on this one and pull its nr_charged_bytes in (atomic_read ? xchg : 0).
    (With this objcg cached the delta only joins the cached ones: nothing the model
    shows, and the caller does not call it.)"""
    st, cpu = k.st, k.current_cpu
    stock = k.cpu(cpu)  # (the caller has seen it cache another objcg: a switch)
    yield ("mod_objcg_state.switch", cpu, stock["cached_objcg"], objcg)
    old = yield from drain_obj_stock(k, cpu)
    obj_cgroup_get(k, objcg, f"stock:cpu{cpu}")
    rec = k.objcgs[objcg]
    leftover = rec["nr_charged_bytes"]
    st.set(rec, "nr_charged_bytes", 0)
    st.set(stock, "nr_bytes", leftover)
    st.set(stock, "cached_objcg", objcg)
    yield ("mod_objcg_state.cached", cpu, objcg, leftover)
    if old is not None:  # v5.18: after the stock's lock
        yield from put_returned(k, old, cpu)
