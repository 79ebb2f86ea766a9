"""cgroup v1 (`!cgroup_subsys_on_dfl(memory_cgrp_subsys)`): the kmem page counter beside
the memory counter, the v1 limit files and memory.use_hierarchy, as in v5.9.

Swap accounting is off (do_memsw_account() is false), so the memsw counter plays no part.
"""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import ROOT, Kernel, Steps, kfunc
from engine.kernel.drain import drain_all_stock
from engine.kernel.page_counter import (
    KMEM, MEMORY, page_counter_charge, page_counter_set_max, page_counter_try_charge,
    page_counter_uncharge,
)

ENOMEM, EBUSY, EINVAL = -12, -16, -22


def memcg_kmem_charge_v1(k: Kernel, memcg: str, gfp_nofail: bool, nr_pages: int,
                         fn: str = "__memcg_kmem_charge") -> Steps:
    """The v1 half of __memcg_kmem_charge() (its steps are that function's, `fn`: from
    v5.13 obj_cgroup_charge_pages, which inlined it): memcg->kmem charged exactly (no
    batch); __GFP_NOFAIL forces it over its limit, anything else cancels the memory
    charge. From v5.16 (58056f77502f) there is no kmem limit: the kmem counter is charged
    unconditionally."""
    if k.has("kmem_limit_gone"):
        page_counter_charge(k, memcg, nr_pages, KMEM)
        audit.kmem_inflight(k, memcg, nr_pages)
        yield ("obj_cgroup_charge_pages.kmem_unlimited", memcg, nr_pages,
               k.memcgs[memcg]["kmem_usage"])
        return 0
    refused = page_counter_try_charge(k, memcg, nr_pages, KMEM)
    if refused is None:
        audit.kmem_inflight(k, memcg, nr_pages)
        yield (f"{fn}.kmem", memcg, nr_pages, k.memcgs[memcg]["kmem_usage"])
        return 0
    over = k.memcgs[refused]
    yield (f"{fn}.kmem_refused", memcg, nr_pages, refused, over["kmem_usage"],
           over["kmem_max"], over["kmem_failcnt"])
    if gfp_nofail:
        page_counter_charge(k, memcg, nr_pages, KMEM)
        audit.kmem_inflight(k, memcg, nr_pages)
        yield (f"{fn}.kmem_nofail", memcg, nr_pages, k.memcgs[memcg]["kmem_usage"])
        return 0
    yield from cancel_charge(k, memcg, nr_pages)
    return ENOMEM


@kfunc
def cancel_charge(k: Kernel, memcg: str, nr_pages: int) -> Steps:
    """cancel_charge(): give back what try_charge took, straight to the memory counter
    (not to the stock, even when try_charge was served from the stock)."""
    if memcg == ROOT:
        return
    page_counter_uncharge(k, memcg, nr_pages, MEMORY)
    audit.inflight_pages(k, memcg, -nr_pages)
    yield ("cancel_charge.uncharge", memcg, nr_pages, k.memcgs[memcg]["usage"])


@kfunc
def mem_cgroup_resize_max(k: Kernel, memcg: str, max_pages: int | None) -> Steps:
    """mem_cgroup_resize_max(): page_counter_set_max, refused while usage is above it;
    then drain_all_stock once and retry; reclaim frees nothing here, so -EBUSY."""
    rec = k.memcgs[memcg]
    shown = "unlimited" if max_pages is None else max_pages
    drained = False
    while True:
        if page_counter_set_max(k, memcg, max_pages):
            yield ("mem_cgroup_resize_max.set", memcg, shown, rec["usage"])
            return 0
        yield ("mem_cgroup_resize_max.busy", memcg, shown, rec["usage"])
        if not drained:
            drained = True
            yield from drain_all_stock(k, memcg)
            continue
        yield ("mem_cgroup_resize_max.ebusy", memcg, rec["usage"], shown)
        return EBUSY


@kfunc
def memcg_update_kmem_max(k: Kernel, memcg: str, max_pages: int | None) -> Steps:
    """memcg_update_kmem_max(): page_counter_set_max on memcg->kmem; -EBUSY below usage
    (no drain: the kmem counter has no stock)."""
    rec = k.memcgs[memcg]
    shown = "unlimited" if max_pages is None else max_pages
    if page_counter_set_max(k, memcg, max_pages, KMEM):
        yield ("memcg_update_kmem_max.set", memcg, shown, rec["kmem_usage"])
        return 0
    yield ("memcg_update_kmem_max.ebusy", memcg, rec["kmem_usage"], shown)
    return EBUSY


EOPNOTSUPP = -95
KMEM_IGNORED = ("kmem.limit_in_bytes is deprecated and will be removed. Writing any value "
                "to this file has no effect. Please report your usecase to linux-mm@kvack.org "
                "if you depend on this functionality.")


@kfunc
def mem_cgroup_write(k: Kernel, memcg: str) -> Steps:
    """mem_cgroup_write() for memory.kmem.limit_in_bytes from v5.16 (58056f77502f; 6.5
    mm/memcontrol.c l.3874-3877): -EOPNOTSUPP. From v6.6 (4597648fddea; 6.14
    mm/memcontrol-v1.c l.1567-1573): accepted with a pr_warn_once, and ignored."""
    if not k.has("kmem_limit_write_ignored"):
        yield ("mem_cgroup_write.kmem_eopnotsupp", memcg)
        return EOPNOTSUPP
    warned = k.st.sys["warned"]
    if "pr_warn_once:kmem_limit" not in warned:
        k.st.set(k.st.sys, "warned", warned + ("pr_warn_once:kmem_limit",))
        k.notes.append(f"memory.kmem.limit_in_bytes: {KMEM_IGNORED} (pr_warn_once)")
    yield ("mem_cgroup_write.kmem_ignored", memcg)
    return 0


def memcg_has_children(k: Kernel, memcg: str) -> bool:
    """memcg_has_children(): css_next_child finds a child not yet released (dying
    children count until they are freed)."""
    memcgs = k.memcgs
    return any(memcgs[c]["state"] != "freed" for c in memcgs[memcg]["children"])


DEPRECATED = ("Non-hierarchical mode is deprecated. Please report your usecase to "
              "linux-mm@kvack.org if you depend on this functionality.")


def _hierarchy_write_deprecated(k: Kernel, memcg: str, val: int) -> Steps:
    """mem_cgroup_hierarchy_write() from v5.11 (bef8620cd8e0; 5.11.14 l.3543-3554): 1 is
    accepted and changes nothing, anything else is -EINVAL after a pr_warn_once."""
    if val == 1:
        yield ("mem_cgroup_hierarchy_write.always", memcg)
        return 0
    warned = k.st.sys["warned"]
    if "pr_warn_once:hierarchy" not in warned:
        k.st.set(k.st.sys, "warned", warned + ("pr_warn_once:hierarchy",))
        k.notes.append(f"memory.use_hierarchy: {DEPRECATED} (pr_warn_once)")
    yield ("mem_cgroup_hierarchy_write.deprecated", memcg, val)
    return EINVAL


@kfunc
def mem_cgroup_hierarchy_write(k: Kernel, memcg: str, val: int) -> Steps:
    """mem_cgroup_hierarchy_write(): 0 if unchanged; -EINVAL if the parent has
    use_hierarchy (or val is not 0/1); -EBUSY if the memcg has children."""
    if k.has("hierarchy_always"):
        return (yield from _hierarchy_write_deprecated(k, memcg, val))
    rec = k.memcgs[memcg]
    if int(rec["use_hierarchy"]) == val:
        yield ("mem_cgroup_hierarchy_write.same", memcg, val)
        return 0
    parent = rec["parent"]
    if (parent is not None and k.memcgs[parent]["use_hierarchy"]) or val not in (0, 1):
        yield ("mem_cgroup_hierarchy_write.einval", memcg, val, parent)
        return EINVAL
    if memcg_has_children(k, memcg):
        yield ("mem_cgroup_hierarchy_write.ebusy", memcg)
        return EBUSY
    k.st.set(rec, "use_hierarchy", bool(val))
    yield ("mem_cgroup_hierarchy_write.set", memcg, val)
    return 0
