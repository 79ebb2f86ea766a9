"""The objcg a task caches (v6.7) and the objcg a memcg keeps (v6.7).

Roman Gushchin's series "mm: improve performance of accounted kernel memory allocations"
(v6.7: 1aacbd354313 "add direct objcg pointer to task_struct", e86828e5446d "scoped objcg
protection", 675d6c9b59e3 "make memcg keep a reference to the original objcg"):

- every task keeps a pointer to its objcg, with a reference of its own. It is set lazily:
  a new task and a task moved to another cgroup carry an update flag, and their next
  accounted allocation swaps the old objcg for the current one (current_objcg_update).
  The slab path then charges that objcg without taking a reference of its own.
- a memcg keeps a reference to its first objcg (memcg->orig_objcg) until
  __mem_cgroup_free: the objcg of a removed cgroup cannot be released before the memcg
  itself is freed.

Source: v6.14 mm/memcontrol.c (current_objcg_update l.2492-2541, current_obj_cgroup
l.2543-2584, __memcg_kmem_charge_page l.2665-2681, memcg_online_kmem l.3083-3107,
__mem_cgroup_free l.3477-3489, mem_cgroup_fork/exit l.3866-3892, mem_cgroup_kmem_attach
l.3916-3925).
"""
from __future__ import annotations

from engine.kernel.base import ROOT, Kernel, Steps, kfunc
from engine.kernel.refs import obj_cgroup_get, obj_cgroup_put, obj_cgroup_tryget
from engine.model import Record

ORIG = "orig_objcg"  # the holder name of memcg->orig_objcg's reference


def task_holder(task: str) -> str:
    return f"task:{task}"


@kfunc
def current_obj_cgroup(k: Kernel, task: Record) -> Steps:
    """current_obj_cgroup(): the objcg to charge, without a reference for the caller.
    With active_memcg: the first objcg walking up from it (the memcg's scope pins it).
    Else the task's own objcg, updated first if the task is new or was moved."""
    active = task["active_memcg"]
    if active is not None:
        memcg: str | None = active
        objcg = None
        while memcg is not None and memcg != ROOT:
            objcg = k.memcgs[memcg]["objcg"]
            if objcg is not None:
                break
            memcg = k.parent_mem_cgroup(memcg)
        yield ("current_obj_cgroup.active", task["name"], active, objcg)
        return objcg
    if task["objcg_update"]:
        return (yield from current_objcg_update(k, task))
    yield ("current_obj_cgroup.cached", task["name"], task["objcg"])
    return task["objcg"]


@kfunc
def current_objcg_update(k: Kernel, task: Record) -> Steps:
    """current_objcg_update(): drop the task's old objcg (xchg to NULL, put), then, for a
    task with an mm, walk up from its memcg to the first objcg that tryget accepts; the
    reference is the task's."""
    st, name = k.st, task["name"]
    old = task["objcg"]
    st.set(task, "objcg", None)
    st.set(task, "objcg_update", False)
    yield ("current_objcg_update.drop", name, old)
    if old is not None:
        yield from obj_cgroup_put(k, old, task_holder(name))
    if not task["mm"]:
        yield ("current_objcg_update.no_mm", name)
        return None
    memcg: str | None = task["memcg"]
    objcg = None
    while memcg is not None and memcg != ROOT:  # __get_obj_cgroup_from_memcg()
        candidate = k.memcgs[memcg]["objcg"]
        if candidate is not None and obj_cgroup_tryget(k, candidate, task_holder(name)):
            objcg = candidate
            break
        memcg = k.parent_mem_cgroup(memcg)
    st.set(task, "objcg", objcg)
    yield ("current_objcg_update.new", name, task["memcg"], objcg)
    return objcg


def task_moved(k: Kernel, task: Record) -> None:
    """mem_cgroup_kmem_attach(): the task keeps its objcg (and reference) until its next
    allocation, which updates it."""
    k.st.set(task, "objcg_update", True)


def task_exits(k: Kernel, task: Record) -> Steps:
    """mem_cgroup_exit(): the task's objcg reference goes."""
    objcg = task["objcg"]
    if objcg is not None:
        k.st.set(task, "objcg", None)
        yield from obj_cgroup_put(k, objcg, task_holder(task["name"]))


def keep_orig_objcg(k: Kernel, objcg: str) -> None:
    """memcg_online_kmem(): obj_cgroup_get for memcg->orig_objcg."""
    obj_cgroup_get(k, objcg, ORIG)


def put_orig_objcg(k: Kernel, memcg: str) -> Steps:
    """__mem_cgroup_free(): obj_cgroup_put(memcg->orig_objcg), which may release it."""
    objcg = memcg  # the first objcg of a memcg is named after it
    rec = k.objcgs.get(objcg)
    if rec is not None and rec["holders"].get(ORIG):
        yield from obj_cgroup_put(k, objcg, ORIG)
