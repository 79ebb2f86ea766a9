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
}

VERSION_STEPS: dict[str, tuple[str, str]] = {
    step: (template, reason) for step, (_, _, template, reason) in _TABLE.items()}
STEP_CHANGES: dict[str, str] = {step: change for step, (change, *_) in _TABLE.items()}


def change_of(step_id: str) -> Change | None:
    """The change a step belongs to (None: a step v5.9 takes too)."""
    name = STEP_CHANGES.get(step_id)
    return None if name is None else BY_NAME[name]


def commit_of(step_id: str) -> str:
    """The commit that wrote this step's behaviour ("" for a v5.9 step)."""
    entry = _TABLE.get(step_id)
    if entry is None:
        return ""
    return entry[1] or BY_NAME[entry[0]].commits[0]


def difference_note(step_id: str) -> str | None:
    """'5.13, b4e0b68fbd9d: what changed', for a step whose behaviour differs from v5.9."""
    change = change_of(step_id)
    if change is None:
        return None
    return f"{change.release}, {commit_of(step_id)}: {change.shows}"
