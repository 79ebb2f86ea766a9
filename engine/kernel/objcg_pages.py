"""Whole kmem pages charged and uncharged through an objcg, from v5.13.

Muchun Song's series "Use obj_cgroup APIs to charge kmem pages" (v5.13: e74d225910ec,
b4e0b68fbd9d, f1286fae5406) moved the page charge into obj_cgroup_charge_pages() and the
uncharge into obj_cgroup_uncharge_pages(), both of which pin the objcg's memcg with
get_mem_cgroup_from_objcg() (css_tryget, retried on a memcg being released). An
accounted page (alloc_pages) now records the current objcg, not the memcg: the page
pins the objcg, so a removed cgroup is freed while its pages live, and a page freed after
its memcg's offline is uncharged from the memcg its objcg points at now (the parent).

Source: v5.14.2 mm/memcontrol.c (get_mem_cgroup_from_objcg l.2809-2821,
obj_cgroup_uncharge_pages l.2987-2999, obj_cgroup_charge_pages l.3009-3041,
__memcg_kmem_charge_page l.3051-3067, __memcg_kmem_uncharge_page l.3074-3086), the
patches of the series in the mailing-list archives, and v5.12.9 for what 5.13 kept; no
v5.13 tree exists to read.
"""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import ROOT, Kernel, Steps, kfunc
from engine.kernel.kmem import hand_over
from engine.kernel.kmem_v1 import memcg_kmem_charge_v1
from engine.kernel.memcg import GFP_MASKS, try_charge, try_charge_memcg
from engine.kernel.page_counter import KMEM, page_counter_uncharge
from engine.kernel.objcg import pages_charged
from engine.kernel.objstock import consume_obj_stock, refill_obj_stock
from engine.kernel.refs import css_put, obj_cgroup_get, obj_cgroup_put
from engine.kernel.slab import lookup_objcg
from engine.kernel.stock import refill_stock
from engine.model import Record

PIN = "pin"  # the css reference get_mem_cgroup_from_objcg hands its caller


def get_mem_cgroup_from_objcg(k: Kernel, objcg: str) -> str:
    """get_mem_cgroup_from_objcg(): css_tryget on the objcg's current memcg, re-reading
    objcg->memcg until it succeeds (a memcg whose count reached zero is being released;
    reparenting has already moved the objcg). Sequentially the first try succeeds; the
    caller's next step shows the pin."""
    memcg = k.objcgs[objcg]["memcg"]
    rec = k.memcgs[memcg]
    assert memcg == ROOT or rec["refcnt"] > 0, "an objcg points at a released memcg"
    if memcg != ROOT:
        k.st.hold(rec, PIN, +1)
    return memcg


def refcnt_of(k: Kernel, memcg: str) -> object:
    return "not counted (root)" if memcg == ROOT else k.memcgs[memcg]["refcnt"]


@kfunc
def obj_cgroup_charge_pages(k: Kernel, objcg: str, gfp: str, nr_pages: int) -> Steps:
    """obj_cgroup_charge_pages(): pin the memcg, charge it (try_charge and, in v1, the
    kmem counter), unpin. From v5.14 (c5c8b16b596e) through try_charge_memcg, which has
    no root check: an objcg pointing at the root charges the root's counter."""
    memcg = get_mem_cgroup_from_objcg(k, objcg)
    yield ("obj_cgroup_charge_pages.pin", objcg, nr_pages, memcg, refcnt_of(k, memcg))
    if memcg == ROOT and not k.has("objcg_charges_root"):
        k.notes.append(
            f"objcg {objcg} points at the root: try_charge charges nothing there, yet the "
            "pages count as the objcg's (unbacked, a 5.13 imbalance fixed in 5.14)")
    charge = try_charge_memcg if k.has("objcg_charges_root") else try_charge
    ret = yield from charge(k, memcg, gfp, nr_pages)
    if ret == 0 and k.v1:  # f1286fae5406 inlined __memcg_kmem_charge's v1 half here
        ret = yield from memcg_kmem_charge_v1(k, memcg, "nofail" in GFP_MASKS[gfp], nr_pages,
                                              "obj_cgroup_charge_pages")
    css_put(k, memcg, PIN)  # shown by the caller's next step
    return ret


def uncharge_to_stock(k: Kernel, memcg: str, nr_pages: int) -> Steps:
    """The body __memcg_kmem_uncharge had in v5.11 and obj_cgroup_uncharge_pages has from
    v5.13 (f1286fae5406 inlined it): the v1 kmem counter at once, the memory pages to this
    CPU's page stock. Takes pages the caller handed over (kmem.hand_over)."""
    if k.v1:
        page_counter_uncharge(k, memcg, nr_pages, KMEM)
        audit.kmem_inflight(k, memcg, -nr_pages)
    return refill_stock(k, memcg, nr_pages)


@kfunc
def obj_cgroup_uncharge_pages(k: Kernel, objcg: str, nr_pages: int) -> Steps:
    """obj_cgroup_uncharge_pages(): pin the objcg's memcg, v1 kmem uncharge, the pages to
    this CPU's page stock (refill_stock), unpin. Takes pages handed over by the caller."""
    memcg = get_mem_cgroup_from_objcg(k, objcg)
    yield ("obj_cgroup_uncharge_pages.pin", objcg, nr_pages, memcg, refcnt_of(k, memcg),
           k.current_cpu)
    yield from uncharge_to_stock(k, memcg, nr_pages)
    css_put(k, memcg, PIN)  # shown by the caller's next step


@kfunc
def obj_cgroup_charge(k: Kernel, objcg: str, gfp: str, size: int) -> Steps:
    """obj_cgroup_charge() from v5.13 (e74d225910ec; 5.14.2 l.3262-3304): the byte stock,
    else whole pages through obj_cgroup_charge_pages (which pins the memcg itself), and
    the tail to the byte stock (from v5.14 without ever uncharging, 5387c90490f7)."""
    yield ("obj_cgroup_charge.call", objcg, size, k.current_cpu, gfp)
    if (yield from consume_obj_stock(k, objcg, size)):
        return 0
    nr_pages, rem = divmod(size, k.page_size)
    if rem:
        nr_pages += 1
    ret = yield from obj_cgroup_charge_pages(k, objcg, gfp, nr_pages)
    if ret == 0:
        pages_charged(k, objcg, k.objcgs[objcg]["memcg"], nr_pages, size)
        yield ("obj_cgroup_charge.charged", objcg, nr_pages, size)
        if rem:
            yield from refill_obj_stock(k, objcg, k.page_size - rem, allow_uncharge=False)
    yield ("obj_cgroup_charge.done_objcg", objcg, ret)
    return ret


def charge_page_objcg(k: Kernel, obj: str, task: Record, gfp: str, order: int) -> Steps:
    """__memcg_kmem_charge_page() from v5.13 (b4e0b68fbd9d): the current objcg pays; on
    success page->memcg_data records the objcg, which keeps the lookup's reference (its
    steps are __memcg_kmem_charge_page's)."""
    borrowed = k.has("task_objcg")  # v6.7: no lookup reference; the page takes its own
    objcg = yield from lookup_objcg(k, task, borrowed)
    if objcg is None:
        yield ("__memcg_kmem_charge_page.no_objcg", obj)
        return 0
    nr_pages = 1 << order
    ret = yield from obj_cgroup_charge_pages(k, objcg, gfp, nr_pages)
    if ret:
        if not borrowed:
            yield from obj_cgroup_put(k, objcg, "current")
        return ret
    rec, page = k.objcgs[objcg], k.st.objects[obj]
    memcg = rec["memcg"]
    audit.inflight_pages(k, memcg, -nr_pages)
    if k.v1:
        audit.kmem_inflight(k, memcg, -nr_pages)
    audit.objcg_pages(k, objcg, nr_pages)
    k.st.add(rec, "live", nr_pages * k.page_size)
    k.st.set(page, "objcg", objcg)  # page->memcg_data = objcg | MEMCG_DATA_KMEM
    k.st.set(page, "accounted", True)
    k.st.set(page, "charged", nr_pages * k.page_size)
    obj_cgroup_get(k, objcg, f"page:{obj}")  # the lookup's reference stays with the page
    if not borrowed:
        k.st.hold(rec, "current", -1)  # (one transfer, not a new count)
    yield ("__memcg_kmem_charge_page.objcg", obj, objcg, nr_pages, rec["refcnt"])
    return 0


@kfunc
def __memcg_kmem_uncharge_page(k: Kernel, obj: str, objcg: str, nr_pages: int) -> Steps:
    """__memcg_kmem_uncharge_page() from v5.13 (b4e0b68fbd9d): obj_cgroup_uncharge_pages
    of the objcg the page recorded (so of the memcg it points at now), then the page's
    objcg reference goes."""
    rec = k.objcgs[objcg]
    memcg = rec["memcg"]
    k.st.add(rec, "live", -nr_pages * k.page_size)
    audit.objcg_pages(k, objcg, -nr_pages)
    hand_over(k, memcg, nr_pages)
    yield ("__memcg_kmem_uncharge_page.objcg", obj, objcg, nr_pages, memcg)
    yield from obj_cgroup_uncharge_pages(k, objcg, nr_pages)
    k.st.drop("objects", obj)  # page->memcg_data = 0, and the block goes back
    yield from obj_cgroup_put(k, objcg, f"page:{obj}")
