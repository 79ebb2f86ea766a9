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
from engine.kernel.refs import obj_cgroup_put
from engine.kernel.slab import allocate, bind, charge, lookup_objcg, obj_full_size, returned_null
from engine.kernel.slab_pages import free_quietly, slab_free_object
from engine.model import Record


@kfunc
def slab_alloc(k: Kernel, obj: str, size: int, task: Record, gfp: str) -> Steps:
    """slab_alloc_node, then memcg_slab_post_alloc_hook charging the object (v6.10)."""
    charged = obj_full_size(k, size)
    yield ("slab_alloc.call", obj, size, task["name"], k.current_cpu, charged)
    cache, slab = yield from allocate(k, obj, size, charged, None, gfp)
    borrowed = k.has("task_objcg")  # v6.7: no reference of the allocation's own
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
    yield from bind(k, obj, objcg, cache, slab, charged)  # slab_obj_exts(slab)[off].objcg
    if not borrowed:
        yield from obj_cgroup_put(k, objcg, "current")
    return 0
