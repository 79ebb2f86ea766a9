"""try_charge() and its callers: the page-granular memcg charge path of v5.9."""
from __future__ import annotations

import types
from typing import Any, Callable

from engine.kernel import audit
from engine.kernel.base import ROOT, Kernel, Steps, kfunc
from engine.kernel.drain import drain_all_stock
from engine.kernel.kmem_v1 import memcg_kmem_charge_v1
from engine.kernel.page_counter import page_counter_charge, page_counter_try_charge, unsigned
from engine.script import page_counter_max
from engine.kernel.stock import consume_stock, refill_stock

ENOMEM = -12
MAX_RECLAIM_RETRIES = 16
MEM_CGROUP_RECLAIM_RETRIES = 5  # v5.8's name and value (mm/memcontrol.c of 5.8)
PAGE_ALLOC_COSTLY_ORDER = 3

# The gfp masks the script accepts, reduced to the bits try_charge looks at.
GFP_MASKS = {
    "GFP_KERNEL": frozenset({"blocking"}),
    "GFP_NOWAIT": frozenset(),
    "GFP_KERNEL|__GFP_NORETRY": frozenset({"blocking", "noretry"}),
    "GFP_KERNEL|__GFP_NOFAIL": frozenset({"blocking", "nofail"}),
}


def memcg_memory_event(k: Kernel, memcg: str, field: str) -> None:
    """memcg_memory_event(): count in memory.events here (a do-while: the root too, once
    a negative root counter refuses) and, in v2 only, in the ancestors below root."""
    for name in k.ancestry(memcg):
        if name == ROOT and name != memcg:
            break
        k.st.add(k.memcgs[name], field, 1)
        if k.v1:
            break


def get_order(nr_pages: int) -> int:
    """get_order(nr_pages * PAGE_SIZE): the smallest order whose block holds the pages."""
    return max(0, (nr_pages - 1).bit_length())


@kfunc
def try_charge(k: Kernel, memcg: str, gfp: str, nr_pages: int, root_check: bool = True) -> Steps:
    """try_charge(): stock, then the counters in batches, then reclaim, drain, OOM, force.
    Without `root_check` it is v5.14's try_charge_memcg (below)."""
    if memcg == ROOT and root_check:
        # Nothing is charged, yet the caller will account the pages as its own:
        # the audit calls them "unbacked" so the books still balance (invariants I5, I13).
        audit.inflight_pages(k, ROOT, nr_pages)
        k.st.add(k.memcgs[ROOT], "unbacked", nr_pages)
        audit.attribute(k, ROOT, -nr_pages)
        yield ("try_charge.root", nr_pages)
        return 0
    flags = GFP_MASKS[gfp]
    batch = max(k.batch, nr_pages)
    retries = top = MEM_CGROUP_RECLAIM_RETRIES if k.v58 else MAX_RECLAIM_RETRIES
    drained = False
    while True:  # retry:
        if (yield from consume_stock(k, memcg, nr_pages)):
            return 0
        refused = page_counter_try_charge(k, memcg, batch)
        if refused is None:
            audit.inflight_pages(k, memcg, batch)
            yield ("try_charge.charged", memcg, batch, k.memcgs[memcg]["usage"])
            if batch > nr_pages:  # done_restock:
                yield from refill_stock(k, memcg, batch - nr_pages)
            return 0
        over = k.memcgs[refused]
        yield ("try_charge.refused", memcg, batch, refused, over["usage"],
               "max" if over["max"] is None else over["max"], over["failcnt"])
        if batch > nr_pages:
            batch = nr_pages
            yield ("try_charge.shrink_batch", nr_pages)
            continue
        if "blocking" not in flags:
            yield ("try_charge.nowait", gfp)
            break  # nomem
        memcg_memory_event(k, refused, "events_max")
        yield ("try_charge.reclaim", refused, over["events_max"])
        if _margin(k, refused) >= nr_pages:
            continue
        if not drained:
            drained = True
            yield from drain_all_stock(k, refused)
            continue
        if "noretry" in flags:
            yield ("try_charge.noretry",)
            break
        if retries:
            retries -= 1
            yield ("try_charge.retry", top - retries, top)
            continue
        if "nofail" in flags and not k.has("nofail_oom"):  # 5.13 (3d0cbb981693): OOM first
            return (yield from _force(k, memcg, nr_pages, "nofail"))  # force:
        order = get_order(nr_pages)
        if order > PAGE_ALLOC_COSTLY_ORDER:
            yield ("mem_cgroup_oom.skipped", refused, order)
            break
        memcg_memory_event(k, refused, "events_oom")
        if k.has("oom_failure_fails_charge"):
            # 5.16 (a4ebf1b6ca1e): mem_cgroup_oom() is false without a victim: nomem
            k.notes.append(f"memcg OOM in {refused}: the OOM killer found nothing to free "
                           "in this model, so the charge fails (nomem)")
            yield ("mem_cgroup_oom.no_victim", refused, order)
            break
        k.notes.append(
            f"memcg OOM in {refused}: the OOM killer found nothing to free in this model, "
            f"so try_charge forced the charge of {nr_pages} page(s) (usage may exceed max)"
        )
        yield ("mem_cgroup_oom.failed", refused, order)
        return (yield from _force(k, memcg, nr_pages, "oom"))
    # nomem:
    if "nofail" in flags:
        return (yield from _force(k, memcg, nr_pages, "nofail"))
    yield ("try_charge.nomem", memcg, nr_pages)
    return ENOMEM


def _named(fn: Callable[..., Steps], name: str, **defaults: Any) -> Callable[..., Steps]:
    """The same kernel function body under another kernel name, with other defaults: one
    body, one generator frame, and the trail's call stack says the kernel's name."""
    code = fn.__code__.replace(co_name=name, co_qualname=name)
    args = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    given = dict(zip(args[len(args) - len(fn.__defaults__ or ()):], fn.__defaults__ or ()))
    given.update(defaults)
    made = types.FunctionType(code, fn.__globals__, name,
                              tuple(given[a] for a in args if a in given))
    made.__doc__ = fn.__doc__
    return kfunc(made)


# try_charge_memcg(), v5.14 (c5c8b16b596e): try_charge without its root check, which
# obj_cgroup_charge_pages calls: an objcg pointing at the root charges the root's counter
try_charge_memcg = _named(try_charge, "try_charge_memcg", root_check=False)


def _margin(k: Kernel, memcg: str) -> int:
    """mem_cgroup_margin(): pages left below max on the memory counter (no memsw). The
    count is read as an unsigned long: a negative usage leaves no margin."""
    rec = k.memcgs[memcg]
    limit = page_counter_max(k.page_size) if rec["max"] is None else rec["max"]
    count = unsigned(rec["usage"])
    return limit - count if count < limit else 0


def _force(k: Kernel, memcg: str, nr_pages: int, why: str) -> Steps:
    """try_charge's force: label: charge nr_pages ignoring limits (a label, not a function:
    no @kfunc, so its lines sit in try_charge in the trail)."""
    page_counter_charge(k, memcg, nr_pages)
    audit.inflight_pages(k, memcg, nr_pages)
    yield ("try_charge.force", memcg, nr_pages, why, k.memcgs[memcg]["usage"])
    return 0


@kfunc
def __memcg_kmem_charge(k: Kernel, memcg: str, gfp: str, nr_pages: int) -> Steps:
    """__memcg_kmem_charge(): try_charge; v1 then charges memcg->kmem exactly."""
    ret = yield from try_charge(k, memcg, gfp, nr_pages)
    if ret or not k.v1:
        return ret
    return (yield from memcg_kmem_charge_v1(k, memcg, "nofail" in GFP_MASKS[gfp], nr_pages))


@kfunc
def memory_max_write(k: Kernel, memcg: str, max_pages: int | None) -> Steps:
    """memory_max_write(): set max at once, then drain, reclaim and OOM while above it."""
    rec = k.memcgs[memcg]
    k.st.set(rec, "max", max_pages)
    yield ("memory_max_write.set", memcg, "max" if max_pages is None else max_pages, rec["usage"])
    drained = False
    # page_counter_read() is unsigned: a negative usage is "above" any max
    while max_pages is not None and unsigned(rec["usage"]) > max_pages:
        if not drained:
            drained = True
            yield from drain_all_stock(k, memcg)
            continue
        yield ("memory_max_write.reclaim", memcg, MAX_RECLAIM_RETRIES)
        memcg_memory_event(k, memcg, "events_oom")
        k.notes.append(
            f"{memcg} usage {rec['usage']} pages stays above memory.max {max_pages}: "
            "nothing is reclaimable and the OOM killer frees nothing in this model"
        )
        yield ("memory_max_write.oom", memcg, rec["usage"], max_pages)
        break
