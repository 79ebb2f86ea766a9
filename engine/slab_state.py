"""The `slab` section of the JSON state, the figures a comparison shows, and the checks
of the slab pages (both kernels) and of v5.8's page charging."""
from __future__ import annotations

from collections import Counter
from typing import Any, NamedTuple

from engine.kernel.base import ROOT
from engine.kernel.slab_pages import slab_geometry, slot_objects, slub_layout
from engine.model import State


def slab_json(st: State) -> dict[str, Any]:
    """{"pages", "objects", "object_bytes", "slab_bytes", "utilisation", "dead_caches", "caches"}."""
    ps = st.sys["page_size"]
    slabs = st.tables["slabs"]
    slots = slot_objects(st)
    caches = []
    for c in st.in_order("caches"):
        per_slab = 1 << c["order"]
        entry = {
            "name": c["name"], "size": c["size"], "memcg": c["memcg"], "state": c["state"],
            "objects_per_slab": c["per_slab"], "order": c["order"],
            "slabs": len(c["slabs"]), "objects": c["nr_objects"],
            "pages": len(c["slabs"]) * per_slab,
            "slab_list": [_slab(slabs[f"{c['name']}:{i}"], slots) for i in c["slabs"]],
        }
        caches.append(entry)
    f = figures(st)
    return {"pages": f.pages, "objects": f.objects, "object_bytes": f.object_bytes,
            "slab_bytes": f.pages * ps, "utilisation": f.utilisation,
            "dead_caches": f.dead_caches, "caches": caches}


def _slab(s: dict[str, Any], slots: dict[str, list[str | None]]) -> dict[str, Any]:
    return {"index": s["index"], "inuse": s["inuse"], "objects": slots[s["name"]],
            "obj_cgroups": s["obj_cgroups"], "charged": s["charged"]}


class SlabFigures(NamedTuple):
    """What the comparison puts side by side."""

    pages: int  # slab pages of every cache, order included
    objects: int
    object_bytes: int
    utilisation: float | None  # object bytes / slab bytes, None without slab pages
    caches: int
    dead_caches: int
    dying_memcgs: int


def figures(st: State) -> SlabFigures:
    ps = st.sys["page_size"]
    pages = objects = object_bytes = dead = 0
    for c in st.tables["caches"].values():
        pages += len(c["slabs"]) << c["order"]
        objects += c["nr_objects"]
        object_bytes += c["nr_objects"] * c["size"]
        dead += c["state"] == "dead"
    dying = sum(1 for m in st.memcgs.values() if m["state"] == "dying")
    util = round(object_bytes / (pages * ps), 4) if pages else None
    return SlabFigures(pages, objects, object_bytes, util, len(st.tables["caches"]), dead, dying)


# -- the model's layout against SLUB's ------------------------------------------------
def layout_notes(st: State) -> list[str]:
    """One line per cache whose slabs the model lays out otherwise than v5.9's SLUB
    would on this machine (engine.kernel.slab_pages.slub_layout), marked ≈."""
    ps, cpus = st.sys["page_size"], st.sys["cpus"]
    out, seen = [], set()
    for c in st.in_order("caches"):
        size = c["size"]
        if size in seen:
            continue
        seen.add(size)
        order, per_slab = slab_geometry(size, ps)
        slub = slub_layout(size, cpus, ps)
        if (order, per_slab) != (slub.order, slub.objects):
            out.append(f"≈ size-{size}: the model uses order-{order} slabs of {per_slab} "
                       f"objects; SLUB (calculate_order, {cpus} CPUs) order-{slub.order} slabs "
                       f"of {slub.objects} ({slub.size}-byte objects)")
    return out


def slub_pages_lower_bound(st: State) -> int:
    """The fewest slab pages SLUB's layout could hold the live objects in, cache by cache
    (objects packed, no partial slabs): compare's saving keeps its sign against it."""
    ps, cpus = st.sys["page_size"], st.sys["cpus"]
    pages = 0
    for c in st.tables["caches"].values():
        if c["nr_objects"]:
            slub = slub_layout(c["size"], cpus, ps)
            pages += -(-c["nr_objects"] // slub.objects) << slub.order
    return pages


# -- checks (engine.invariants calls these) --------------------------------------------
def charged_pages_by_memcg(st: State) -> Counter[str]:
    """v5.8's page charges held by slabs, by the memcg their cache belongs to now, plus
    the pages root keeps after uncharges v5.8 skips (memcg_uncharge_slab)."""
    out: Counter[str] = Counter()
    for c in st.tables["caches"].values():
        if c["charged_pages"]:
            out[c["memcg"]] += c["charged_pages"]
    if st.sys.get("slab_root_kept"):
        out[ROOT] += st.sys["slab_root_kept"]
    return out


def cache_holders(st: State, memcg: str) -> set[str]:
    """The css references v5.8 clone caches hold on a memcg (memcg_link_cache), and those
    of clone creations still queued (memcg_schedule_kmem_cache_create)."""
    held = {f"cache:{c}" for c in st.memcgs[memcg].get("kmem_caches", ())}
    if any(item[3] == "memcg_kmem_cache_create_func" and item[4][0] == memcg
           for item in st.sys["work"]):
        held.add("cache_create")
    return held


def check_slabs(st: State) -> None:
    """Every object sits in exactly one slot of its cache; counts and lists agree."""
    from engine.invariants import InvariantViolation

    def fail(text: str) -> None:
        raise InvariantViolation(f"slab: {text}")

    caches, slabs, objects = st.tables["caches"], st.tables["slabs"], st.objects
    placed: Counter[str] = Counter()
    slots = slot_objects(st)
    for s in slabs.values():
        c = caches.get(s["cache"])
        if c is None or s["index"] not in c["slabs"]:
            fail(f"slab {s['name']} is not on its cache's list")
        names = [o for o in slots[s["name"]] if o is not None]
        if len(names) != s["inuse"] or s["inuse"] == 0 or bin(s["used"]).count("1") != s["inuse"]:
            fail(f"slab {s['name']} inuse {s['inuse']} with {len(names)} objects, "
                 f"used slots {bin(s['used'])}")
        if s["used"] >> c["per_slab"]:
            fail(f"slab {s['name']} uses a slot beyond its {c['per_slab']}")
        for o in names:
            placed[o] += 1
            if o not in objects or objects[o].get("slab") != s["name"]:
                fail(f"slab {s['name']} lists {o}, which is not an object placed there")
            if not s["used"] >> objects[o]["slot"] & 1:
                fail(f"object {o}'s slot {objects[o]['slot']} is free in {s['name']}")
        if s["charged"] and (c["root"] is None or st.sys["kernel"] != "5.8"):
            fail(f"slab {s['name']} charged outside a v5.8 clone")
    for name, o in objects.items():
        if "slab" in o and placed[name] != 1:
            fail(f"object {name} is in {placed[name]} slots")
    for c in caches.values():
        inuse = [slabs[f"{c['name']}:{i}"]["inuse"] for i in c["slabs"]]
        if sum(inuse) != c["nr_objects"]:
            fail(f"cache {c['name']} counts {c['nr_objects']} objects, its slabs {sum(inuse)}")
        partial = tuple(i for i, n in zip(c["slabs"], inuse) if n < c["per_slab"])
        if tuple(sorted(partial)) != c["partial"]:
            fail(f"cache {c['name']} partial list {c['partial']} != {partial}")
        charged = sum(1 << c["order"] for i in c["slabs"] if slabs[f"{c['name']}:{i}"]["charged"])
        if charged != c["charged_pages"]:
            fail(f"cache {c['name']} books {c['charged_pages']} charged pages, its slabs {charged}")
        if c["root"] is not None and c["name"] not in st.memcgs[c["memcg"]]["kmem_caches"]:
            fail(f"clone {c['name']} is not on {c['memcg']}'s kmem_caches")
