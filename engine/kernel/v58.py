"""`config kernel=5.8`: the v5.3-v5.8 kmem accounting that obj_cgroup replaced.

Each memcg gets its own clone of every root cache it allocates from; the clone's slab
pages hold only that memcg's objects and are charged to it as whole pages through
try_charge (with the batch and the page stock, as in v5.9); objects hold no objcg (v5.8
has none). On offline the memcg's clones are deactivated and reparented to the parent
(mm/slab_common.c memcg_deactivate_kmem_caches), so the memcg itself can be freed while
its "dead" caches live on until their last object is freed.

A memcg's first allocation from a cache finds no clone: memcg_kmem_get_cache queues
its creation (memcg_schedule_kmem_cache_create, on the memcg_kmem_cache workqueue) and
serves the allocation from the root cache, charged to nobody. Later allocations, once
the work has run, use the clone. A dead clone is destroyed from a work item too, once
its refcount (a reference per slab page) has dropped to zero after its kill.

Where the model simplifies v5.8 (the trail marks these steps with ≈):
- a dead clone is shrunk and killed after one grace period (v5.8 queues kmemcg_workfn
  from an RCU callback to do it, and the kill folds after a second grace period);
- allocate_slab's second attempt falls back to the smallest order that holds an object;
  the model charges the cache's own order again;
- try_charge keeps v5.9's one css reference per page stock; v5.8 took one per page
  (css_get_many) and memcg_charge_slab moved them to the cache's percpu refcount.
"""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import ROOT, Kernel, Steps, kfunc
from engine.kernel.kmem import memcg_kmem_uncharge
from engine.kernel.memcg import ENOMEM, GFP_MASKS, __memcg_kmem_charge, get_order
from engine.kernel.refs import css_get, css_put
from engine.kernel.slab import memcg_kmem_bypass, returned_null
from engine.kernel.slab_pages import (
    get_root_cache, new_cache, slab_alloc_node, slab_free_object, slab_pages,
)
from engine.kernel.work import call_rcu, deferrable, queue_work
from engine.model import Record

def cache_holder(cache: str) -> str:
    """The name of the css reference a clone cache holds on its memcg (memcg_link_cache)."""
    return f"cache:{cache}"


@kfunc
def slab_alloc_v58(k: Kernel, obj: str, size: int, task: Record, gfp: str) -> Steps:
    """slab_alloc() of v5.8: memcg_kmem_get_cache picks the cache, a new page is charged."""
    yield ("slab_alloc_v58.call", obj, size, task["name"], k.current_cpu)
    root = get_root_cache(k, size)
    cache = yield from memcg_kmem_get_cache(k, root, task)
    placed = yield from slab_alloc_node(k, cache, obj, gfp)
    if placed is None:
        returned_null(k, obj)
        yield ("slab_alloc_v58.nomem", obj, cache["name"])
        return ENOMEM
    slab, slot = placed
    k.st.new("objects", obj, {
        "kind": "object", "name": obj, "size": size, "charged": 0, "objcg": None,
        "accounted": cache["root"] is not None, "cpu": k.current_cpu,
        "slab": slab["name"], "slot": slot,
    })
    if cache["root"] is not None:
        yield ("memcg_kmem_put_cache.put", cache["name"])
    else:
        yield ("slab_alloc_v58.root_cache", obj, cache["name"])
    return 0


@kfunc
def memcg_kmem_get_cache(k: Kernel, root: Record, task: Record) -> Steps:
    """memcg_kmem_get_cache(): the current memcg's clone of a root cache (by kmemcg_id)."""
    if memcg_kmem_bypass(task):
        yield ("memcg_kmem_get_cache.bypass", task["name"], root["name"])
        return root
    memcg = task["active_memcg"] or task["memcg"]
    if memcg == ROOT:
        yield ("memcg_kmem_get_cache.root", root["name"])
        return root
    kmemcg_id = k.memcgs[memcg]["kmemcg_id"]
    if kmemcg_id < 0:  # a dying child of the root inherited the root's id: none
        yield ("memcg_kmem_get_cache.no_id", memcg, root["name"])
        return root
    arr = root["memcg_caches"]
    clone = arr[kmemcg_id] if kmemcg_id < len(arr) else None
    if clone is not None:
        yield ("memcg_kmem_get_cache.found", memcg, kmemcg_id, clone)
        return k.st.tables["caches"][clone]
    if k.memcgs[memcg]["state"] != "online":
        # memcg_schedule_kmem_cache_create: css_tryget_online fails, nothing is created
        yield ("memcg_kmem_get_cache.offline", memcg, kmemcg_id, root["name"])
        return root
    yield from memcg_schedule_kmem_cache_create(k, memcg, root)
    return root


@kfunc
def memcg_schedule_kmem_cache_create(k: Kernel, memcg: str, root: Record) -> Steps:
    """memcg_schedule_kmem_cache_create(): css_tryget_online (the work pins the memcg)
    and queue_work(memcg_kmem_cache_wq); each allocation that misses queues one."""
    css_get(k, memcg, CREATE_HOLDER)
    queue_work(k, k.current_cpu, "memcg_kmem_cache_create_func", memcg, root["name"])
    yield ("memcg_schedule_kmem_cache_create.queued", memcg, root["name"])


CREATE_HOLDER = "cache_create"  # the css reference a queued creation work holds


@deferrable("memcg_kmem_cache_create_func")
@kfunc
def memcg_kmem_cache_create_func(k: Kernel, memcg: str, root_name: str) -> Steps:
    """memcg_kmem_cache_create_func(): memcg_create_kmem_cache, then css_put. The work
    creates nothing if the memcg went offline meanwhile or another work was first."""
    root = k.st.tables["caches"][root_name]
    rec = k.memcgs[memcg]
    arr = root["memcg_caches"]
    kmemcg_id = rec["kmemcg_id"]
    if rec["kmem_state"] != "ONLINE":
        yield ("memcg_create_kmem_cache.offline", memcg, root_name)
    elif kmemcg_id < len(arr) and arr[kmemcg_id] is not None:
        yield ("memcg_create_kmem_cache.exists", memcg, arr[kmemcg_id])
    else:
        yield from memcg_create_kmem_cache(k, memcg, root)
    css_put(k, memcg, CREATE_HOLDER)
    yield ("memcg_kmem_cache_create_func.put", memcg)


@kfunc
def memcg_create_kmem_cache(k: Kernel, memcg: str, root: Record) -> Steps:
    """memcg_create_kmem_cache(): the clone, linked to the memcg (css_get) and the array."""
    st = k.st
    name = f"{root['name']}({memcg})"
    clone = new_cache(k, name, root["size"], memcg, root["name"])
    kmemcg_id = k.memcgs[memcg]["kmemcg_id"]
    arr = root["memcg_caches"]
    if len(arr) <= kmemcg_id:
        arr = arr + (None,) * (kmemcg_id + 1 - len(arr))
    st.set(root, "memcg_caches", arr[:kmemcg_id] + (name,) + arr[kmemcg_id + 1:])
    # memcg_link_cache(): the clone pins its memcg and joins its kmem_caches list
    css_get(k, memcg, cache_holder(name))
    rec = k.memcgs[memcg]
    st.set(rec, "kmem_caches", (name,) + rec["kmem_caches"])
    yield ("memcg_create_kmem_cache.created", name, memcg, kmemcg_id)
    return clone


@kfunc
def memcg_charge_slab(k: Kernel, cache: Record, slab: Record, gfp: str) -> Steps:
    """memcg_charge_slab(): charge the whole slab page(s) to the cache's memcg."""
    memcg = cache["memcg"]
    while memcg != ROOT and k.memcgs[memcg]["state"] != "online":  # css_tryget_online
        memcg = k.memcgs[memcg]["parent"]
    nr_pages = slab_pages(cache)
    if memcg == ROOT:
        yield ("memcg_charge_slab.root", cache["name"], nr_pages)
        return 0
    yield ("memcg_charge_slab.call", cache["name"], slab["index"], nr_pages, memcg)
    # allocate_slab() of v5.8 SLUB: the first alloc_slab_page (whose charge_slab_page
    # charges the page) runs with __GFP_NORETRY and without __GFP_NOFAIL; only if it
    # fails does the second run with the caller's own flags.
    first = _first_attempt(k, gfp, cache)
    ret = yield from __memcg_kmem_charge(k, memcg, first, nr_pages)
    if ret and first != gfp:
        yield ("memcg_charge_slab.retry", cache["name"], gfp)
        ret = yield from __memcg_kmem_charge(k, memcg, gfp, nr_pages)
    if ret:
        yield ("memcg_charge_slab.failed", cache["name"], memcg, ret)
        return ret
    audit.inflight_pages(k, memcg, -nr_pages)  # the pages now belong to the slab
    _charged(k, cache, memcg, nr_pages)
    k.st.set(slab, "charged", True)
    yield ("memcg_charge_slab.charged", cache["name"], slab["index"], nr_pages, memcg,
           k.memcgs[memcg]["usage"])
    return 0


def _first_attempt(k: Kernel, gfp: str, cache: Record) -> str:
    """(gfp | __GFP_NORETRY) & ~__GFP_NOFAIL, in the masks the script knows; for a slab
    order above the smallest one that holds an object (s->min), reclaim is masked off
    too, so the first attempt cannot block at all (allocate_slab, mm/slub.c of 5.8)."""
    if "blocking" not in GFP_MASKS[gfp]:
        return gfp
    if cache["order"] > get_order(-(-cache["size"] // k.page_size)):
        return "GFP_NOWAIT"
    return "GFP_KERNEL|__GFP_NORETRY"


def _charged(k: Kernel, cache: Record, memcg: str, pages: int) -> None:
    """Book-keeping for the checks: pages charged for the cache's slabs, by memcg."""
    k.st.set(cache, "charged_pages", cache["charged_pages"] + pages)
    audit.attribute(k, memcg, pages)


@kfunc
def memcg_uncharge_slab(k: Kernel, cache: Record, slab: Record) -> Steps:
    """memcg_uncharge_slab(): uncharge the cache's *current* memcg, unless it is the root."""
    memcg = cache["memcg"]
    nr_pages = slab_pages(cache)
    k.st.set(slab, "charged", False)
    if memcg == ROOT:
        # v5.8 skips the root here, yet the page was charged hierarchically (root's
        # counter included) when the clone still belonged to a child: root keeps it.
        k.st.set(cache, "charged_pages", cache["charged_pages"] - nr_pages)
        k.st.set(k.st.sys, "slab_root_kept", k.st.sys["slab_root_kept"] + nr_pages)
        yield ("memcg_uncharge_slab.root", cache["name"], slab["index"], nr_pages,
               k.memcgs[ROOT]["usage"])
        return
    _charged(k, cache, memcg, -nr_pages)
    memcg_kmem_uncharge(k, memcg, nr_pages)
    yield ("memcg_uncharge_slab.uncharged", cache["name"], slab["index"], nr_pages, memcg,
           k.memcgs[memcg]["usage"])


@kfunc
def slab_free_v58(k: Kernel, obj: str) -> Steps:
    """kmem_cache_free() of v5.8: no memcg hook; only a freed slab page uncharges."""
    rec = k.st.objects[obj]
    slab = k.st.tables["slabs"][rec["slab"]]
    yield ("slab_free_v58.call", obj, slab["cache"], k.current_cpu)
    k.st.drop("objects", obj)
    yield from slab_free_object(k, rec)


@kfunc
def memcg_deactivate_kmem_caches(k: Kernel, memcg: str, parent: str) -> Steps:
    """memcg_deactivate_kmem_caches(): clones leave the arrays, dead; all move to the parent."""
    st = k.st
    caches = st.tables["caches"]
    kmemcg_id = k.memcgs[memcg]["kmemcg_id"]
    for root in list(st.in_order("caches")):
        if root["root"] is not None:
            continue
        arr = root["memcg_caches"]
        clone = arr[kmemcg_id] if kmemcg_id < len(arr) else None
        if clone is None:
            continue
        st.set(root, "memcg_caches", arr[:kmemcg_id] + (None,) + arr[kmemcg_id + 1:])
        # kmemcg_cache_deactivate: percpu_ref_kill; a zero counts after a grace period
        st.set(caches[clone], "state", "dead")
        st.set(caches[clone], "killing", True)
        call_rcu(k, "percpu_ref_switch_to_atomic_rcu", "cache", clone)
        yield ("memcg_deactivate_kmem_caches.dead", clone, len(caches[clone]["slabs"]))
    rec, parent_rec = k.memcgs[memcg], k.memcgs[parent]
    moving = rec["kmem_caches"]
    for name in moving:
        cache = caches[name]
        st.set(cache, "memcg", parent)
        charged = cache["charged_pages"]
        audit.attribute(k, memcg, -charged)  # its charged pages now count for the parent
        audit.attribute(k, parent, charged)
        css_get(k, parent, cache_holder(name))
        css_put(k, memcg, cache_holder(name))
        yield ("memcg_deactivate_kmem_caches.reparent", name, memcg, parent, charged)
    if moving:
        st.set(rec, "kmem_caches", ())
        st.set(parent_rec, "kmem_caches", moving + parent_rec["kmem_caches"])
        yield ("memcg_deactivate_kmem_caches.splice", memcg, parent, len(moving))


def cache_ref_switched(k: Kernel, name: str) -> Steps:
    """The dead clone's refcount is atomic now: with no slab page left it is zero."""
    cache = k.st.tables["caches"][name]
    k.st.set(cache, "killing", False)
    yield ("percpu_ref_switch_to_atomic_rcu.cache", name, len(cache["slabs"]))
    if not cache["slabs"]:
        yield from kmemcg_cache_shutdown(k, name)


@kfunc
def kmemcg_cache_shutdown(k: Kernel, name: str) -> Steps:
    """kmemcg_cache_shutdown(): the dead clone's refcount reached zero (its percpu_ref
    release): queue kmemcg_workfn, which destroys it. Before the grace period of its
    kill the count is not summed, so a last slab freed then releases nothing yet."""
    cache = k.st.tables["caches"][name]
    if cache["killing"]:
        return
    queue_work(k, k.current_cpu, "kmemcg_workfn", name)
    yield ("kmemcg_cache_shutdown.queued", name)


@deferrable("kmemcg_workfn")
@kfunc
def kmemcg_workfn(k: Kernel, name: str) -> Steps:
    """kmemcg_workfn() -> shutdown_cache(): the dead clone is destroyed; css_put."""
    st = k.st
    cache = st.tables["caches"][name]
    memcg = cache["memcg"]
    rec = k.memcgs[memcg]
    st.set(rec, "kmem_caches", tuple(c for c in rec["kmem_caches"] if c != name))
    st.drop("caches", name)
    css_put(k, memcg, cache_holder(name))  # memcg_unlink_cache
    yield ("kmemcg_cache_shutdown.freed", name, memcg)
