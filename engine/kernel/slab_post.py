"""kmem_cache_alloc from v6.10 (9f9796b413d3, "mm, slab: move memcg charging to
post-alloc hook"): the object is allocated first and charged after.

6.14 mm/slub.c l.2142-2163 (memcg_slab_post_alloc_hook) and mm/memcontrol.c l.2957-3017
(__memcg_slab_post_alloc_hook): the objcg is the task's (current_obj_cgroup, v6.7: no
reference of the allocation's own), the charge comes after slab_alloc_node, and a failed
charge frees the object again without the hook (memcg_alloc_abort_single) and returns
NULL. The release picks this function instead of engine.kernel.slab's (engine.commands).
"""
from __future__ import annotations

from engine.kernel.base import Kernel, Steps, kfunc
from engine.kernel.refs import obj_cgroup_get, obj_cgroup_put
from engine.kernel.slab import (
    charge, lookup_objcg, new_object, obj_full_size, objcg_vmstat, returned_null, task_objcg,
)
from engine.kernel.slab_pages import (
    alloc_page_obj_cgroups, free_quietly, get_root_cache, place, slab_alloc_node,
    slab_free_object,
)
from engine.model import Record


@kfunc
def slab_alloc(k: Kernel, obj: str, size: int, task: Record, gfp: str) -> Steps:
    """slab_alloc_node, then memcg_slab_post_alloc_hook charging the object (v6.10)."""
    charged = obj_full_size(k, size)
    yield ("slab_alloc.call", obj, size, task["name"], k.current_cpu, charged)
    cache = get_root_cache(k, size)
    if k.trail_slab:
        slab, slot = yield from slab_alloc_node(k, cache, obj, gfp)
    else:
        slab, slot = place(k, cache, obj)
    new_object(k, obj, size, charged, None, slab["name"], slot)
    borrowed = k.has("task_objcg")
    if borrowed:  # v6.7: the task's objcg, without a reference of the allocation's own
        objcg = yield from task_objcg.current_obj_cgroup(k, task)
    else:
        objcg = yield from lookup_objcg(k, task, borrowed)
    if objcg is None:
        yield ("memcg_slab_post_alloc_hook.unaccounted", obj, 0)
        return 0
    ret = yield from charge(k)(k, objcg, gfp, charged)
    rec = k.st.objects[obj]
    if ret:
        if not borrowed:
            yield from obj_cgroup_put(k, objcg, "current")
        k.st.drop("objects", obj)
        returned_null(k, obj)
        if k.trail_slab:
            yield ("memcg_alloc_abort_single.free", obj, ret)
            yield from slab_free_object(k, rec)
        else:
            free_quietly(k, rec)
            yield ("memcg_alloc_abort_single.free", obj, ret)
        return ret
    if alloc_page_obj_cgroups(k, slab) and k.trail_slab:
        yield ("memcg_alloc_page_obj_cgroups.alloc", slab["cache"], slab["index"],
               cache["per_slab"])
    k.st.set(rec, "objcg", objcg)
    k.st.set(rec, "accounted", True)
    k.st.set(rec, "charged", charged)  # new_object made it unaccounted (charged 0)
    obj_cgroup_get(k, objcg, f"obj:{obj}")  # slab_obj_exts(slab)[off].objcg
    yield ("memcg_slab_post_alloc_hook.bind", obj, objcg)
    if k.has("objcg_vmstat_stock") and k.cpu(k.current_cpu)["cached_objcg"] != objcg:
        yield from objcg_vmstat.mod_objcg_state(k, objcg)
    if not borrowed:
        yield from obj_cgroup_put(k, objcg, "current")
    return 0
