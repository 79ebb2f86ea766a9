"""What each micro-step says: its trail line and a one-line plain-language reason.

Kernel functions yield `(step_id, *args)`; the function shown in the trail is the part
of the id before the dot. Templates take the args positionally ({0}, {1}, ...);
None prints as NULL, as the kernel's pointers would.
"""
from __future__ import annotations

from typing import Any

STEPS: dict[str, tuple[str, str]] = {
    # -- the slab hooks ------------------------------------------------------
    "slab_alloc.call": ("kmem_cache_alloc: object {0} of {1} bytes by task {2} on cpu{3}, charging {4} bytes",
                        "An accounted slab allocation: the memcg hooks run around it (slab mode adds the 8-byte objcg pointer)."),
    "memcg_kmem_bypass.bypass": ("memcg_kmem_bypass: {0} has no mm and no active_memcg: not accounted",
                                 "Kernel threads are not charged unless they charge remotely."),
    "memcg_slab_post_alloc_hook.unaccounted": ("memcg_slab_post_alloc_hook: {0} allocated unaccounted (ret {1})",
                                               "No objcg: root, a bypass, or a failed charge (v5.9 still allocates)."),
    "memcg_slab_post_alloc_hook.bind": ("memcg_slab_post_alloc_hook: {0} bound to objcg {1}, which gains a reference",
                                        "The page's objcg vector slot records the owner; the object pins the objcg, not the memcg."),
    "slab_free.call": ("kmem_cache_free: object {0} (charged {1} bytes, objcg {2}) on cpu{3}",
                       "Freeing runs memcg_slab_free_hook on the freeing CPU, whichever CPU allocated."),
    "memcg_slab_free_hook.unaccounted": ("memcg_slab_free_hook: {0} had no objcg: nothing to uncharge",
                                         "Unaccounted objects leave no trace in any memcg."),
    # -- the objcg API -----------------------------------------------------------
    "get_obj_cgroup_from_current.no_mm": ("get_obj_cgroup_from_current: {0} has no mm: NULL",
                                          "Without an mm or active_memcg there is no memcg to charge."),
    "get_obj_cgroup_from_current.start": ("get_obj_cgroup_from_current: {0} starts at {1} ({2})",
                                          "active_memcg (remote charging) wins over the task's own cgroup."),
    "get_obj_cgroup_from_current.found": ("get_obj_cgroup_from_current: {0}->objcg is {1}: tryget succeeds",
                                          "The charge goes to this objcg; the caller now holds a reference."),
    "get_obj_cgroup_from_current.up": ("get_obj_cgroup_from_current: {0} has no objcg (offline): up to {1}",
                                       "An offline memcg's objcg is NULL, so its nearest live ancestor pays."),
    "get_obj_cgroup_from_current.root": ("get_obj_cgroup_from_current: reached the root: NULL",
                                         "The root memcg has no objcg in v5.9: root allocations are not accounted."),
    "obj_cgroup_charge.call": ("obj_cgroup_charge({0}, {1} bytes) on cpu{2}, {3}",
                               "Charge bytes: from the CPU's byte stock if possible, else whole pages."),
    "obj_cgroup_charge.pages": ("obj_cgroup_charge: stock can't serve; css_get({1}); {2} bytes round up to {3} page(s)",
                                "The slow path charges whole pages to the memcg the objcg points at now."),
    "obj_cgroup_charge.charged": ("obj_cgroup_charge: {1} page(s) now charged on behalf of {0}, {2} bytes live",
                                  "Any unused tail of the last page goes to this CPU's byte stock."),
    "obj_cgroup_charge.done": ("obj_cgroup_charge({0}) returns {1}; css_put",
                               "The memcg pin taken for the page charge is dropped."),
    "obj_cgroup_uncharge.call": ("obj_cgroup_uncharge({0}, {1} bytes) on cpu{2}",
                                 "Uncharging only gives bytes back to the current CPU's byte stock."),
    "obj_cgroup_put.put": ("obj_cgroup_put({0}) by {1}: refcnt now {2}",
                           "Objcg references come from the base, CPU stocks, live objects and callers."),
    "obj_cgroup_release.uncharge": ("obj_cgroup_release({0}): nr_charged_bytes {1} = {2} whole page(s) uncharged from {3}",
                                    "A killed objcg with no references hands its leftover whole pages back."),
    "obj_cgroup_release.unlink": ("obj_cgroup_release({0}): list_del from {1}'s objcg_list; css_put({1})",
                                  "The objcg stops pinning the memcg it was reparented to."),
    "kfree_rcu.objcg": ("RCU grace period: kfree(objcg {0})",
                        "Freed only after RCU readers (get_obj_cgroup_from_current) are done."),
    # -- byte stock ---------------------------------------------------------------
    "consume_obj_stock.miss": ("consume_obj_stock({1}, {2}): miss, cpu{0} caches {3} with {4} bytes",
                               "A CPU's byte stock serves only the objcg it caches, and only if it holds enough."),
    "consume_obj_stock.hit": ("consume_obj_stock({1}, {2}): hit, cpu{0} byte stock now {3}",
                              "Fast path: no page counter is touched."),
    "drain_obj_stock.flush": ("drain_obj_stock(cpu{0}): {2} bytes of {1}: {3} page(s) uncharged from {4}, {5} bytes to nr_charged_bytes (now {6})",
                              "Whole pages go back to the objcg's current memcg; the sub-page rest is parked centrally."),
    "refill_obj_stock.switch": ("refill_obj_stock: cpu{0} caches {1}, not {2}: switch",
                                "A CPU's byte stock holds one objcg at a time; switching flushes the old one."),
    "refill_obj_stock.xchg": ("refill_obj_stock: cpu{0} now caches {1}; xchg(nr_charged_bytes, 0) brings {2} bytes",
                              "The central leftover moves into this CPU's stock, so it can serve later charges."),
    "refill_obj_stock.added": ("refill_obj_stock: +{2} bytes for {1}, cpu{0} byte stock now {3}",
                               "Bytes are parked per CPU until they are used or drained."),
    "refill_obj_stock.over_page": ("refill_obj_stock: {1} > PAGE_SIZE ({2}): drain",
                                   "Only strictly more than a page is drained: exactly PAGE_SIZE stays parked."),
    # -- page stock -----------------------------------------------------------------
    "consume_stock.too_big": ("consume_stock(cpu{0}): {1} pages > batch {2}: miss",
                              "Large charges never come from the page stock."),
    "consume_stock.miss": ("consume_stock({1}, {2}): miss, cpu{0} caches {3} with {4} pages",
                           "The page stock serves only its cached memcg."),
    "consume_stock.hit": ("consume_stock({1}, {2}): hit, cpu{0} page stock now {3}",
                          "Pre-charged pages: the page counter is not touched."),
    "drain_stock.drained": ("drain_stock(cpu{0}): {2} page(s) uncharged from {1}; css_put({1})",
                            "The stock gives its pre-charged pages back and unpins its memcg."),
    "refill_stock.added": ("refill_stock({1}, {2}): cpu{0} page stock now {3}",
                           "The unused part of a batch is kept for later charges on this CPU."),
    "refill_stock.over_batch": ("refill_stock: cpu{0} holds {1} > {2} pages: drain",
                                "A page stock never keeps more than one batch."),
    "drain_local_stock.start": ("drain_local_stock(cpu{0}): byte stock {1} {2} B, page stock {3} {4} pg",
                                "Both stocks of the CPU are flushed, byte stock first."),
    "drain_local_stock.done": ("drain_local_stock(cpu{0}): clear FLUSHING_CACHED_CHARGE",
                               "The CPU may be asked to drain again."),
    "drain_all_stock.start": ("drain_all_stock({0}) from cpu{1}",
                              "Flush every CPU whose stocks belong to the subtree."),
    "drain_all_stock.skip": ("drain_all_stock: cpu{0} skipped (page stock {1} {2} pg, byte stock {3})",
                             "A page stock with 0 pages, or stocks of other subtrees, are left alone."),
    "drain_all_stock.local": ("drain_all_stock: cpu{0} is local: drain now (page stock {1}, byte stock {2})",
                              "The current CPU drains synchronously."),
    "drain_all_stock.remote": ("drain_all_stock: schedule_work_on(cpu{0}): its kworker drains it (page stock {1}, byte stock {2})",
                               "Other CPUs drain from their own kworker; with work=auto it runs at once, as on an idle machine."),
    # -- try_charge and friends ---------------------------------------------------------
    "try_charge.root": ("try_charge(/, {0}): the root is never charged",
                        "Root's counter rises only through descendants' charges (objcgs reparented to root uncharge it directly)."),
    "try_charge.charged": ("try_charge: page_counter_try_charge({0}, {1}): ok, usage now {2}",
                           "Charging a batch at once saves counter updates; every ancestor is charged too."),
    "try_charge.refused": ("try_charge: page_counter_try_charge({0}, {1}): refused by {2} (usage {3}, max {4}, failcnt {5})",
                           "The charge would exceed a memory.max on the way up."),
    "try_charge.shrink_batch": ("try_charge: retry with exactly {0} page(s) instead of a batch",
                                "Near the limit the batch shrinks to what is needed."),
    "try_charge.nowait": ("try_charge: {0} may not block: -ENOMEM",
                          "No reclaim, drain or OOM for non-blocking allocations."),
    "try_charge.reclaim": ("try_charge: memory.events max of {0} now {1}; reclaim frees nothing",
                           "Kernel objects are not reclaimable here: there is no page cache in this model."),
    "try_charge.noretry": ("try_charge: __GFP_NORETRY: give up",
                           "NORETRY gives up after the drain_all_stock retry: no further reclaim rounds, no OOM."),
    "try_charge.retry": ("try_charge: retry {0}/{1}",
                         "MAX_RECLAIM_RETRIES attempts before the OOM path."),
    "try_charge.force": ("try_charge: force-charge {1} page(s) to {0} ({2}), usage now {3}",
                         "The charge ignores the limit: usage may exceed max."),
    "try_charge.nomem": ("try_charge({0}, {1}): -ENOMEM",
                         "The charge fails; nothing was charged."),
    "mem_cgroup_oom.skipped": ("mem_cgroup_oom({0}): order {1} > PAGE_ALLOC_COSTLY_ORDER: skipped",
                               "Large charges fail instead of invoking the OOM killer."),
    "mem_cgroup_oom.failed": ("mem_cgroup_oom({0}, order {1}): memory.events oom; no victim frees anything",
                              "The OOM killer frees nothing in this model, so the charge is forced."),
    "memory_max_write.set": ("memory.max of {0} = {1} pages (usage {2})",
                             "v2 stores the new limit at once, even below usage."),
    "memory_max_write.reclaim": ("memory_max_write({0}): {1} reclaim rounds free nothing",
                                 "Kernel objects cannot be reclaimed in this model."),
    "memory_max_write.oom": ("memory_max_write({0}): OOM event, nothing to kill; usage {1} stays above {2}",
                             "The write succeeds even though usage stays over the limit."),
    # -- cgroup v1: the kmem counter, limit files, use_hierarchy --------------------------
    "__memcg_kmem_charge.kmem": ("__memcg_kmem_charge: page_counter_try_charge({0}->kmem, {1}): ok, kmem usage now {2}",
                               "cgroup v1 also charges the kmem counter, exactly: no batch, no stock."),
    "__memcg_kmem_charge.kmem_refused": ("__memcg_kmem_charge: page_counter_try_charge({0}->kmem, {1}): refused by {2} (kmem usage {3}, max {4}, failcnt {5})",
                                       "The kmem limit (memory.kmem.limit_in_bytes) is hit: no reclaim, no retry."),
    "__memcg_kmem_charge.kmem_nofail": ("__memcg_kmem_charge: __GFP_NOFAIL: page_counter_charge({0}->kmem, {1}) anyway, kmem usage now {2}",
                                      "Callers of NOFAIL allocations cannot handle failure, so kmem may exceed its limit."),
    "cancel_charge.uncharge": ("cancel_charge({0}, {1}): memory counter uncharged directly, usage now {2}",
                               "The memory charge is undone on the counter itself, not into the page stock."),
    "mem_cgroup_resize_max.set": ("mem_cgroup_resize_max({0}): page_counter_set_max = {1} pages (usage {2})",
                                  "v1 sets a limit only when usage is not above it."),
    "mem_cgroup_resize_max.busy": ("mem_cgroup_resize_max({0}): usage {2} above {1}: page_counter_set_max refuses",
                                   "First drain the per-CPU page stocks, then reclaim, then give up."),
    "mem_cgroup_resize_max.ebusy": ("mem_cgroup_resize_max({0}): reclaim frees nothing, usage {1} stays above {2}: -EBUSY",
                                    "Unlike v2's memory.max, a v1 limit below usage is refused."),
    "memcg_update_kmem_max.set": ("memcg_update_kmem_max({0}): kmem max = {1} pages (kmem usage {2})",
                                  "The kmem limit is a plain page_counter_set_max."),
    "memcg_update_kmem_max.ebusy": ("memcg_update_kmem_max({0}): kmem usage {1} above {2}: -EBUSY",
                                    "No drain or reclaim for the kmem counter: it has no stock."),
    "mem_cgroup_hierarchy_write.same": ("mem_cgroup_hierarchy_write({0}): use_hierarchy is already {1}",
                                        "Writing the current value always succeeds."),
    "mem_cgroup_hierarchy_write.einval": ("mem_cgroup_hierarchy_write({0}, {1}): parent {2} has use_hierarchy (or not 0/1): -EINVAL",
                                          "Below a hierarchical parent nothing can be changed."),
    "mem_cgroup_hierarchy_write.ebusy": ("mem_cgroup_hierarchy_write({0}): it has children: -EBUSY",
                                         "use_hierarchy changes only while the memcg has no child, dying ones included."),
    "mem_cgroup_hierarchy_write.set": ("mem_cgroup_hierarchy_write({0}): use_hierarchy = {1}",
                                       "Children created from now on link their counters to this memcg's (1) or to none (0)."),
    "mem_cgroup_css_alloc.no_hierarchy": ("mem_cgroup_css_alloc({0}): {1} has use_hierarchy 0: counters with no parent at all; css pins its parent",
                                          "v5.9 v1: charges here reach no ancestor, not even the root (v5.10 links them to the root)."),
    # -- page-charged kmem ----------------------------------------------------------------
    "alloc_pages.call": ("alloc_pages: {0}, order {1} ({2} page(s)) by task {3} on cpu{4}, {5}|__GFP_ACCOUNT",
                         "An accounted page allocation: __memcg_kmem_charge_page after the buddy allocator."),
    "alloc_pages.kmem_off": ("alloc_pages: memcg_kmem_enabled() is false: {0} unaccounted",
                             "No memcg has come kmem-online yet, so the static key is off."),
    "alloc_pages.failed": ("alloc_pages: charge failed: {0}'s {1} page(s) freed, NULL returned ({2})",
                           "A failed page charge fails the allocation (a v5.9 slab object would go unaccounted)."),
    "get_mem_cgroup_from_current.got": ("get_mem_cgroup_from_current: {0} -> {1} ({2}, {3}); css_tryget, refcnt {4}",
                                        "The page path charges the memcg itself, dying or not, and takes a css reference."),
    "__memcg_kmem_charge_page.charged": ("__memcg_kmem_charge_page: page->mem_cgroup = {1}; {0} keeps the css reference ({2} page(s)), refcnt {3}",
                                       "The page pins the memcg until it is freed: no objcg, no reparenting."),
    "__memcg_kmem_charge_page.put": ("__memcg_kmem_charge_page: css_put({0}) (ret {1})",
                                   "Root is never charged; a failed charge gives the reference back."),
    "free_pages.call": ("__free_pages: {0}, order {1} ({2} page(s)), memcg {3}, on cpu{4}",
                        "Freeing an accounted block runs __memcg_kmem_uncharge_page."),
    "free_pages.unaccounted": ("__free_pages: {0} was not charged: nothing to uncharge",
                               "Unaccounted pages leave no trace in any memcg."),
    "__memcg_kmem_uncharge_page.uncharge": ("__memcg_kmem_uncharge_page: {0}: __memcg_kmem_uncharge({1}, {2}), usage now {3}",
                                          "The memcg the page recorded is uncharged, dying or not (its ancestors too)."),
    "__memcg_kmem_uncharge_page.put": ("__memcg_kmem_uncharge_page: page->mem_cgroup = NULL; css_put({1}) for {0}, refcnt {2}",
                                     "The page's pin goes; a dying memcg with no other holder is freed next."),
    # -- lifecycle ------------------------------------------------------------------------
    "cgroup_mkdir.exists": ("cgroup_mkdir({0}): already exists: -EEXIST",
                            "A live cgroup already has this path."),
    "mem_cgroup_alloc.percpu": ("mem_cgroup_alloc: per-CPU allocation {2} of {3}, GFP_KERNEL_ACCOUNT under memalloc_use_memcg: {1} bytes charged to objcg {0}",
                                "pcpu_memcg_pre_alloc_hook charges size x num_possible_cpus() through the parent's objcg, and the allocation keeps a reference to it."),
    "mem_cgroup_alloc.percpu_unaccounted": ("mem_cgroup_alloc: the new memcg's per-CPU data is not charged ({1})",
                                            "v5.8 did not account per-CPU memory; below the root, get_obj_cgroup_from_current finds no objcg."),
    "mem_cgroup_alloc.percpu_failed": ("mem_cgroup_alloc: a per-CPU charge to {0}'s objcg failed: what was allocated is freed, css_alloc fails: -ENOMEM",
                                       "mem_cgroup_css_alloc returns the error; no cgroup is created."),
    "mem_cgroup_free.percpu": ("mem_cgroup_free({0}): free_percpu: {2} bytes uncharged from objcg {1}, its reference put",
                               "pcpu_memcg_free_hook gives the per-CPU data's charge back to the objcg that paid for it."),
    "mem_cgroup_css_alloc.alloc": ("mem_cgroup_css_alloc({0}): counters linked to {1}; css pins its parent",
                                   "A child css holds a reference on its parent until it is freed."),
    "memcg_online_kmem.objcg": ("memcg_online_kmem({0}): kmemcg_id {1}, objcg {0} allocated (refcnt 1) and made active",
                                "Each online memcg gets one active objcg at css_alloc time."),
    "mem_cgroup_css_online.online": ("mem_cgroup_css_online({0}): id.ref = 1, css_get",
                                     "The ID pin keeps the css until offline."),
    "cgroup_rmdir.call": ("cgroup_rmdir({0}) from cpu{1}",
                          "Removing a cgroup: refused if busy, else it goes offline and dies."),
    "cgroup_rmdir.root": ("cgroup_rmdir(/): the root cannot be removed: -EBUSY",
                          "The root cgroup is the mount point."),
    "cgroup_rmdir.populated": ("cgroup_rmdir({0}): {1} task(s) inside: -EBUSY",
                               "cgroup_destroy_locked refuses to remove a populated cgroup, in v2 and v1 alike."),
    "cgroup_rmdir.children": ("cgroup_rmdir({0}): {1} live descendant(s): -EBUSY",
                              "Online children must be removed first; dying ones do not block."),
    "cgroup_destroy_locked.unlinked": ("cgroup_destroy_locked({0}): gone from the filesystem, now dying",
                                       "Ancestors count it in nr_dying_descendants until it is freed."),
    "kill_css.kill": ("kill_css({0}): percpu_ref_kill_and_confirm puts the base reference (refcnt {1}); offline waits for an RCU grace period",
                      "The css lives on while anything references it; it goes offline later, from a workqueue."),
    "mem_cgroup_id_put.put": ("mem_cgroup_id_put({0}): the ID pin is dropped, css refcnt {1}",
                              "Offline is done; only real holders keep the memcg now."),
    "memcg_offline_kmem.id": ("memcg_offline_kmem: kmemcg_id {1} of {0} handed over to the parent as {2}",
                              "list_lru entries move to the parent; the id is freed."),
    "memcg_reparent_objcgs.detach": ("memcg_reparent_objcgs: {0}->objcg = NULL (was {1})",
                                     "New charges can no longer find this memcg's objcg."),
    "memcg_reparent_objcgs.active": ("memcg_reparent_objcgs: objcg {0}->memcg {1} -> {2}; css_get({2}); list_add to {2}'s head",
                                     "The active objcg and every byte charged through it now belong to the parent."),
    "memcg_reparent_objcgs.inherited": ("memcg_reparent_objcgs: inherited objcg {0}->memcg {1} -> {2}; css_get({2}), css_put({1})",
                                        "Objcgs of dead descendants move up too, each keeping one css reference."),
    "memcg_reparent_objcgs.splice": ("memcg_reparent_objcgs: list_splice {0}'s {2} inherited objcg(s) onto {1}'s head",
                                     "Order is now: inherited, the former active, then the parent's own entries."),
    "percpu_ref_kill.objcg": ("percpu_ref_kill(objcg {0}): marked dead, base reference put (refcnt {1}); a zero counts only after an RCU grace period",
                              "A killed objcg is released once its last object and stock let go; a zero can only be seen in atomic mode."),
    "rcu.objcg_kill": ("percpu_ref_switch_to_atomic_rcu: objcg {0} is in atomic mode: its count is summed now",
                       "After the grace period the per-CPU counts are summed, so a count of zero now releases the objcg."),
    "rcu.css_kill": ("percpu_ref_switch_to_atomic_rcu: css {0} is in atomic mode; css_killed_ref_fn queues css_killed_work_fn",
                     "The kill is confirmed: the offline work is queued, and a count of zero from now on releases the css."),
    "css_killed_work_fn.call": ("css_killed_work_fn({0}) on cpu{1}: offline_css under cgroup_mutex",
                                "A kworker takes the killed css offline: the memory controller's css_offline runs."),
    "queue_rcu_work.queued": ("RCU grace period over: queue {0}({1})",
                              "queue_rcu_work: the work waited for a grace period and is now queued."),
    "css_release_work_fn.released": ("css_release_work_fn({0}): refcnt reached 0",
                                     "The memcg is released; it is freed after an RCU grace period."),
    "css_free_rwork_fn.freed": ("css_free_rwork_fn({0}): memcg freed (stale usage {1}); css_put(parent)",
                                "The cgroup's own css goes with it, so ancestors' nr_dying_descendants drop by one."),
    # -- script commands that are not kernel allocations ------------------------------------
    "config.set": ("config: {0} CPUs, PAGE_SIZE {1}, cgroup {2}, kernel {3}, {4} accounting",
                   "The simulated machine: byte accounting charges SIZE, slab accounting obj_full_size = SIZE rounded up to 8 bytes, + 8."),
    "task.new": ("task {0} placed in {1}", "Its css_set pins the memcg while tasks use it."),
    "kthread.new": ("kthread {0} in the root cgroup, no mm", "Kernel threads are not charged by default."),
    "move.moved": ("task {0} moved {1} -> {2}; its charges stay behind",
                   "Memory charges are never moved with a task in v2."),
    "exit.exited": ("task {0} exits (was in {1})", "Its objects stay allocated and charged."),
    "use_memcg.set": ("memalloc_use_memcg: {0}->active_memcg = {1}",
                      "Remote charging: allocations by this task go to that memcg."),
    "hold.get": ("css_get({0}) by an external holder, refcnt {1}",
                 "Like an fsnotify group or a page pinning the memcg."),
    "unhold.put": ("css_put({0}) by an external holder, refcnt {1}", "The external pin goes."),
    "get.get": ("obj_cgroup_get({0}) by an explicit holder, refcnt {1}", "An explicit objcg reference."),
    "write.einval": ("write: -EINVAL: {0}", "The kernel refuses the value; nothing changes."),
    "free.null": ("kfree({0}): NULL, its allocation failed: nothing to free",
                  "kfree(NULL) and __free_pages of nothing are no-ops: the caller got no object."),
    "write.erange": ("write: -ERANGE: {0}", "kstrtoull refuses a number above 2^64 - 1; nothing changes."),
    "drain.local": ("drain_local_stock on cpu{0}", "Flush both stocks of one CPU."),
}


def describe(step: tuple[Any, ...]) -> str:
    """The trail line of a yielded step tuple."""
    template = STEPS[step[0]][0]
    return template.format(*(_show(a) for a in step[1:]))


def explain(step_id: str) -> str:
    """The one-line plain-language reason for a step."""
    return STEPS[step_id][1]


def function_of(step_id: str) -> str:
    return step_id.split(".", 1)[0]


def _show(value: Any) -> Any:
    if value is None:
        return "NULL"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def _merge_slab_steps() -> None:
    from engine.slab_steps import SLAB_STEPS  # the slab allocator and v5.8, in their own module
    from engine.version_steps import VERSION_STEPS  # what releases after v5.9 do instead

    from engine.work_steps import WORK_STEPS

    STEPS.update(SLAB_STEPS)
    STEPS.update(VERSION_STEPS)
    STEPS.update(WORK_STEPS)


_merge_slab_steps()
