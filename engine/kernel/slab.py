"""The slab hooks of mm/slab.h (v5.9) around one accounted object.

In byte mode (the default) an object of SIZE bytes charges exactly SIZE. In slab mode
(`config accounting=slab`) SIZE is the cache's object size and the object charges
obj_full_size() = s->size + sizeof(struct obj_cgroup *), as v5.9 does, where s->size is
SIZE rounded up to 8 bytes. The per-page
objcg vectors are allocated without __GFP_ACCOUNT, so they charge nothing either way.
"""
from __future__ import annotations

from typing import Callable

from engine.kernel.base import Kernel, Steps, kfunc
from engine.kernel.objcg import get_obj_cgroup_from_current, obj_cgroup_charge, obj_cgroup_uncharge
from engine.kernel.refs import obj_cgroup_get, obj_cgroup_put
from engine.kernel.slab_pages import (
    alloc_page_obj_cgroups, free_quietly, get_root_cache, place, slab_alloc_node,
    slab_free_object,
)
from engine.model import Record


OBJCG_POINTER = 8  # sizeof(struct obj_cgroup *) on 64-bit


def obj_full_size(k: Kernel, size: int) -> int:
    """obj_full_size(): what one object charges, s->size + 8. SLUB's calculate_sizes
    (mm/slub.c, v5.9) rounds the object size up to a word, then to the cache's alignment,
    8 bytes for a cache made without SLAB_HWCACHE_ALIGN (calculate_alignment in
    mm/slab_common.c): an object size of 100 makes s->size 104 and charges 112."""
    if k.st.sys["accounting"] != "slab":
        return size
    return -(-size // OBJCG_POINTER) * OBJCG_POINTER + OBJCG_POINTER


def returned_null(k: Kernel, obj: str) -> None:
    """The allocation of obj failed: the caller holds NULL, so a later `free obj` is
    kfree(NULL), which does nothing (engine.commands)."""
    nulls = k.st.sys["null_objects"]
    if obj not in nulls:
        k.st.set(k.st.sys, "null_objects", nulls + (obj,))


def forget_null(k: Kernel, obj: str) -> None:
    """obj names an allocated object again."""
    nulls = k.st.sys["null_objects"]
    if obj in nulls:
        k.st.set(k.st.sys, "null_objects", tuple(n for n in nulls if n != obj))


def memcg_kmem_bypass(task: Record) -> bool:
    """memcg_kmem_bypass(): no mm (a kthread) and no active_memcg means no accounting."""
    return not task["mm"] and task["active_memcg"] is None


@kfunc
def slab_alloc(k: Kernel, obj: str, size: int, task: Record, gfp: str) -> Steps:
    """slab_pre_alloc_hook + memcg_slab_post_alloc_hook around one object allocation."""
    charged = obj_full_size(k, size)
    yield ("slab_alloc.call", obj, size, task["name"], k.current_cpu, charged)
    ret = 0
    borrowed = k.has("task_objcg")  # v6.7: the task's objcg, no reference of our own
    if borrowed:
        objcg = yield from task_objcg.current_obj_cgroup(k, task)
    elif memcg_kmem_bypass(task):
        objcg = None
        yield ("memcg_kmem_bypass.bypass", task["name"])
    else:
        objcg = yield from get_obj_cgroup_from_current(k, task)
    if objcg is not None:
        charge = objcg_pages.obj_cgroup_charge if k.has("kmem_pages_through_objcg") else \
            obj_cgroup_charge  # from v5.13 through obj_cgroup_charge_pages
        ret = yield from charge(k, objcg, gfp, charged)
        if ret:
            # v5.9: the charge failed, yet the object is allocated unaccounted.
            if not borrowed:
                yield from obj_cgroup_put(k, objcg, "current")
            objcg = None
            if k.has("charge_failure_fails_alloc"):
                # v5.10 (becaba65f62f): memcg_slab_pre_alloc_hook returns false, so
                # slab_pre_alloc_hook returns NULL and no object is allocated.
                returned_null(k, obj)
                yield ("slab_pre_alloc_hook.fail", obj, ret)
                return ret
    cache, slab = yield from allocate(k, obj, size, charged, objcg, gfp)
    if objcg is None:
        yield ("memcg_slab_post_alloc_hook.unaccounted", obj, ret)
        return ret
    yield from bind(k, obj, objcg, cache, slab)
    if not borrowed:
        yield from obj_cgroup_put(k, objcg, "current")
    return 0


def charge(k: Kernel) -> Callable[[Kernel, str, str, int], Steps]:
    """obj_cgroup_charge() as the running release has it: from v5.13 the one of
    engine.kernel.objcg_pages, through obj_cgroup_charge_pages."""
    return objcg_pages.obj_cgroup_charge if k.has("kmem_pages_through_objcg") else obj_cgroup_charge


def lookup_objcg(k: Kernel, task: Record, borrowed: bool) -> Steps:
    """The objcg an allocation charges: get_obj_cgroup_from_current (a reference the
    caller puts) after memcg_kmem_bypass, or from v6.7 current_obj_cgroup (borrowed)."""
    if borrowed:
        return (yield from task_objcg.current_obj_cgroup(k, task))
    if memcg_kmem_bypass(task):
        yield ("memcg_kmem_bypass.bypass", task["name"])
        return None
    return (yield from get_obj_cgroup_from_current(k, task))


def allocate(k: Kernel, obj: str, size: int, charged: int, objcg: str | None,
             gfp: str) -> Steps:
    """slab_alloc_node: one cache per size, shared by every memcg (v5.9); the object is
    made (unaccounted while objcg is None). Without the slab trail its changes belong to
    the caller's next step (the trail stays as it was). Returns (cache, slab)."""
    cache = get_root_cache(k, size)
    if k.trail_slab:
        slab, slot = yield from slab_alloc_node(k, cache, obj, gfp)
    else:
        slab, slot = place(k, cache, obj)
    new_object(k, obj, size, charged, objcg, slab["name"], slot)
    return cache, slab


def bind(k: Kernel, obj: str, objcg: str, cache: Record, slab: Record,
         charged: int | None = None) -> Steps:
    """memcg_slab_post_alloc_hook's binding: the slab's objcg vector (allocated at first
    use), the object's slot takes a reference on the objcg, and from v5.14 the vmstat
    delta goes through the byte stock, which it takes over. `charged`: an object made
    before its charge (v6.10) records it here."""
    if alloc_page_obj_cgroups(k, slab) and k.trail_slab:
        yield ("memcg_alloc_page_obj_cgroups.alloc", slab["cache"], slab["index"],
               cache["per_slab"])
    if charged is not None:
        rec = k.st.objects[obj]
        k.st.set(rec, "objcg", objcg)
        k.st.set(rec, "accounted", True)
        k.st.set(rec, "charged", charged)
    obj_cgroup_get(k, objcg, f"obj:{obj}")  # stored in the page's objcg vector slot
    yield ("memcg_slab_post_alloc_hook.bind", obj, objcg)
    if k.has("objcg_vmstat_stock") and k.cpu(k.current_cpu)["cached_objcg"] != objcg:
        yield from objcg_vmstat.mod_objcg_state(k, objcg)


def new_object(k: Kernel, obj: str, size: int, charged: int, objcg: str | None,
                slab: str, slot: int) -> None:
    k.st.new("objects", obj, {
        # an unaccounted object (bypassed, a root task, a failed charge) charged nothing
        "kind": "object", "name": obj, "size": size,
        "charged": charged if objcg is not None else 0, "objcg": objcg,
        "accounted": objcg is not None, "cpu": k.current_cpu, "slab": slab, "slot": slot,
    })


@kfunc
def slab_free(k: Kernel, obj: str) -> Steps:
    """memcg_slab_free_hook(): uncharge on the freeing CPU, drop the object's reference."""
    rec = k.st.objects[obj]
    objcg = rec["objcg"]
    yield ("slab_free.call", obj, rec["charged"], objcg, k.current_cpu)
    # do_slab_free comes after the memcg hook; without the slab trail its changes are
    # made first, so that they belong to the hook's last step (the trail stays as it was).
    trail = k.trail_slab
    if objcg is None:
        k.st.drop("objects", obj)
        if not trail:
            free_quietly(k, rec)
        yield ("memcg_slab_free_hook.unaccounted", obj)
        if trail:
            yield from slab_free_object(k, rec)
        return
    yield from obj_cgroup_uncharge(k, objcg, rec["charged"])
    k.st.drop("objects", obj)  # the vector slot is cleared; the reference goes next
    if not trail:
        free_quietly(k, rec)
    yield from obj_cgroup_put(k, objcg, f"obj:{obj}")
    if trail:
        yield from slab_free_object(k, rec)


# the later releases' paths; they import this module
from engine.kernel import objcg_pages, objcg_vmstat, task_objcg  # noqa: E402
