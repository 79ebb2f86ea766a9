"""Reference counts: css_get/css_put on memcgs, obj_cgroup_get/put/tryget and the
objcg's release.

The kernel keeps only a count. The simulator also names each holder ("base", "online",
"stock:cpu0", "obj:X0", ...) so the screen can say who pins what, and so that the
reference invariants (I6, I9 in engine/invariants.py) can be checked holder by holder.
"""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import ROOT, Kernel, Steps, kfunc
from engine.kernel.kmem import __memcg_kmem_uncharge, hand_over, memcg_kmem_uncharge
from engine.kernel.oops import Oops
from engine.kernel.work import call_rcu, deferrable, queue_work

# Reference counts are percpu_refs (a css's, an objcg's). Until percpu_ref_kill() the
# count lives in per-CPU counters and is never tested for zero. The kill puts the base
# reference at once, but the per-CPU counts are summed into the atomic count only after
# an RCU grace period (percpu_ref_switch_to_atomic_rcu): until then the record is
# `killing`, a tryget still succeeds and a count of zero releases nothing.


def _freed(rec: dict, function: str, k: Kernel) -> Oops:
    """Touching freed memory is a kernel bug: the run stops with an oops."""
    return Oops.at(k, "use-after-free", function,
                   f"{rec['kind']} {rec['name']} was freed after an RCU grace period")


def css_get(k: Kernel, memcg: str, holder: str) -> None:
    """css_get(): a no-op on the root css, which is CSS_NO_REF. A get on a css whose
    count has reached zero in atomic mode brings a released memcg back to life."""
    if memcg == ROOT:
        return
    rec = k.memcgs[memcg]
    if rec["state"] == "freed":
        raise _freed(rec, "css_get", k)
    if rec["refcnt"] == 0 and rec["state"] == "dying" and not rec["killing"]:
        raise Oops.at(k, "css-resurrect", "css_get",
                      f"css_get({memcg}): its count had reached 0 and css_release_work_fn "
                      "is on its way to freeing it; the count comes back from 0 to 1")
    k.st.hold(rec, holder, +1)


def css_tryget(k: Kernel, memcg: str, holder: str) -> bool:
    """css_tryget(): percpu_ref_tryget: fails only on a count of zero in atomic mode."""
    if memcg == ROOT:
        return True
    rec = k.memcgs[memcg]
    if rec["state"] == "freed":
        raise _freed(rec, "css_tryget", k)
    if rec["refcnt"] <= 0 and not rec["killing"]:
        return False
    k.st.hold(rec, holder, +1)
    return True


def css_put(k: Kernel, memcg: str, holder: str) -> None:
    """css_put(): the last put, once the count is atomic after the kill, queues
    css_release_work_fn (css_release, the percpu_ref's release callback)."""
    if memcg == ROOT:
        return
    rec = k.memcgs[memcg]
    if rec["state"] == "freed":
        raise _freed(rec, "css_put", k)
    if rec["holders"].get(holder, 0) <= 0:
        raise _untaken(k, rec, holder, "css_put")
    if k.st.hold(rec, holder, -1) == 0 and rec["state"] == "dying" and not rec["killing"]:
        queue_work(k, k.current_cpu, "css_release_work_fn", memcg)


def _untaken(k: Kernel, rec: dict, holder: str, function: str) -> Oops:
    """A put must drop a reference someone took: the simulator knows each holder."""
    return Oops.at(k, "ref-underflow", function,
                   f"{function}({rec['name']}) by {holder}, which holds no reference: "
                   f"the count {rec['refcnt']} drops below what its holders took")


def drop_base(k: Kernel, rec: dict, function: str) -> None:
    """percpu_ref_kill(): put the base reference. The count is still per-CPU (the record
    is `killing`), so whatever it reads it releases nothing yet."""
    if rec["holders"].get("base", 0) <= 0:
        raise _untaken(k, rec, "base", function)
    k.st.hold(rec, "base", -1)


def obj_cgroup_get(k: Kernel, objcg: str, holder: str) -> None:
    """obj_cgroup_get(): percpu_ref_get."""
    rec = k.objcgs[objcg]
    if rec["kfreed"]:
        raise _freed(rec, "obj_cgroup_get", k)
    k.st.hold(rec, holder, +1)


def obj_cgroup_tryget(k: Kernel, objcg: str, holder: str) -> bool:
    """obj_cgroup_tryget(): percpu_ref_tryget, which succeeds even after the kill until
    the count, summed after a grace period, is zero."""
    rec = k.objcgs[objcg]
    if rec["kfreed"]:
        raise _freed(rec, "obj_cgroup_tryget", k)
    if rec["refcnt"] <= 0 and not rec["killing"]:
        return False
    k.st.hold(rec, holder, +1)
    return True


@kfunc
def obj_cgroup_put(k: Kernel, objcg: str, holder: str) -> Steps:
    """obj_cgroup_put(): percpu_ref_put; reaching 0 in atomic mode releases the objcg."""
    rec = k.objcgs[objcg]
    if rec["kfreed"]:
        raise _freed(rec, "obj_cgroup_put", k)
    if rec["holders"].get(holder, 0) <= 0:
        raise _untaken(k, rec, holder, "obj_cgroup_put")
    refcnt = k.st.hold(rec, holder, -1)
    yield ("obj_cgroup_put.put", objcg, holder, refcnt)
    if refcnt == 0 and rec["state"] == "killed" and not rec["killing"]:
        yield from obj_cgroup_release(k, objcg)


@kfunc
def obj_cgroup_release(k: Kernel, objcg: str) -> Steps:
    """obj_cgroup_release(): uncharge the whole pages left in nr_charged_bytes, unlink."""
    st, rec, ps = k.st, k.objcgs[objcg], k.page_size
    nr_bytes = rec["nr_charged_bytes"]
    if nr_bytes % ps:
        off = rec["pages"] - nr_bytes // ps  # pages charged for it that release won't return
        effect = (f"{off} page(s) stay charged to {rec['memcg']} for ever" if off >= 0 else
                  f"{rec['memcg']} is uncharged {-off} page(s) more than was charged for it")
        k.warn_once(
            "obj_cgroup_release",
            f"WARNING in obj_cgroup_release: objcg {objcg} nr_charged_bytes {nr_bytes} "
            f"is not a multiple of PAGE_SIZE; {effect}",
        )
    nr_pages = nr_bytes // ps
    memcg = rec["memcg"]
    st.set(rec, "state", "released")  # the release callback is running
    if nr_pages and k.has("uncharge_through_page_stock"):
        # v5.11 (3de7d4f25a74): __memcg_kmem_uncharge puts the pages in the page stock
        audit.objcg_pages(k, objcg, -nr_pages)
        hand_over(k, memcg, nr_pages)
        if k.has("kmem_pages_through_objcg"):  # v5.13 (f1286fae5406)
            from engine.kernel.objcg_pages import obj_cgroup_uncharge_pages  # it imports us

            yield ("obj_cgroup_release.pages_objcg", objcg, nr_bytes, nr_pages)
            yield from obj_cgroup_uncharge_pages(k, objcg, nr_pages)
        else:
            yield ("obj_cgroup_release.pages", objcg, nr_bytes, nr_pages, memcg)
            yield from __memcg_kmem_uncharge(k, memcg, nr_pages)
    else:
        if nr_pages:
            audit.objcg_pages(k, objcg, -nr_pages)
            memcg_kmem_uncharge(k, memcg, nr_pages)
        yield ("obj_cgroup_release.uncharge", objcg, nr_bytes, nr_pages, memcg)
    memcg_rec = k.memcgs[memcg]
    st.set(memcg_rec, "objcg_list", tuple(o for o in memcg_rec["objcg_list"] if o != objcg))
    st.set(rec, "listed", None)
    if k.has("objcg_no_memcg_pin"):  # v5.14 (9838354e16a2): no css reference to drop
        call_rcu(k, "kfree", objcg)  # kfree_rcu(objcg, rcu)
        yield ("obj_cgroup_release.unlink_nopin", objcg, memcg)
        return
    css_put(k, memcg, f"objcg:{objcg}")
    call_rcu(k, "kfree", objcg)  # kfree_rcu(objcg, rcu)
    yield ("obj_cgroup_release.unlink", objcg, memcg)


@deferrable("kfree")
def kfree_rcu(k: Kernel, objcg: str) -> Steps:
    """kfree_rcu() of the objcg, after get_obj_cgroup_from_current can no longer see it."""
    k.st.set(k.objcgs[objcg], "kfreed", True)
    yield ("kfree_rcu.objcg", objcg)
