"""Page-charged kmem (v5.9): an accounted page allocation, alloc_pages(GFP_KERNEL_ACCOUNT,
ORDER) or a SLUB kmalloc above two pages, charged by __memcg_kmem_charge_page.

Unlike a slab object, the page records its memcg (page->mem_cgroup) and keeps the css
reference taken by get_mem_cgroup_from_current until it is freed. Nothing reparents
it at offline, so a page keeps its memcg dying: the pinning obj_cgroup removed for slab
objects. The simulator names that reference after the object: holder "page:NAME".
"""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import ROOT, Kernel, Steps, kfunc
from engine.kernel.kmem import __memcg_kmem_uncharge, hand_over, memcg_kmem_uncharge
from engine.kernel.memcg import __memcg_kmem_charge
from engine.kernel.refs import css_get, css_put
from engine.kernel.slab import memcg_kmem_bypass, returned_null
from engine.model import Record
from engine.script import KERNEL_MAX_ORDER

LARGEST_ORDER = KERNEL_MAX_ORDER - 1  # the largest block the buddy allocator hands out


@kfunc
def alloc_pages(k: Kernel, obj: str, order: int, task: Record, gfp: str) -> Steps:
    """__alloc_pages_nodemask() with __GFP_ACCOUNT: a block of 2^order pages, then
    __memcg_kmem_charge_page(); a failed charge frees the block and returns NULL."""
    nr_pages = 1 << order
    yield ("alloc_pages.call", obj, order, nr_pages, task["name"], k.current_cpu, gfp)
    k.st.new("objects", obj, {
        "kind": "object", "name": obj, "type": "pages", "size": k.page_size << order,
        "order": order, "charged": 0, "objcg": None, "memcg": None, "accounted": False,
        "cpu": k.current_cpu,
    })
    if not k.st.sys["kmem_enabled"]:
        yield ("alloc_pages.kmem_off", obj)  # memcg_kmem_enabled(): no memcg ever online
        return 0
    ret = yield from __memcg_kmem_charge_page(k, obj, task, gfp, order)
    if ret:
        k.st.drop("objects", obj)
        returned_null(k, obj)
        yield ("alloc_pages.failed", obj, nr_pages, ret)
    return ret


@kfunc
def __memcg_kmem_charge_page(k: Kernel, obj: str, task: Record, gfp: str, order: int) -> Steps:
    """__memcg_kmem_charge_page(): charge the current memcg; on success the page keeps
    the css reference of get_mem_cgroup_from_current, else it is put."""
    if k.has("kmem_pages_through_objcg"):  # v5.13 (b4e0b68fbd9d): the page pins the objcg
        return (yield from objcg_pages.charge_page_objcg(k, obj, task, gfp, order))
    if memcg_kmem_bypass(task):
        yield ("memcg_kmem_bypass.bypass", task["name"])
        return 0
    memcg = yield from get_mem_cgroup_from_current(k, task)
    ret = 0
    nr_pages = 1 << order
    if memcg != ROOT:
        ret = yield from __memcg_kmem_charge(k, memcg, gfp, nr_pages)
        if ret == 0:
            # The pages now belong to the page, not to try_charge's hands.
            audit.inflight_pages(k, memcg, -nr_pages)
            if k.v1:
                audit.kmem_inflight(k, memcg, -nr_pages)
            audit.page_object(k, memcg, nr_pages)
            rec = k.st.objects[obj]
            k.st.set(rec, "memcg", memcg)  # page->mem_cgroup = memcg; __SetPageKmemcg
            k.st.set(rec, "accounted", True)
            k.st.set(rec, "charged", nr_pages * k.page_size)
            css_get(k, memcg, f"page:{obj}")  # the reference from the lookup stays
            css_put(k, memcg, "current")  # with the page (one transfer, not a new count)
            yield ("__memcg_kmem_charge_page.charged", obj, memcg, nr_pages,
                   k.memcgs[memcg]["refcnt"])
            return 0
    css_put(k, memcg, "current")
    yield ("__memcg_kmem_charge_page.put", memcg, ret)
    return ret


@kfunc
def get_mem_cgroup_from_current(k: Kernel, task: Record) -> Steps:
    """get_mem_cgroup_from_current(): current->active_memcg if set (css_tryget, which
    succeeds on a dying memcg), else the memcg of the task's mm (get_mem_cgroup_from_mm)."""
    active = task["active_memcg"]
    memcg = active if active is not None else task["memcg"]
    css_get(k, memcg, "current")  # css_tryget: the count is above zero (root: CSS_NO_REF)
    rec = k.memcgs[memcg]
    yield ("get_mem_cgroup_from_current.got", task["name"], memcg,
           "active_memcg" if active is not None else "its mm", rec["state"],
           None if memcg == ROOT else rec["refcnt"])
    return memcg


@kfunc
def free_pages(k: Kernel, obj: str) -> Steps:
    """__free_pages() of an accounted block: __memcg_kmem_uncharge_page() uncharges the
    memcg the page recorded (its counters directly) and drops the page's css reference."""
    rec = k.st.objects[obj]
    memcg, nr_pages = rec["memcg"], 1 << rec["order"]
    if rec["objcg"] is not None:  # v5.13: page->memcg_data holds the objcg
        yield ("free_pages.objcg", obj, rec["order"], nr_pages, rec["objcg"], k.current_cpu)
        yield from objcg_pages.__memcg_kmem_uncharge_page(k, obj, rec["objcg"], nr_pages)
        return
    yield ("free_pages.call", obj, rec["order"], nr_pages, memcg, k.current_cpu)
    if memcg is None:
        k.st.drop("objects", obj)
        yield ("free_pages.unaccounted", obj)
        return
    yield from __memcg_kmem_uncharge_page(k, obj, memcg, nr_pages)


@kfunc
def __memcg_kmem_uncharge_page(k: Kernel, obj: str, memcg: str, nr_pages: int) -> Steps:
    """__memcg_kmem_uncharge_page(): __memcg_kmem_uncharge(page->mem_cgroup), clear it,
    css_put: the page's pin on its memcg goes."""
    if k.has("uncharge_through_page_stock"):
        audit.page_object(k, memcg, -nr_pages)
        hand_over(k, memcg, nr_pages)
        yield from __memcg_kmem_uncharge(k, memcg, nr_pages)  # to the page stock (v5.11)
    else:
        memcg_kmem_uncharge(k, memcg, nr_pages)
        audit.page_object(k, memcg, -nr_pages)
        yield ("__memcg_kmem_uncharge_page.uncharge", obj, memcg, nr_pages,
               k.memcgs[memcg]["usage"])
    k.st.drop("objects", obj)  # page->mem_cgroup = NULL, and the block goes back
    css_put(k, memcg, f"page:{obj}")
    yield ("__memcg_kmem_uncharge_page.put", obj, memcg, k.memcgs[memcg]["refcnt"])


from engine.kernel import objcg_pages  # noqa: E402  (v5.13's page path; it imports us)
