"""The kernel releases objcg-lab runs, and the one table of what changed between them.

`config kernel=V` picks a mainline release. v5.8 is the design obj_cgroup replaced
(engine.kernel.v58); every later release is v5.9 plus each change of CHANGES up to it.
Kernel functions never compare versions: they ask `k.has(NAME)` for the change that
altered them, so a change can be switched off (`Machine(revert=...)`) to show what it
fixed, and the explorer can name the commit behind a micro-step that differs from v5.9.

Release attribution: the first mainline release that carries the commit. Several fixes
were also backported to stable point releases (noted in `backports`); a mode is always
the mainline release.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

KERNELS = ("5.8", "5.9", "5.10", "5.11", "5.13", "5.14", "6.5", "6.14")
DEFAULT_KERNEL = "5.9"
SEED_COMMIT = "bf4f059954dc"  # "mm: memcg/slab: obj_cgroup API", the commit taught here


@dataclass(frozen=True)
class Change:
    """One behaviour change after v5.9, as a kernel function tests it: `k.has(name)`."""

    name: str
    release: str  # the first mainline release with it
    commits: tuple[str, ...]
    subject: str
    shows: str  # what a learner sees change
    fixes_seed: bool = False  # "Fixes: bf4f059954dc": a bug of the commit taught here
    backports: str = ""


CHANGES: tuple[Change, ...] = (
    Change("v1_counters_link_root", "5.10", ("8de15e920dc8",),
           "mm: memcg: link page counters to root if use_hierarchy is false",
           "v1: a memcg made under a parent without use_hierarchy charges root's counter, "
           "so reparented uncharges no longer underflow root", fixes_seed=True),
    Change("charge_failure_fails_alloc", "5.10", ("becaba65f62f",),
           "mm: memcg/slab: fix obj_cgroup_charge() return value handling",
           "a slab allocation whose charge fails returns NULL instead of an unaccounted object"),
    Change("charge_memcg_tryget", "5.11", ("eefbfa7fd678",),
           "mm: memcg/slab: fix use after free in obj_cgroup_charge",
           "obj_cgroup_charge pins the objcg's memcg with css_tryget, re-reading objcg->memcg "
           "after a failure, instead of css_get", fixes_seed=True, backports="5.10.3"),
    Change("objcg_null_after_failed_tryget", "5.11", ("2f7659a31473",),
           "mm: memcg/slab: fix return of child memcg objcg for root memcg",
           "get_obj_cgroup_from_current forgets an objcg whose tryget failed, so reaching "
           "the root returns NULL", fixes_seed=True, backports="5.10.3"),
    Change("hierarchy_always", "5.11", ("bef8620cd8e0",),
           "mm: memcg: deprecate the non-hierarchical mode",
           "v1: writing 0 to memory.use_hierarchy is -EINVAL; every memcg is hierarchical"),
    Change("uncharge_through_page_stock", "5.11", ("3de7d4f25a74",),
           "mm: memcg/slab: optimize objcg stock draining",
           "whole pages leaving a byte stock or a released objcg go to this CPU's page "
           "stock (refill_stock) instead of straight back to the page counter"),
    Change("drain_obj_stock_memcg_tryget", "5.13", ("9f38f03ae8d5",),
           "mm: memcontrol: slab: fix obtain a reference to a freeing memcg",
           "drain_obj_stock pins the memcg with css_tryget, retrying on the parent, before "
           "handing its pages to the page stock"),
    Change("kmem_pages_through_objcg", "5.13",
           ("e74d225910ec", "b4e0b68fbd9d", "f1286fae5406"),
           "mm: memcontrol: use obj_cgroup APIs to charge kmem pages",
           "an accounted page records the current objcg, not the memcg: it pins the objcg, "
           "so a removed cgroup is freed while its pages live"),
    # Found in the release's source, not in the first timeline: they change figures.
    Change("nofail_oom", "5.13", ("3d0cbb981693",),
           "memcg: enable memcg oom-kill for __GFP_NOFAIL",
           "a __GFP_NOFAIL charge that exhausts its retries goes through the memcg OOM "
           "killer (an oom event) before it is forced, instead of being forced at once"),
    Change("page_counter_underflow_clamped", "5.13", ("9317d0fffeb4",),
           "mm: page_counter: mitigate consequences of a page_counter underflow",
           "a page counter uncharged below zero WARNs once and is reset to 0, instead of "
           "staying negative (which made every later charge of it fail)"),
    Change("objcg_no_memcg_pin", "5.14", ("9838354e16a2",),
           "mm: memcontrol: simplify the logic of objcg pinning memcg",
           "an objcg holds no css reference on its memcg; reparenting only swings pointers"),
    Change("refill_obj_stock_allow_uncharge", "5.14", ("5387c90490f7",),
           "mm/memcg: improve refill_obj_stock() performance",
           "a byte stock over PAGE_SIZE is no longer drained: an uncharge returns its whole "
           "pages and keeps the rest; a charge's tail never uncharges"),
    Change("objcg_charges_root", "5.14", ("c5c8b16b596e",),
           "mm: memcontrol: fix root_mem_cgroup charging",
           "obj_cgroup_charge_pages charges through try_charge_memcg, without the root "
           "check: an objcg pointing at the root charges the root's counter, so its later "
           "uncharge balances"),
    Change("objcg_vmstat_stock", "5.14", ("68ac5b3c8db2",),
           "mm/memcg: cache vmstat data in percpu memcg_stock_pcp",
           "mod_objcg_state keeps slab vmstat deltas in the byte stock: after an object whose "
           "charge left no tail (a whole number of pages) it takes the stock over from "
           "another objcg, draining it"),
    Change("kmem_limit_gone", "5.16", ("58056f77502f",),
           "memcg, kmem: further deprecate kmem.limit_in_bytes",
           "v1: the kmem counter only counts (no limit refuses a charge) and writing "
           "memory.kmem.limit_in_bytes fails with -EOPNOTSUPP"),
    Change("oom_failure_fails_charge", "5.16", ("a4ebf1b6ca1e",),
           "memcg: prohibit unconditional exceeding the limit of dying tasks",
           "when the memcg OOM killer finds nothing to kill, the charge fails (-ENOMEM) "
           "instead of being forced over the limit; only __GFP_NOFAIL still forces"),
    Change("objcg_lock", "5.17", ("0764db9b49c9",),
           "mm: memcg: synchronize objcg lists with a dedicated spinlock",
           "objcg lists are guarded by objcg_lock instead of css_set_lock (no figure changes)",
           fixes_seed=True),
    Change("drain_obj_stock_returns_old", "5.18", ("567511462387",),
           "mm/memcg: protect memcg_stock with a local_lock_t",
           "drain_obj_stock clears cached_objcg and returns the old objcg; the caller puts "
           "it after leaving the stock (clear before put)"),
    Change("kmemcg_id_is_memcg_id", "5.18", ("642688681133", "e80216d9f1f5", "f9c69d6346bc"),
           "mm: memcontrol: reuse memory cgroup ID for kmem ID",
           "kmemcg_id is the memcg's own ID (the lowest free from 1, given back at offline) "
           "and is not handed to the parent at offline; kmem_state is gone (both 5.16, "
           "642688681133 and e80216d9f1f5; the ID in 5.18)"),
    Change("charge_batch_64", "6.1", ("1813e51eece0",),
           "memcg: increase MEMCG_CHARGE_BATCH to 64",
           "try_charge charges batches of 64 pages and a page stock holds up to 64"),
    Change("flush_required_read_once", "6.5", ("3b8abb323953", "f785a8f21a9c"),
           "mm: kmem: fix a NULL pointer dereference in obj_stock_flush_required()",
           "obj_stock_flush_required reads cached_objcg once (READ_ONCE) and dereferences "
           "what it tested", fixes_seed=True, backports="6.1.45, 6.4.10"),
    Change("kmem_limit_write_ignored", "6.6", ("4597648fddea",),
           "mm, memcg: reconsider kmem.limit_in_bytes deprecation",
           "v1: writing memory.kmem.limit_in_bytes succeeds again but has no effect "
           "(a pr_warn_once says so); the kmem counter still has no limit"),
    Change("task_objcg", "6.7", ("1aacbd354313", "e86828e5446d"),
           "mm: kmem: add direct objcg pointer to task_struct",
           "each task keeps its objcg with a reference of its own, updated at its first "
           "allocation after a move; allocations charge it without taking a reference"),
    Change("memcg_pins_orig_objcg", "6.7", ("675d6c9b59e3",),
           "mm: kmem: make memcg keep a reference to the original objcg",
           "a memcg keeps a reference to its first objcg until it is freed: a removed "
           "cgroup's objcg is released only after its memcg"),
    Change("slab_charge_post_alloc", "6.10", ("9f9796b413d3",),
           "mm, slab: move memcg charging to post-alloc hook",
           "a slab object is allocated first and charged after; a failed charge frees it "
           "again (memcg_alloc_abort_single) and the allocation returns NULL"),
    Change("hotplug_drains_obj_stock", "6.14", ("9f01b4954490",),
           "memcg: drain obj stock on cpu hotplug teardown",
           "memcg_hotplug_cpu_dead drains the dead CPU's byte stock too, so its objcg "
           "reference and bytes no longer leak", fixes_seed=True),
)

BY_NAME = {change.name: change for change in CHANGES}


def release_key(release: str) -> tuple[int, ...]:
    """'5.10' -> (5, 10): releases sort as numbers, not as strings."""
    return tuple(int(part) for part in release.split("."))


@functools.lru_cache(maxsize=64)
def changes_in(kernel: str, revert: tuple[str, ...] = ()) -> frozenset[str]:
    """The changes a release carries (none for 5.8, a different design), minus `revert`."""
    if kernel == "5.8":
        return frozenset()
    top = release_key(kernel)
    unknown = [name for name in revert if name not in BY_NAME]
    if unknown:
        raise KeyError(f"unknown change {unknown[0]!r} (known: {', '.join(BY_NAME)})")
    return frozenset(c.name for c in CHANGES
                     if release_key(c.release) <= top and c.name not in revert)


_CHANGES_CACHE: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}


def state_has(sysrec: dict, change: str) -> bool:
    """Whether the machine whose `sys` record this is carries a change: the checks and
    the views ask this where they have a state and no Kernel."""
    key = (sysrec.get("kernel", DEFAULT_KERNEL), tuple(sysrec.get("revert", ())))
    changes = _CHANGES_CACHE.get(key)
    if changes is None:
        changes = _CHANGES_CACHE[key] = changes_in(*key)
    return change in changes


def charge_batch(kernel: str, revert: tuple[str, ...] = ()) -> int:
    """MEMCG_CHARGE_BATCH of a release: 32, and 64 from v6.1 (1813e51eece0)."""
    return 64 if "charge_batch_64" in changes_in(kernel, revert) else 32


def unknown_kernel_message(word: str) -> str:
    return f"kernel={word}: not a modelled release (one of {', '.join(KERNELS)})"


def added_by(kernel: str) -> tuple[Change, ...]:
    """The changes that arrive with this very release (for docs and the header)."""
    return tuple(c for c in CHANGES if c.release == kernel)


def choose_kernel(sysrec: dict, word: str | None, notes: list[str]) -> str:
    """The release a `config` line asks for; `compare` runs a script under a fixed one."""
    current = sysrec["kernel"]
    if word is None:
        return current
    if word not in KERNELS:
        raise ValueError(unknown_kernel_message(word))
    if sysrec.get("kernel_forced") and word != current:
        notes.append(f"kernel={word} ignored: compare runs this script under {current} here")
        return current
    return word
