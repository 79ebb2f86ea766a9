"""mm/page_counter.c: hierarchical page counters. A memcg has the `memory` counter
(fields usage, max, watermark, failcnt) and, in cgroup v1, the `kmem` counter (fields
kmem_usage, kmem_max, kmem_watermark, kmem_failcnt). Counters reach their parents
through `counter_parent` (Kernel.counter_chain)."""
from __future__ import annotations

from engine.kernel.base import Kernel

MEMORY, KMEM = "", "kmem_"  # field prefixes of the two counters
# counter -> its fields (usage, max, failcnt, watermark), spelt once
_FIELDS = {c: (c + "usage", c + "max", c + "failcnt", c + "watermark") for c in (MEMORY, KMEM)}
ULONG = 1 << 64  # usage is a signed long, max and watermark are unsigned longs


def unsigned(value: int) -> int:
    """A signed long as C converts it for a compare with an unsigned long: a negative
    usage (after an underflow) reads as a huge number."""
    return value % ULONG


def page_counter_try_charge(k: Kernel, memcg: str, nr_pages: int, counter: str = MEMORY) -> str | None:
    """page_counter_try_charge(): charge every level or none; returns the refusing memcg.

    v5.9 compares the signed new usage with the unsigned max (mm/page_counter.c:116-117),
    so a level whose usage is still negative after adding nr_pages refuses even without
    a limit: it counts the failure and the levels below are cancelled (lines 125-141)."""
    st = k.st
    usage, limit_key, failcnt, watermark = _FIELDS[counter]
    charged = []
    for name in k.counter_chain(memcg):
        rec = st.memcgs[name]
        new = rec[usage] + nr_pages
        limit = rec[limit_key]
        if new < 0 or (limit is not None and new > limit):
            st.add(rec, failcnt, 1)  # only the refusing level counts the failure
            for done in charged:
                st.add(st.memcgs[done], usage, -nr_pages)
            return name
        st.set(rec, usage, new)
        if new > rec[watermark]:
            st.set(rec, watermark, new)  # lower levels keep it even if a higher one refuses
        charged.append(name)
    return None


def page_counter_charge(k: Kernel, memcg: str, nr_pages: int, counter: str = MEMORY) -> None:
    """page_counter_charge(): charge every level, ignoring limits. The watermark is an
    unsigned long compared with the signed new usage (mm/page_counter.c:74-81): a negative
    usage sets it to that usage as the unsigned long the kernel stores."""
    st = k.st
    usage, _, _, watermark = _FIELDS[counter]
    for name in k.counter_chain(memcg):
        rec = st.memcgs[name]
        new = rec[usage] + nr_pages
        st.set(rec, usage, new)
        if unsigned(new) > rec[watermark]:
            st.set(rec, watermark, unsigned(new))


def page_counter_uncharge(k: Kernel, memcg: str, nr_pages: int, counter: str = MEMORY) -> None:
    """page_counter_uncharge(): subtract at every level; negative usage warns, unclamped."""
    st = k.st
    usage = _FIELDS[counter][0]
    clamp = k.has("page_counter_underflow_clamped")
    for name in k.counter_chain(memcg):
        rec = st.memcgs[name]
        new = rec[usage] - nr_pages
        if new < 0 and clamp:
            _clamp(k, rec, counter, new, nr_pages)
            continue
        st.set(rec, usage, new)
        if new < 0:
            what = "kmem usage" if counter == KMEM else "usage"
            k.warn_once(
                "page_counter_cancel",
                f"WARNING in page_counter_cancel: {name} {what} went negative ({new} pages)",
            )


def _clamp(k: Kernel, rec: dict, counter: str, new: int, nr_pages: int) -> None:
    """page_counter_cancel() from v5.13 (9317d0fffeb4): an underflow WARNs once and the
    usage is reset to 0 at this level. The books keep the pages the level lost track of
    (`clamped`: only this level, not its ancestors, which clamp on their own)."""
    st = k.st
    st.set(rec, counter + "usage", 0)
    st.add(rec, counter + "clamped", -new)
    if k.books:
        st.add(rec, "kmem_expected" if counter == KMEM else "expected", -new)
    what = "kmem usage" if counter == KMEM else "usage"
    k.warn_once("page_counter_cancel",
                f"WARNING in page_counter_cancel: page_counter underflow: {new} "
                f"nr_pages={nr_pages} ({rec['name']} {what} reset to 0)")


def page_counter_set_max(k: Kernel, memcg: str, max_pages: int | None, counter: str = MEMORY) -> bool:
    """page_counter_set_max(): refuse (False: -EBUSY) while usage is above the new max.
    The kernel compares a signed usage with an unsigned max, so a negative usage (after
    an underflow) reads as huge and is refused too."""
    rec = k.st.memcgs[memcg]
    usage = rec[counter + "usage"]
    if usage < 0 or (max_pages is not None and usage > max_pages):
        return False
    k.st.set(rec, counter + "max", max_pages)
    return True
