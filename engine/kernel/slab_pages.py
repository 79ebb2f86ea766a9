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
from typing import NamedTuple

from engine.kernel.base import Kernel, Steps, kfunc
from engine.model import Record, State

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


# SLUB's own layout, for comparison with the model's (mm/slub.c of v5.9)
SLUB_MAX_ORDER = COSTLY_ORDER  # slub_max_order = PAGE_ALLOC_COSTLY_ORDER (l.3362)
MIN_PARTIAL, MAX_PARTIAL = 5, 10  # l.165, l.172
WORD = 8  # sizeof(void *); ARCH_SLAB_MINALIGN is 8 too (mm/slab_common.c l.156-159)


class SlubLayout(NamedTuple):
    size: int  # s->size: the object size rounded as calculate_sizes() does
    order: int
    objects: int  # objects per slab
    min_partial: int  # empty slabs an active cache keeps on its node's partial list


def slub_layout(object_size: int, nr_cpus: int, page_size: int) -> SlubLayout:
    """What v5.9's SLUB makes of a cache of `object_size` bytes without debug options on a
    machine of `nr_cpus` CPUs: calculate_sizes() (l.3636-3776: word alignment, no
    metadata without debug or a constructor), calculate_order() (l.3415-3462: at least
    4 * (fls(nr_cpu_ids) + 1) objects where order 3 allows, accepting 1/16, then 1/8, then
    1/4 of the slab wasted) and set_min_partial(ilog2(size) / 2) (l.3811, clamped 5..10)."""
    size = -(-object_size // WORD) * WORD

    def objects(order: int) -> int:
        return (page_size << order) // size  # order_objects(), l.316-319

    def slab_order(min_objects: int, max_order: int, fraction: int) -> int:  # l.3390-3413
        order = max(0, (min_objects * size - 1).bit_length() - page_size.bit_length() + 1)
        while order <= max_order:
            slab_size = page_size << order
            if slab_size % size <= slab_size // fraction:
                break
            order += 1
        return order

    min_objects = min(4 * (nr_cpus.bit_length() + 1), objects(SLUB_MAX_ORDER))
    order = None
    while order is None and min_objects > 1:
        for fraction in (16, 8, 4):
            candidate = slab_order(min_objects, SLUB_MAX_ORDER, fraction)
            if candidate <= SLUB_MAX_ORDER:
                order = candidate
                break
        min_objects -= 1
    if order is None:
        order = slab_order(1, SLUB_MAX_ORDER, 1)
        if order > SLUB_MAX_ORDER:
            order = slab_order(1, 10, 1)  # MAX_ORDER 11: the largest order it may try
    min_partial = min(max(size.bit_length() - 1, 0) // 2, MAX_PARTIAL)
    return SlubLayout(size, order, objects(order), max(min_partial, MIN_PARTIAL))


def get_root_cache(k: Kernel, size: int) -> Record:
    """kmem_cache_create("size-SIZE", SIZE, SLAB_ACCOUNT) on first use: the shared cache."""
    name = f"size-{size}"
    cache = k.st.tables["caches"].get(name)
    return cache if cache is not None else new_cache(k, name, size, None, None)


def new_cache(k: Kernel, name: str, size: int, memcg: str | None, root: str | None) -> Record:
    """A kmem_cache record: a root cache (memcg None) or a v5.8 per-memcg clone."""
    order, per_slab = slab_geometry(size, k.page_size)
    return k.st.new("caches", name, {
        "kind": "cache", "name": name, "size": size, "order": order, "per_slab": per_slab,
        "memcg": memcg, "root": root, "state": "active",
        "killing": False,  # v5.8 dead clone: killed, refcount not yet atomic (engine.kernel.v58)
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


def slot_objects(st: State) -> dict[str, list[str | None]]:
    """Each slab's slots (the object in each, None when free), from the objects' records."""
    caches, slabs = st.tables["caches"], st.tables["slabs"]
    out: dict[str, list[str | None]] = {
        name: [None] * caches[s["cache"]]["per_slab"] for name, s in slabs.items()}
    for obj in st.in_order("objects"):
        if obj.get("slab") is not None:
            out[obj["slab"]][obj["slot"]] = obj["name"]
    return out


# -- the allocator's moves: plain functions, so that a v5.9 run without the slab trail
# pays no generator per object; the kfuncs below add the trail's steps around them.
def new_slab(k: Kernel, cache: Record) -> Record:
    """A new slab page record, not yet on the cache's lists."""
    index = cache["next_slab"]
    k.st.set(cache, "next_slab", index + 1)
    name = slab_name(cache["name"], index)
    return k.st.new("slabs", name, {
        "kind": "slab", "name": name, "cache": cache["name"], "index": index,
        "used": 0,  # bit i set: slot i holds an object
        "inuse": 0,
        "obj_cgroups": False,  # v5.9: page->obj_cgroups allocated
        "charged": False,  # v5.8: its pages are charged to the cache's memcg
    })


def link_slab(k: Kernel, cache: Record, slab: Record) -> None:
    """The new slab joins the cache (as its highest-numbered, partial slab)."""
    k.st.set(cache, "slabs", cache["slabs"] + (slab["index"],))
    k.st.set(cache, "partial", cache["partial"] + (slab["index"],))


def first_partial(k: Kernel, cache: Record) -> Record | None:
    partial = cache["partial"]
    return k.st.tables["slabs"][slab_name(cache["name"], partial[0])] if partial else None


def put_object(k: Kernel, cache: Record, slab: Record, obj: str) -> int:
    """Take the slab's lowest free slot for obj; returns the slot."""
    put = k.st.set
    used = slab["used"]
    slot = (~used & (used + 1)).bit_length() - 1  # the lowest clear bit
    put(slab, "used", used | (1 << slot))
    inuse = slab["inuse"] + 1
    put(slab, "inuse", inuse)
    put(cache, "nr_objects", cache["nr_objects"] + 1)
    if inuse == cache["per_slab"]:
        put(cache, "partial", cache["partial"][1:])  # it was the first partial slab
    return slot


def place(k: Kernel, cache: Record, obj: str) -> tuple[Record, int]:
    """The whole placement when no page needs charging (v5.9, or a root cache)."""
    partial = cache["partial"]
    if partial:
        slab = k.st.tables["slabs"][f"{cache['name']}:{partial[0]}"]
    else:
        slab = new_slab(k, cache)
        link_slab(k, cache, slab)
    return slab, put_object(k, cache, slab, obj)


def take_object(k: Kernel, obj: Record) -> tuple[Record, Record]:
    """Free the object's slot; returns (cache, slab). The caller frees an empty slab."""
    tables, put = k.st.tables, k.st.set
    slab = tables["slabs"][obj["slab"]]
    cache = tables["caches"][slab["cache"]]
    inuse = slab["inuse"]
    put(slab, "used", slab["used"] & ~(1 << obj["slot"]))
    put(slab, "inuse", inuse - 1)
    put(cache, "nr_objects", cache["nr_objects"] - 1)
    if inuse == cache["per_slab"]:  # it was full: it is partial again
        partial = cache["partial"]
        at = bisect.bisect_left(partial, slab["index"])
        put(cache, "partial", partial[:at] + (slab["index"],) + partial[at:])
    return cache, slab


def unlink_slab(k: Kernel, cache: Record, slab: Record) -> None:
    """An empty slab leaves its cache and is freed (its objcg vector with it)."""
    st = k.st
    index = slab["index"]
    if slab["obj_cgroups"]:
        st.set(slab, "obj_cgroups", False)
    st.set(cache, "slabs", tuple(i for i in cache["slabs"] if i != index))
    st.set(cache, "partial", tuple(i for i in cache["partial"] if i != index))
    st.drop("slabs", slab["name"])


def free_quietly(k: Kernel, obj: Record) -> None:
    """v5.9 without the slab trail: do_slab_free and, if the slab empties, discard_slab."""
    cache, slab = take_object(k, obj)
    if slab["inuse"] == 0:
        unlink_slab(k, cache, slab)


# -- the same moves as kernel functions, with their steps in the trail ------------------
@kfunc
def allocate_slab(k: Kernel, cache: Record, gfp: str) -> Steps:
    """allocate_slab(): a new slab page for the cache; v5.8 charges it (charge_slab_page)."""
    slab = new_slab(k, cache)
    yield ("allocate_slab.new", cache["name"], slab["index"], slab_pages(cache), cache["per_slab"])
    if cache["root"] is not None:  # a v5.8 clone: the page is charged to its memcg
        from engine.kernel.v58 import memcg_charge_slab

        ret = yield from memcg_charge_slab(k, cache, slab, gfp)
        if ret:
            k.st.drop("slabs", slab["name"])
            yield ("allocate_slab.failed", cache["name"], slab["index"], ret)
            return None
    link_slab(k, cache, slab)
    return slab


@kfunc
def slab_alloc_node(k: Kernel, cache: Record, obj: str, gfp: str) -> Steps:
    """slab_alloc_node(): a free slot in the lowest-numbered partial slab, else a new slab.

    Returns (slab record, slot), or None if no page came."""
    slab = first_partial(k, cache)
    if slab is None:
        slab = yield from allocate_slab(k, cache, gfp)
        if slab is None:
            return None
    slot = put_object(k, cache, slab, obj)
    yield ("slab_alloc_node.place", obj, cache["name"], slab["index"], slot,
           slab["inuse"], cache["per_slab"])
    return slab, slot


@kfunc
def slab_free_object(k: Kernel, obj: Record) -> Steps:
    """do_slab_free(): the object's slot is free again; an empty slab goes (discard_slab)."""
    cache, slab = take_object(k, obj)
    yield ("do_slab_free.slot", obj["name"], cache["name"], slab["index"], obj["slot"],
           slab["inuse"], cache["per_slab"])
    if slab["inuse"] == 0:
        yield from discard_slab(k, cache, slab)


@kfunc
def discard_slab(k: Kernel, cache: Record, slab: Record) -> Steps:
    """discard_slab(): free an empty slab page (v5.9: and its objcg vector; v5.8: uncharge)."""
    if slab["obj_cgroups"]:
        yield ("memcg_free_page_obj_cgroups.free", cache["name"], slab["index"])
    if slab["charged"]:
        from engine.kernel.v58 import memcg_uncharge_slab

        yield from memcg_uncharge_slab(k, cache, slab)
    unlink_slab(k, cache, slab)
    yield ("discard_slab.freed", cache["name"], slab["index"], slab_pages(cache), len(cache["slabs"]))
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
