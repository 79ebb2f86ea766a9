"""Trail lines of the micro-steps that later kernels take where v5.9 does something else.

Each entry names the change of engine.kernel.versions that brought the step (and, for a
change of several commits, the commit that wrote it), so the explorer can say on such a
step which release and commit made the difference. A v5.9 step keeps its own text; a
release that changes a function gets new step ids here. engine.steps merges them.
"""
from __future__ import annotations

from engine.kernel.versions import BY_NAME, Change

# step id -> (change name, commit ("" = the change's first), trail template, reason)
_TABLE: dict[str, tuple[str, str, str, str]] = {
    # -- 5.10 ------------------------------------------------------------------------
    "mem_cgroup_css_alloc.link_root": (
        "v1_counters_link_root", "",
        "mem_cgroup_css_alloc({0}): {1} has use_hierarchy 0: counters linked to the root's; css pins its parent",
        "v5.10 links a non-hierarchical v1 memcg's counters to the root's, so the root counts its charges "
        "and a later uncharge of the root cannot underflow."),
    "slab_pre_alloc_hook.fail": (
        "charge_failure_fails_alloc", "",
        "slab_pre_alloc_hook: the charge failed ({1}): no object, kmem_cache_alloc returns NULL for {0}",
        "From v5.10 memcg_slab_pre_alloc_hook returns false on a failed charge, and the allocation fails "
        "instead of going on unaccounted."),
    # -- 5.11 ------------------------------------------------------------------------
    "mem_cgroup_hierarchy_write.always": (
        "hierarchy_always", "",
        "mem_cgroup_hierarchy_write({0}, 1): every memcg is hierarchical now: 0, nothing changes",
        "From v5.11 use_hierarchy always reads 1; writing 1 is accepted for old tools."),
    "mem_cgroup_hierarchy_write.deprecated": (
        "hierarchy_always", "",
        "mem_cgroup_hierarchy_write({0}, {1}): non-hierarchical mode is deprecated: -EINVAL",
        "v5.11 removed the non-hierarchical mode: any value but 1 is refused (with a pr_warn_once)."),
    "__memcg_kmem_uncharge.refill": (
        "uncharge_through_page_stock", "",
        "__memcg_kmem_uncharge({0}, {1}): the page(s) go to cpu{2}'s page stock (refill_stock), not the counter",
        "From v5.11 whole pages given back by an objcg wait in the page stock for the next charge on this "
        "CPU (v1 still uncharges the kmem counter at once)."),
    "drain_obj_stock.pages": (
        "uncharge_through_page_stock", "",
        "drain_obj_stock(cpu{0}): {2} bytes of {1} = {3} page(s) to __memcg_kmem_uncharge({4}), {5} bytes left",
        "Whole pages leave the byte stock first; from v5.11 they go through the page stock."),
    "drain_obj_stock.rest": (
        "uncharge_through_page_stock", "",
        "drain_obj_stock(cpu{0}): {2} bytes of {1} to nr_charged_bytes (now {3}); byte stock empty",
        "The sub-page rest is parked centrally, for the next CPU that caches this objcg."),
    "obj_cgroup_release.pages": (
        "uncharge_through_page_stock", "",
        "obj_cgroup_release({0}): nr_charged_bytes {1} = {2} whole page(s) to __memcg_kmem_uncharge({3})",
        "A killed objcg with no references hands its leftover whole pages back, from v5.11 through "
        "the page stock of the CPU that released it."),
    # -- 5.13 ------------------------------------------------------------------------
    "obj_cgroup_charge_pages.pin": (
        "kmem_pages_through_objcg", "e74d225910ec",
        "obj_cgroup_charge_pages({0}, {1} page(s)): get_mem_cgroup_from_objcg: css_tryget({2}) pins the memcg it points at now, refcnt {3}",
        "From v5.13 whole pages, a slab object's or a kernel page's, are charged through the objcg; "
        "the memcg is pinned around the charge (a memcg being released would fail the tryget)."),
    "obj_cgroup_uncharge_pages.pin": (
        "kmem_pages_through_objcg", "f1286fae5406",
        "obj_cgroup_uncharge_pages({0}, {1} page(s)): css_tryget({2}), refcnt {3}; the pages go to cpu{4}'s page stock",
        "The pages go back to the memcg the objcg points at now, through this CPU's page stock."),
    "obj_cgroup_charge.done_objcg": (
        "kmem_pages_through_objcg", "e74d225910ec",
        "obj_cgroup_charge({0}) returns {1}",
        "obj_cgroup_charge_pages has dropped its memcg pin (css_put) on its way out."),
    "obj_cgroup_charge_pages.kmem": (
        "kmem_pages_through_objcg", "f1286fae5406",
        "obj_cgroup_charge_pages: page_counter_try_charge({0}->kmem, {1}): ok, kmem usage now {2}",
        "cgroup v1 also charges the kmem counter, exactly (inlined from __memcg_kmem_charge in v5.13)."),
    "obj_cgroup_charge_pages.kmem_refused": (
        "kmem_pages_through_objcg", "f1286fae5406",
        "obj_cgroup_charge_pages: page_counter_try_charge({0}->kmem, {1}): refused by {2} (kmem usage {3}, max {4}, failcnt {5})",
        "The kmem limit is hit: no reclaim, no retry."),
    "obj_cgroup_charge_pages.kmem_nofail": (
        "kmem_pages_through_objcg", "f1286fae5406",
        "obj_cgroup_charge_pages: __GFP_NOFAIL: page_counter_charge({0}->kmem, {1}) anyway, kmem usage now {2}",
        "Callers of NOFAIL allocations cannot handle failure, so kmem may exceed its limit."),
    "drain_obj_stock.pages_objcg": (
        "kmem_pages_through_objcg", "e74d225910ec",
        "drain_obj_stock(cpu{0}): {2} bytes of {1} = {3} page(s) to obj_cgroup_uncharge_pages, {4} bytes left",
        "Whole pages go back through the objcg, to the memcg it points at now."),
    "obj_cgroup_release.pages_objcg": (
        "kmem_pages_through_objcg", "f1286fae5406",
        "obj_cgroup_release({0}): nr_charged_bytes {1} = {2} whole page(s) to obj_cgroup_uncharge_pages",
        "A killed objcg with no references hands its leftover whole pages back through itself."),
    "__memcg_kmem_charge_page.no_objcg": (
        "kmem_pages_through_objcg", "b4e0b68fbd9d",
        "__memcg_kmem_charge_page: no objcg for {0}: not accounted",
        "The root, a kthread without active_memcg: nothing to charge."),
    "__memcg_kmem_charge_page.objcg": (
        "kmem_pages_through_objcg", "b4e0b68fbd9d",
        "__memcg_kmem_charge_page: page->memcg_data = objcg {1}; {0} keeps the objcg reference ({2} page(s)), refcnt {3}",
        "The page pins the objcg, not the memcg: a removed cgroup can be freed while its pages live."),
    "free_pages.objcg": (
        "kmem_pages_through_objcg", "b4e0b68fbd9d",
        "__free_pages: {0}, order {1} ({2} page(s)), objcg {3}, on cpu{4}",
        "Freeing an accounted block runs __memcg_kmem_uncharge_page on the objcg the page recorded."),
    "__memcg_kmem_uncharge_page.objcg": (
        "kmem_pages_through_objcg", "b4e0b68fbd9d",
        "__memcg_kmem_uncharge_page: {0}: obj_cgroup_uncharge_pages({1}, {2}); its memcg is {3} now",
        "The page is uncharged from the memcg its objcg points at now: the parent after reparenting."),
    "mem_cgroup_oom.no_victim": (
        "oom_failure_fails_charge", "",
        "mem_cgroup_oom({0}, order {1}): memory.events oom; no victim: false, so nomem",
        "From v5.16 a charge the OOM killer cannot make room for fails; only __GFP_NOFAIL is forced."),
    # -- 5.14 ------------------------------------------------------------------------
    "memcg_reparent_objcgs.list_add_own": (
        "objcg_no_memcg_pin", "",
        "memcg_reparent_objcgs: list_add objcg {0} to the head of {1}'s own objcg_list",
        "v5.14 first puts the active objcg with the inherited ones, to move them all in one walk."),
    "memcg_reparent_objcgs.write_once": (
        "objcg_no_memcg_pin", "",
        "memcg_reparent_objcgs: WRITE_ONCE(objcg {0}->memcg, {2}) (was {1}); no css reference taken",
        "From v5.14 an objcg does not pin its memcg: reparenting only swings the pointer."),
    "memcg_reparent_objcgs.splice_all": (
        "objcg_no_memcg_pin", "",
        "memcg_reparent_objcgs: list_splice {0}'s {2} objcg(s) onto {1}'s head",
        "Order is now: the former active objcg, the inherited ones, then the parent's own entries."),
    "obj_cgroup_release.unlink_nopin": (
        "objcg_no_memcg_pin", "",
        "obj_cgroup_release({0}): list_del from {1}'s objcg_list",
        "From v5.14 an objcg holds no css reference on its memcg, so there is none to drop."),
    "refill_obj_stock.read_xchg": (
        "refill_obj_stock_allow_uncharge", "",
        "refill_obj_stock: cpu{0} now caches {1}; nr_charged_bytes is {2}: atomic_xchg(nr_charged_bytes, 0) brings them",
        "From v5.14 the central leftover is read first and exchanged only when there is something to take."),
    "refill_obj_stock.read_zero": (
        "refill_obj_stock_allow_uncharge", "",
        "refill_obj_stock: cpu{0} now caches {1}; nr_charged_bytes reads 0: no atomic_xchg",
        "From v5.14 an empty central leftover costs only a read."),
    "refill_obj_stock.keep_over_page": (
        "refill_obj_stock_allow_uncharge", "",
        "refill_obj_stock: {1} > PAGE_SIZE ({2}), but a charge's tail: kept (allow_uncharge false)",
        "From v5.14 a charge never gives back a page it just charged; a later uncharge trims the stock."),
    "refill_obj_stock.trim": (
        "refill_obj_stock_allow_uncharge", "",
        "refill_obj_stock: {1} > PAGE_SIZE: {2} whole page(s) to obj_cgroup_uncharge_pages, {3} bytes stay; cpu{0} keeps caching the objcg",
        "From v5.14 the stock is not drained over a page: only the whole pages go, the rest and the cache stay."),
    "mod_objcg_state.switch": (
        "objcg_vmstat_stock", "",
        "mod_objcg_state: cpu{0}'s byte stock caches {1}, not {2}: drain it to cache the slab vmstat delta",
        "From v5.14 the slab statistics of an objcg are cached in the byte stock too, so updating them "
        "takes the stock over."),
    "mod_objcg_state.cached": (
        "objcg_vmstat_stock", "",
        "mod_objcg_state: cpu{0} now caches {1}; nr_charged_bytes {2} moved into the stock",
        "As refill_obj_stock does on a switch: the central leftover joins this CPU's stock."),
    "uncharge.done": (
        "refill_obj_stock_allow_uncharge", "",
        "obj_cgroup_uncharge({0}) returns; objcg refcnt {1}",
        "Any whole pages went back through obj_cgroup_uncharge_pages, which unpinned its memcg last."),
    # -- 5.16 ------------------------------------------------------------------------
    "obj_cgroup_charge_pages.kmem_unlimited": (
        "kmem_limit_gone", "",
        "memcg_account_kmem: page_counter_charge({0}->kmem, {1}): kmem usage now {2}, no limit",
        "From v5.16 the v1 kmem counter only counts: it has no limit to refuse a charge."),
    "mem_cgroup_write.kmem_eopnotsupp": (
        "kmem_limit_gone", "",
        "mem_cgroup_write({0}, memory.kmem.limit_in_bytes): deprecated: -EOPNOTSUPP",
        "From v5.16 the kmem limit cannot be set: it made kmem charges fail in ways callers did not expect."),
    "mem_cgroup_write.kmem_ignored": (
        "kmem_limit_write_ignored", "",
        "mem_cgroup_write({0}, memory.kmem.limit_in_bytes): accepted and ignored: 0",
        "From v6.6 the write succeeds again, for old tools, but sets no limit."),
    # -- 5.18 ------------------------------------------------------------------------
    "drain_obj_stock.return_old": (
        "drain_obj_stock_returns_old", "",
        "drain_obj_stock(cpu{0}): cached_objcg = NULL; {1} goes back to the caller, who puts it after the stock's lock",
        "From v5.18 the stock is cleared before its reference is put: a put (and a release) never runs under the stock lock."),
    "drain_obj_stock.pages_locked": (
        "drain_obj_stock_returns_old", "",
        "drain_obj_stock(cpu{0}): {2} bytes of {1} = {3} page(s) to __refill_stock of {5} (css_tryget; the stock lock is held), {4} bytes left",
        "Whole pages go to this CPU's page stock directly: the stock's lock is already held."),
    # -- 6.7 -------------------------------------------------------------------------
    "move.moved_objcg": (
        "task_objcg", "1aacbd354313",
        "task {0} moved {1} -> {2}; its objcg {3} is kept until its next allocation (update flag)",
        "From v6.7 a task caches its objcg; moving only marks it for an update."),
    "current_obj_cgroup.active": (
        "task_objcg", "e86828e5446d",
        "current_obj_cgroup: {0} charges remotely into {1}: objcg {2}, no reference taken",
        "The active memcg's scope pins its objcg, so the charge needs no reference of its own."),
    "current_obj_cgroup.cached": (
        "task_objcg", "1aacbd354313",
        "current_obj_cgroup: {0}'s cached objcg is {1}: no lookup, no reference taken",
        "From v6.7 the task's own reference keeps the objcg alive during the allocation."),
    "current_objcg_update.drop": (
        "task_objcg", "1aacbd354313",
        "current_objcg_update: {0}'s objcg pointer xchg'd to NULL (was {1})",
        "A new or moved task looks its objcg up again; the old one's reference goes."),
    "current_objcg_update.no_mm": (
        "task_objcg", "1aacbd354313",
        "current_objcg_update: {0} has no mm (a kthread): NULL, not accounted",
        "Kernel threads are not charged unless they charge remotely."),
    "current_objcg_update.new": (
        "task_objcg", "1aacbd354313",
        "current_objcg_update: {0} in {1} now caches objcg {2} with a reference of its own",
        "The walk up from the task's memcg takes the first objcg whose tryget succeeds."),
    "memcg_offline_kmem.lrus": (
        "kmemcg_id_is_memcg_id", "642688681133",
        "memcg_offline_kmem: list_lrus of {0} reparented to {1}; kmemcg_id {2} stays with {0}",
        "From v5.16 the kmemcg id is not handed to the parent; from v5.18 it is the memcg's own ID."),
    # -- 6.7 -------------------------------------------------------------------------0 ------------------------------------------------------------------------
    "memcg_alloc_abort_single.free": (
        "slab_charge_post_alloc", "",
        "memcg_slab_post_alloc_hook: the charge failed ({1}): memcg_alloc_abort_single frees {0}; NULL",
        "From v6.10 the object exists before it is charged; a failed charge gives it back."),
}

STEP_CHANGES: dict[str, str] = {step: change for step, (change, *_) in _TABLE.items()}


def _commit(step: str) -> str:
    change, commit = _TABLE[step][:2]
    return commit or BY_NAME[change].commits[0]


# The reason of such a step starts with the release and the commit that brought it, so
# every explanation of it (the explorer's, the lesson player's, an export's) names them.
VERSION_STEPS: dict[str, tuple[str, str]] = {
    step: (template, f"{BY_NAME[change].release}, {_commit(step)}: {reason}")
    for step, (change, _, template, reason) in _TABLE.items()}


def change_of(step_id: str) -> Change | None:
    """The change a step belongs to (None: a step v5.9 takes too)."""
    name = STEP_CHANGES.get(step_id)
    return None if name is None else BY_NAME[name]


def commit_of(step_id: str) -> str:
    """The commit that wrote this step's behaviour ("" for a v5.9 step)."""
    return _commit(step_id) if step_id in _TABLE else ""


def difference_note(step_id: str) -> str | None:
    """'5.13, b4e0b68fbd9d: what changed', for a step whose behaviour differs from v5.9."""
    change = change_of(step_id)
    if change is None:
        return None
    return f"{change.release}, {commit_of(step_id)}: {change.shows}"
