"""A memcg's life: mkdir (css_alloc, memcg_online_kmem, css_online), rmdir (offline,
memcg_reparent_objcgs, drain_all_stock, id put), release and free after RCU."""
from __future__ import annotations

from engine.kernel.base import ROOT, Kernel, Steps, kfunc
from engine.kernel.drain import drain_all_stock
from engine.kernel.locks import lock, lists_lock, unlock
from engine.kernel.objcg import obj_cgroup_alloc, obj_cgroup_uncharge
from engine.kernel.refs import (
    css_get, css_put, drop_base, obj_cgroup_put, obj_cgroup_release, obj_cgroup_tryget,
)
from engine.kernel.slab import charge
from engine.kernel.task_objcg import keep_orig_objcg, put_orig_objcg
from engine.kernel.v58 import cache_ref_switched, memcg_deactivate_kmem_caches
from engine.kernel.work import call_rcu, deferrable, queue_work
from engine.model import Record

EBUSY, ENOMEM = -16, -12


def new_memcg(k: Kernel, name: str, path: str, parent: str | None) -> Record:
    """mem_cgroup_css_alloc(): page counters linked to the parent's when it has
    use_hierarchy (always in v2), else (v1) to no parent at all in v5.9 and to the
    root's from v5.10 (8de15e920dc8); an empty objcg_list."""
    hierarchy = parent is not None and k.memcgs[parent]["use_hierarchy"]
    counter_parent = parent if hierarchy else None
    if parent is not None and not hierarchy and k.has("v1_counters_link_root"):
        counter_parent = ROOT
    return k.st.new("memcgs", name, {
        "kind": "memcg", "name": name, "path": path, "parent": parent,
        "counter_parent": counter_parent, "use_hierarchy": hierarchy,
        "children": (), "state": "allocated",
        "usage": 0, "max": None, "watermark": 0, "failcnt": 0,
        "kmem_usage": 0, "kmem_max": None, "kmem_watermark": 0, "kmem_failcnt": 0,
        "events_max": 0, "events_oom": 0,
        "refcnt": 1 if parent is not None else 0,
        "holders": {"base": 1} if parent is not None else {},
        "objcg": None, "objcg_list": (), "kmemcg_id": -1, "kmem_state": "NONE",
        "kmem_caches": (),  # v5.8: its clone caches, live and dead (engine.kernel.v58)
        "nr_descendants": 0, "nr_dying_descendants": 0, "nr_tasks": 0,
        "killing": False,  # killed, not yet switched to atomic mode (see engine.kernel.refs)
        "percpu": (),  # its per-CPU data's charges: (objcg, bytes), config mkdir_charge
        # audit (not kernel fields): see engine.kernel.audit
        "expected": 0, "inflight": 0, "unbacked": 0,
        "kmem_expected": 0, "kmem_inflight": 0, "kmem_unbacked": 0,
        "clamped": 0, "kmem_clamped": 0,  # v5.13: pages an underflow reset forgot
    })


def alloc_memcg_id(k: Kernel) -> int:
    """mem_cgroup_alloc(): idr_alloc(&mem_cgroup_idr, NULL, 1, ...), the lowest free ID
    from 1 (the root holds 1)."""
    used = k.st.sys["memcg_ids"]
    new = next(n for n in range(1, len(used) + 2) if n not in used)
    k.st.set(k.st.sys, "memcg_ids", used + (new,))
    return new


def free_memcg_id(k: Kernel, memcg_id: int) -> None:
    """mem_cgroup_id_remove(): the ID can be given to a new memcg."""
    used = k.st.sys["memcg_ids"]
    k.st.set(k.st.sys, "memcg_ids", tuple(n for n in used if n != memcg_id))


def memcg_name_for(k: Kernel, path: str) -> str:
    """The first memcg at a path is named by it; later ones are PATH#2, PATH#3..."""
    gens = k.st.tables["gens"]
    n = gens[path]["count"] + 1 if path in gens else 1
    if n == 1:
        k.st.new("gens", path, {"kind": "gen", "count": 1})
    else:
        k.st.set(gens[path], "count", n)
    return path if n == 1 else f"{path}#{n}"


@kfunc
def cgroup_mkdir(k: Kernel, path: str, parent: str) -> Steps:
    """cgroup_mkdir(): css_alloc then css_online for the memory controller."""
    yield from lock(k, "cgroup_mutex")  # cgroup_kn_lock_live()
    st = k.st
    percpu = yield from mem_cgroup_alloc_percpu(k, parent)
    if percpu is None:
        unlock(k, "cgroup_mutex")
        return ENOMEM
    name = memcg_name_for(k, path)
    rec = new_memcg(k, name, path, parent)
    for objcg, _ in percpu:  # the allocation's reference, now known by the new memcg's name
        st.hold(k.objcgs[objcg], "current", -1)
        st.hold(k.objcgs[objcg], f"percpu:{name}", +1)
    st.set(rec, "percpu", tuple(percpu))
    parent_rec = k.memcgs[parent]
    st.set(parent_rec, "children", parent_rec["children"] + (name,))
    css_get(k, parent, f"child:{name}")  # a css pins its parent until css_free
    st.new("paths", path, {"kind": "path", "memcg": name})
    k.add_up(parent, "nr_descendants", 1)
    if rec["use_hierarchy"]:
        yield ("mem_cgroup_css_alloc.alloc", name, parent)
    else:
        # v1: the parent lacks use_hierarchy, so the counters have no parent at all
        # (v5.9), or the root's (v5.10, 8de15e920dc8)
        linked = rec["counter_parent"] is not None
        yield ("mem_cgroup_css_alloc.link_root" if linked else
               "mem_cgroup_css_alloc.no_hierarchy", name, parent)
        if parent != ROOT and not st.sys.get("warned_broken_hierarchy"):
            st.set(st.sys, "warned_broken_hierarchy", True)
            k.notes.append('cgroup: a nested cgroup for controller "memory" which has incomplete '
                           'hierarchy support; "memory" requires setting use_hierarchy to 1 on '
                           'the root (pr_warn, printed once)')
    yield from memcg_online_kmem(k, name)
    css_get(k, name, "online")
    st.set(rec, "state", "online")
    unlock(k, "cgroup_mutex")
    yield ("mem_cgroup_css_online.online", name)
    return 0


@kfunc
def mem_cgroup_alloc_percpu(k: Kernel, parent: str) -> Steps:
    """The per-CPU part of mem_cgroup_alloc() (v5.9 mm/memcontrol.c l.5199-5269), which
    mem_cgroup_css_alloc runs under memalloc_use_memcg(parent) (l.5277-5279): vmstats_local,
    vmstats_percpu, then per NUMA node lruvec_stat_local and lruvec_stat_cpu, each an
    alloc_percpu_gfp(..., GFP_KERNEL_ACCOUNT). pcpu_memcg_pre_alloc_hook (mm/percpu.c
    l.1582-1601) charges each one size x num_possible_cpus() bytes through
    get_obj_cgroup_from_current(), whose walk starts at active_memcg, the parent: nothing
    below the root, else the parent's own objcg (it is online), which each allocation
    keeps a reference to until css_free. `config mkdir_charge` lists those byte counts;
    by default there are none. Returns the charges made, or None when one failed (the
    earlier ones are freed again and mkdir fails with -ENOMEM, as css_alloc does)."""
    sizes = k.st.sys["mkdir_charge"]
    if not sizes:
        return []
    if k.v58 or parent == ROOT:
        why = ("v5.8 does not account per-CPU memory" if k.v58 else
               "memalloc_use_memcg(/): get_obj_cgroup_from_current stops at the root")
        yield ("mem_cgroup_alloc.percpu_unaccounted", parent, why)
        return []
    objcg = k.memcgs[parent]["objcg"]
    done: list[tuple[str, int]] = []
    for index, size in enumerate(sizes, start=1):
        obj_cgroup_tryget(k, objcg, "current")
        yield ("mem_cgroup_alloc.percpu", objcg, size, index, len(sizes))
        if (yield from charge(k)(k, objcg, "GFP_KERNEL", size)):  # v5.13: objcg_pages'
            yield from obj_cgroup_put(k, objcg, "current")
            for held, nbytes in reversed(done):  # __mem_cgroup_free of what was allocated
                yield from obj_cgroup_uncharge(k, held, nbytes)
                yield from obj_cgroup_put(k, held, "current")
            yield ("mem_cgroup_alloc.percpu_failed", parent)
            return None
        done.append((objcg, size))
    return done


@kfunc
def mem_cgroup_free_percpu(k: Kernel, memcg: str) -> Steps:
    """__mem_cgroup_free(): free_percpu of the per-CPU data, in the reverse order of its
    allocation; pcpu_memcg_free_hook (mm/percpu.c l.1624-1641) uncharges each allocation
    from its objcg on the CPU that runs it and drops the allocation's reference."""
    rec = k.memcgs[memcg]
    while rec["percpu"]:
        objcg, size = rec["percpu"][-1]
        k.st.set(rec, "percpu", rec["percpu"][:-1])
        yield ("mem_cgroup_free.percpu", memcg, objcg, size)
        yield from obj_cgroup_uncharge(k, objcg, size)
        yield from obj_cgroup_put(k, objcg, f"percpu:{memcg}")


@kfunc
def memcg_online_kmem(k: Kernel, memcg: str) -> Steps:
    """memcg_online_kmem(): a kmemcg id and the memcg's first (active) objcg."""
    st, sysrec = k.st, k.st.sys
    rec = k.memcgs[memcg]
    free_ids = sysrec["ida_free"]
    if k.has("kmemcg_id_is_memcg_id"):  # v5.18: the memcg's own ID (mem_cgroup_alloc)
        kmemcg_id = alloc_memcg_id(k)
    elif free_ids:
        kmemcg_id = min(free_ids)
        st.set(sysrec, "ida_free", tuple(i for i in free_ids if i != kmemcg_id))
    else:
        kmemcg_id = sysrec["ida_next"]
        st.set(sysrec, "ida_next", kmemcg_id + 1)
    if not k.v58:  # v5.8 has no obj_cgroup
        objcg = obj_cgroup_alloc(k, memcg)
        st.set(objcg, "memcg", memcg)
        st.set(rec, "objcg", memcg)
        if k.has("memcg_pins_orig_objcg"):  # v6.7: memcg->orig_objcg keeps a reference
            keep_orig_objcg(k, memcg)
    st.set(sysrec, "kmem_enabled", True)  # static_branch_enable(&memcg_kmem_enabled_key)
    st.set(rec, "kmemcg_id", kmemcg_id)
    st.set(rec, "kmem_state", "ONLINE")
    yield ("memcg_online_kmem.v58" if k.v58 else "memcg_online_kmem.objcg", memcg, kmemcg_id)


@kfunc
def cgroup_rmdir(k: Kernel, memcg: str) -> Steps:
    """cgroup_rmdir(): refuse a busy cgroup, else unlink it, kill the css and offline it."""
    rec = k.memcgs[memcg]
    yield from lock(k, "cgroup_mutex")  # cgroup_kn_lock_live()
    yield ("cgroup_rmdir.call", memcg, k.current_cpu)
    ret = 0
    if memcg == ROOT:
        yield ("cgroup_rmdir.root",)
        ret = EBUSY
    elif rec["nr_tasks"]:
        yield ("cgroup_rmdir.populated", memcg, rec["nr_tasks"])
        ret = EBUSY
    elif rec["nr_descendants"]:
        yield ("cgroup_rmdir.children", memcg, rec["nr_descendants"])
        ret = EBUSY
    else:
        yield from cgroup_destroy_locked(k, memcg)
    unlock(k, "cgroup_mutex")
    return ret


@kfunc
def cgroup_destroy_locked(k: Kernel, memcg: str) -> Steps:
    """cgroup_destroy_locked(): unlink the cgroup, count it dying in its ancestors, kill_css."""
    st = k.st
    rec = k.memcgs[memcg]
    st.drop("paths", rec["path"])
    st.set(rec, "state", "dying")
    k.add_up(rec["parent"], "nr_descendants", -1, "nr_dying_descendants", 1)
    yield ("cgroup_destroy_locked.unlinked", memcg)
    yield from kill_css(k, memcg)


@kfunc
def kill_css(k: Kernel, memcg: str) -> Steps:
    """kill_css() -> percpu_ref_kill_and_confirm(): the base reference is put at once;
    after an RCU grace period css_killed_ref_fn queues css_killed_work_fn, which takes
    the css offline (v5.9 kernel/cgroup/cgroup.c)."""
    rec = k.memcgs[memcg]
    k.st.set(rec, "killing", True)
    drop_base(k, rec, "percpu_ref_kill_and_confirm")
    call_rcu(k, "percpu_ref_switch_to_atomic_rcu", "css", memcg)
    yield ("kill_css.kill", memcg, rec["refcnt"])


@deferrable("css_killed_work_fn")
@kfunc
def css_killed_work_fn(k: Kernel, memcg: str) -> Steps:
    """css_killed_work_fn() -> offline_css(): the memory controller's css_offline, from
    the cgroup_destroy_wq workqueue, under cgroup_mutex."""
    yield ("css_killed_work_fn.call", memcg, k.current_cpu)
    yield from lock(k, "cgroup_mutex")
    yield from mem_cgroup_css_offline(k, memcg)
    unlock(k, "cgroup_mutex")


@kfunc
def mem_cgroup_css_offline(k: Kernel, memcg: str) -> Steps:
    """mem_cgroup_css_offline(): memcg_offline_kmem, drain_all_stock, mem_cgroup_id_put."""
    yield from memcg_offline_kmem(k, memcg)
    yield from drain_all_stock(k, memcg)
    css_put(k, memcg, "online")  # mem_cgroup_id_put(): the ID pin of css_online
    if k.has("kmemcg_id_is_memcg_id"):
        free_memcg_id(k, k.memcgs[memcg]["kmemcg_id"])  # mem_cgroup_id_remove()
    yield ("mem_cgroup_id_put.put", memcg, k.memcgs[memcg]["refcnt"])


@kfunc
def memcg_offline_kmem(k: Kernel, memcg: str) -> Steps:
    """memcg_offline_kmem(): reparent the objcgs, hand the kmemcg id to the parent."""
    st = k.st
    rec = k.memcgs[memcg]
    if rec["kmem_state"] != "ONLINE":
        return
    st.set(rec, "kmem_state", "ALLOCATED")
    # parent_mem_cgroup() follows the memory counter: NULL without use_hierarchy (v1),
    # and then the objcgs go to the root, whose counters never saw their charges.
    parent = k.parent_mem_cgroup(memcg) or ROOT
    if k.v58:
        yield from memcg_deactivate_kmem_caches(k, memcg, parent)
    else:
        yield from memcg_reparent_objcgs(k, memcg, parent)
    if k.has("kmemcg_id_is_memcg_id"):  # v5.16-5.18: the id is no longer handed over
        yield ("memcg_offline_kmem.lrus", memcg, parent, rec["kmemcg_id"])
        return
    kmemcg_id, parent_id = rec["kmemcg_id"], k.memcgs[parent]["kmemcg_id"]
    for name in _subtree(k, memcg):  # css_for_each_descendant_pre
        child = k.memcgs[name]
        if child["kmemcg_id"] == kmemcg_id:
            st.set(child, "kmemcg_id", parent_id)
        if not rec["use_hierarchy"]:
            break  # v1 without use_hierarchy: only the memcg itself
    st.set(st.sys, "ida_free", st.sys["ida_free"] + (kmemcg_id,))  # memcg_free_cache_id
    yield ("memcg_offline_kmem.id", memcg, kmemcg_id, parent_id)


def _subtree(k: Kernel, memcg: str) -> list[str]:
    """memcg and its descendants still in the css tree (freed ones have left it)."""
    out, todo = [], [memcg]
    while todo:
        name = todo.pop()
        out.append(name)
        todo.extend(c for c in reversed(k.memcgs[name]["children"])
                    if k.memcgs[c]["state"] != "freed")
    return out


@kfunc
def memcg_reparent_objcgs(k: Kernel, memcg: str, parent: str) -> Steps:
    """memcg_reparent_objcgs(): active and inherited objcgs move to the parent's list head."""
    st = k.st
    rec, parent_rec = k.memcgs[memcg], k.memcgs[parent]
    objcg = rec["objcg"]
    st.set(rec, "objcg", None)
    yield ("memcg_reparent_objcgs.detach", memcg, objcg)
    guard = lists_lock(k)  # spin_lock_irq(&css_set_lock)
    yield from lock(k, guard)
    if k.has("objcg_no_memcg_pin"):  # v5.14: pointers swing, no css reference moves
        yield from _reparent_without_pins(k, memcg, parent, objcg, guard)
        yield from _kill_objcg(k, objcg)
        return
    _move_objcg(k, objcg, memcg, parent)
    css_get(k, parent, f"objcg:{objcg}")
    st.set(parent_rec, "objcg_list", (objcg,) + parent_rec["objcg_list"])
    st.set(k.objcgs[objcg], "listed", parent)
    yield ("memcg_reparent_objcgs.active", objcg, memcg, parent)
    inherited = rec["objcg_list"]
    for child_objcg in inherited:
        css_get(k, parent, f"objcg:{child_objcg}")
        _move_objcg(k, child_objcg, memcg, parent)
        css_put(k, memcg, f"objcg:{child_objcg}")
        yield ("memcg_reparent_objcgs.inherited", child_objcg, memcg, parent)
    _splice(k, memcg, parent, inherited)
    unlock(k, guard)
    yield ("memcg_reparent_objcgs.splice", memcg, parent, len(inherited))
    yield from _kill_objcg(k, objcg)


def _splice(k: Kernel, memcg: str, parent: str, moving: tuple[str, ...]) -> None:
    """list_splice() of memcg's objcg_list onto the parent's head. The dying memcg's own
    head is not reinitialised in the kernel (harmless: nothing walks it again); shown
    empty."""
    st, parent_rec = k.st, k.memcgs[parent]
    st.set(parent_rec, "objcg_list", moving + parent_rec["objcg_list"])
    st.set(k.memcgs[memcg], "objcg_list", ())
    for each in moving:
        st.set(k.objcgs[each], "listed", parent)


def _reparent_without_pins(k: Kernel, memcg: str, parent: str, objcg: str,
                           guard: str) -> Steps:
    """memcg_reparent_objcgs() from v5.14 (9838354e16a2; 5.14.2 l.328-347): the active
    objcg joins the memcg's own list head, every objcg on that list gets
    WRITE_ONCE(iter->memcg, parent), and the whole list is spliced onto the parent's head,
    all under the lists' lock. No css_get or css_put: objcgs no longer pin memcgs. (Its
    steps are memcg_reparent_objcgs'.)"""
    st, rec = k.st, k.memcgs[memcg]
    st.set(rec, "objcg_list", (objcg,) + rec["objcg_list"])
    st.set(k.objcgs[objcg], "listed", memcg)
    yield ("memcg_reparent_objcgs.list_add_own", objcg, memcg)
    moving = rec["objcg_list"]
    for each in moving:
        _move_objcg(k, each, memcg, parent)
        yield ("memcg_reparent_objcgs.write_once", each, memcg, parent)
    _splice(k, memcg, parent, moving)
    unlock(k, guard)
    yield ("memcg_reparent_objcgs.splice_all", memcg, parent, len(moving))


def _kill_objcg(k: Kernel, objcg: str) -> Steps:
    """The end of memcg_reparent_objcgs(): percpu_ref_kill of the formerly active objcg;
    the base reference is put now, a zero shows after a grace period."""
    st = k.st
    st.set(k.objcgs[objcg], "state", "killed")
    st.set(k.objcgs[objcg], "killing", True)
    drop_base(k, k.objcgs[objcg], "percpu_ref_kill")
    call_rcu(k, "percpu_ref_switch_to_atomic_rcu", "objcg", objcg)
    yield ("percpu_ref_kill.objcg", objcg, k.objcgs[objcg]["refcnt"])


def _move_objcg(k: Kernel, objcg: str, memcg: str, parent: str) -> None:
    """xchg(&objcg->memcg, parent); its charged pages leave the dying subtree."""
    rec = k.objcgs[objcg]
    k.st.set(rec, "memcg", parent)
    # audit: memcg's counter no longer covers this objcg; its counter parents still do.
    # Without a counter parent (v1, no use_hierarchy) the objcg lands on the root,
    # whose counters never saw its pages: they are "unbacked" there.
    pages = rec["pages"]
    if not pages or not k.books:
        return
    st, dying, target = k.st, k.memcgs[memcg], k.memcgs[parent]
    backed = dying["counter_parent"] is not None
    st.add(dying, "expected", -pages)
    if not backed:
        st.add(target, "unbacked", pages)
    if k.v1:
        st.add(dying, "kmem_expected", -pages)
        if not backed:
            st.add(target, "kmem_unbacked", pages)


@deferrable("percpu_ref_switch_to_atomic_rcu")
@kfunc
def percpu_ref_switch_to_atomic_rcu(k: Kernel, kind: str, name: str) -> Steps:
    """After the grace period of percpu_ref_kill: the per-CPU counts are summed, so a
    count of zero is now seen and releases (the objcg; for a css the confirmation,
    css_killed_ref_fn, first queues the offline work)."""
    if kind == "cache":  # v5.8: a dead clone cache's refcount
        yield from cache_ref_switched(k, name)
        return
    if kind == "objcg":
        rec = k.objcgs[name]
        k.st.set(rec, "killing", False)
        yield ("rcu.objcg_kill", name, rec["refcnt"])
        if rec["refcnt"] == 0:
            yield from obj_cgroup_release(k, name)
        return
    rec = k.memcgs[name]
    k.st.set(rec, "killing", False)
    queue_work(k, k.current_cpu, "css_killed_work_fn", name)  # css_killed_ref_fn
    yield ("rcu.css_kill", name, rec["refcnt"])
    if rec["refcnt"] == 0:  # (never while the ID pin of css_online is held)
        queue_work(k, k.current_cpu, "css_release_work_fn", name)


@deferrable("css_release_work_fn")
@kfunc
def css_release_work_fn(k: Kernel, memcg: str) -> Steps:
    """css_release_work_fn(): the css reached zero; queue_rcu_work frees it after a
    grace period."""
    call_rcu(k, "queue_rcu_work", "css_free_rwork_fn", memcg)
    yield ("css_release_work_fn.released", memcg)


@deferrable("queue_rcu_work")
def rcu_work_rcufn(k: Kernel, fn: str, *args: str) -> Steps:
    """rcu_work_rcufn(): the grace period of queue_rcu_work is over; queue the work."""
    queue_work(k, k.current_cpu, fn, *args)
    yield ("queue_rcu_work.queued", fn, args[0] if args else "")


@deferrable("css_free_rwork_fn")
@kfunc
def css_free_rwork_fn(k: Kernel, memcg: str) -> Steps:
    """css_free_rwork_fn(): mem_cgroup_css_free, then drop the reference on the parent."""
    st = k.st
    rec = k.memcgs[memcg]
    if rec["percpu"]:  # mem_cgroup_css_free -> mem_cgroup_free
        yield from mem_cgroup_free_percpu(k, memcg)
    st.set(rec, "state", "freed")
    # In a memory-only world the cgroup leaves nr_dying_descendants with its memcg.
    k.add_up(rec["parent"], "nr_dying_descendants", -1)
    css_put(k, rec["parent"], f"child:{memcg}")
    yield ("css_free_rwork_fn.freed", memcg, rec["usage"])
    if k.has("memcg_pins_orig_objcg"):  # v6.7: __mem_cgroup_free puts memcg->orig_objcg
        yield from put_orig_objcg(k, memcg)
