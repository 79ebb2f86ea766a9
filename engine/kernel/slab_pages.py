"""Slab pages (mm/slub.c, simplified): caches of SIZE-byte objects, slabs with slots.

Both kernels use this allocator; they differ in which cache an object comes from
(v5.9: one cache per size shared by every memcg; v5.8: a clone per memcg, see
engine.kernel.v58) and in what a new or freed slab page does to memcg.

The allocator's policy, fixed so that every run agrees (the kernel's is more involved):
- Geometry: a SIZE up to PAGE_SIZE/2 uses order-0 slabs of PAGE_SIZE // SIZE objects; a
  bigger SIZE takes the smallest order (at most 3) whose slab holds two objects, or the
  smallest order that holds one.
- Placement: an object goes into the lowest-numbered slab of its cache that has a free
  slot, at that slab's lowest free slot. A new slab page is allocated only when every
  slab of the cache is full. Slabs are numbered 0, 1, 2... per cache, never reused.
  (SLUB serves each CPU from its own slab first; the model has one list per cache.)
- Freeing: a slab whose last object is freed is freed at once. (SLUB keeps up to
  min_partial empty slabs on an active cache; a deactivated v5.8 cache keeps none.)
"""
from __future__ import annotations

import bisect

from engine.kernel.base import Kernel, Steps, kfunc
from engine.model import Record

COSTLY_ORDER = 3  # PAGE_ALLOC_COSTLY_ORDER


def slab_geometry(size: int, page_size: int) -> tuple[int, int]:
    """(order, objects per slab) of a cache of `size`-byte objects (see the policy above)."""
    if size <= page_size // 2:
        return 0, page_size // size
    for order in range(COSTLY_ORDER + 1):
        if (page_size << order) // size >= 2:
            return order, (page_size << order) // size
    order = COSTLY_ORDER + 1
    while (page_size << order) < size:
        order += 1
    return order, 1


def root_cache_name(size: int) -> str:
    return f"size-{size}"


def get_root_cache(k: Kernel, size: int) -> Record:
    """kmem_cache_create("size-SIZE", SIZE, SLAB_ACCOUNT) on first use: the shared cache."""
    name = root_cache_name(size)
    cache = k.st.tables["caches"].get(name)
    return cache if cache is not None else new_cache(k, name, size, None, None)


def new_cache(k: Kernel, name: str, size: int, memcg: str | None, root: str | None) -> Record:
    """A kmem_cache record: a root cache (memcg None) or a v5.8 per-memcg clone."""
    order, per_slab = slab_geometry(size, k.page_size)
    return k.st.new("caches", name, {
        "kind": "cache", "name": name, "size": size, "order": order, "per_slab": per_slab,
        "memcg": memcg, "root": root, "state": "active",
        "slabs": (),  # slab indexes, in allocation order
        "partial": (),  # indexes of slabs with a free slot, ascending
        "nr_objects": 0, "next_slab": 0,
        "memcg_caches": (),  # root caches, v5.8: the clone of each kmemcg_id (or None)
        # audit (not a kernel field): pages of its slabs charged to `memcg` (v5.8)
        "charged_pages": 0,
    })


def slab_name(cache: str, index: int) -> str:
    return f"{cache}:{index}"


def slab_pages(cache: Record) -> int:
    return 1 << cache["order"]


@kfunc
def allocate_slab(k: Kernel, cache: Record, gfp: str) -> Steps:
    """allocate_slab(): a new slab page for the cache; v5.8 charges it (charge_slab_page)."""
    st = k.st
    index = cache["next_slab"]
    st.set(cache, "next_slab", index + 1)
    name = slab_name(cache["name"], index)
    slab = st.new("slabs", name, {
        "kind": "slab", "name": name, "cache": cache["name"], "index": index,
        "slots": (None,) * cache["per_slab"], "inuse": 0,
        "obj_cgroups": False,  # v5.9: page->obj_cgroups allocated
        "charged": False,  # v5.8: its pages are charged to the cache's memcg
    })
    if k.trail_slab:
        yield ("allocate_slab.new", cache["name"], index, slab_pages(cache), cache["per_slab"])
    if cache["root"] is not None:  # a v5.8 clone: the page is charged to its memcg
        from engine.kernel.v58 import memcg_charge_slab

        ret = yield from memcg_charge_slab(k, cache, slab, gfp)
        if ret:
            st.drop("slabs", name)
            yield ("allocate_slab.failed", cache["name"], index, ret)
            return None
    st.set(cache, "slabs", cache["slabs"] + (index,))
    st.set(cache, "partial", cache["partial"] + (index,))  # the newest has the highest index
    return slab


@kfunc
def slab_alloc_node(k: Kernel, cache: Record, obj: str, gfp: str) -> Steps:
    """slab_alloc_node(): a free slot in the lowest-numbered partial slab, else a new slab.

    Returns the slab record (the object's slot is `slot_of`), or None if no page came."""
    st = k.st
    partial = cache["partial"]
    if partial:
        slab = st.tables["slabs"][slab_name(cache["name"], partial[0])]
    else:
        slab = yield from allocate_slab(k, cache, gfp)
        if slab is None:
            return None
    slots = slab["slots"]
    slot = slots.index(None)
    st.set(slab, "slots", slots[:slot] + (obj,) + slots[slot + 1:])
    st.set(slab, "inuse", slab["inuse"] + 1)
    st.set(cache, "nr_objects", cache["nr_objects"] + 1)
    if slab["inuse"] == cache["per_slab"]:
        st.set(cache, "partial", cache["partial"][1:])  # it was the first partial slab
    if k.trail_slab:
        yield ("slab_alloc_node.place", obj, cache["name"], slab["index"], slot,
               slab["inuse"], cache["per_slab"])
    return slab


@kfunc
def slab_free_object(k: Kernel, obj: Record) -> Steps:
    """do_slab_free(): the object's slot is free again; an empty slab goes (discard_slab)."""
    st = k.st
    slab = st.tables["slabs"][obj["slab"]]
    cache = st.tables["caches"][slab["cache"]]
    slots = slab["slots"]
    slot = slots.index(obj["name"])
    was_full = slab["inuse"] == cache["per_slab"]
    st.set(slab, "slots", slots[:slot] + (None,) + slots[slot + 1:])
    st.set(slab, "inuse", slab["inuse"] - 1)
    st.set(cache, "nr_objects", cache["nr_objects"] - 1)
    if was_full:
        partial = cache["partial"]
        at = bisect.bisect_left(partial, slab["index"])
        st.set(cache, "partial", partial[:at] + (slab["index"],) + partial[at:])
    if k.trail_slab:
        yield ("do_slab_free.slot", obj["name"], cache["name"], slab["index"], slot,
               slab["inuse"], cache["per_slab"])
    if slab["inuse"] == 0:
        yield from discard_slab(k, cache, slab)


@kfunc
def discard_slab(k: Kernel, cache: Record, slab: Record) -> Steps:
    """discard_slab(): free an empty slab page (v5.9: and its objcg vector; v5.8: uncharge)."""
    st = k.st
    index = slab["index"]
    if slab["obj_cgroups"]:
        st.set(slab, "obj_cgroups", False)
        if k.trail_slab:
            yield ("memcg_free_page_obj_cgroups.free", cache["name"], index)
    if slab["charged"]:
        from engine.kernel.v58 import memcg_uncharge_slab

        yield from memcg_uncharge_slab(k, cache, slab)
    st.set(cache, "slabs", tuple(i for i in cache["slabs"] if i != index))
    st.set(cache, "partial", tuple(i for i in cache["partial"] if i != index))
    st.drop("slabs", slab["name"])
    if k.trail_slab:
        yield ("discard_slab.freed", cache["name"], index, slab_pages(cache), len(cache["slabs"]))
    if cache["state"] == "dead" and not cache["slabs"]:
        from engine.kernel.v58 import kmemcg_cache_shutdown

        yield from kmemcg_cache_shutdown(k, cache["name"])


def alloc_page_obj_cgroups(k: Kernel, slab: Record) -> bool:
    """memcg_alloc_page_obj_cgroups() if the page has no vector yet (kcalloc without
    __GFP_ACCOUNT: charged to nobody). Returns whether it was allocated now."""
    if slab["obj_cgroups"]:
        return False
    k.st.set(slab, "obj_cgroups", True)
    return True
