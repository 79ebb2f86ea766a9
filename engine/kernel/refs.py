"""Reference counts: css_get/css_put on memcgs, obj_cgroup_get/put/tryget and the
objcg's release.

The kernel keeps only a count. The simulator also names each holder ("base", "online",
"stock:cpu0", "obj:X0", ...) so the screen can say who pins what, and so that the
reference invariants (I6, I9 in engine/invariants.py) can be checked holder by holder.
"""
from __future__ import annotations

from engine.kernel import audit
from engine.kernel.base import ROOT, Kernel, Steps, kfunc
from engine.kernel.kmem import memcg_kmem_uncharge


def css_get(k: Kernel, memcg: str, holder: str) -> None:
    """css_get(): a no-op on the root css, which is CSS_NO_REF."""
    if memcg != ROOT:
        k.st.hold(k.memcgs[memcg], holder, +1)


def css_put(k: Kernel, memcg: str, holder: str) -> None:
    """css_put(): the last put after the kill queues css_release_work_fn."""
    if memcg == ROOT:
        return
    rec = k.memcgs[memcg]
    if k.st.hold(rec, holder, -1) == 0 and rec["state"] == "dying":
        from engine.kernel.lifecycle import css_release_work_fn  # lifecycle imports us

        k.defer(lambda k: css_release_work_fn(k, memcg))


def obj_cgroup_get(k: Kernel, objcg: str, holder: str) -> None:
    """obj_cgroup_get(): percpu_ref_get."""
    k.st.hold(k.objcgs[objcg], holder, +1)


def obj_cgroup_tryget(k: Kernel, objcg: str, holder: str) -> bool:
    """obj_cgroup_tryget(): percpu_ref_tryget, which succeeds even after the kill."""
    rec = k.objcgs[objcg]
    if rec["refcnt"] <= 0:
        return False
    k.st.hold(rec, holder, +1)
    return True


@kfunc
def obj_cgroup_put(k: Kernel, objcg: str, holder: str) -> Steps:
    """obj_cgroup_put(): percpu_ref_put; reaching 0 after the kill releases the objcg."""
    rec = k.objcgs[objcg]
    refcnt = k.st.hold(rec, holder, -1)
    yield ("obj_cgroup_put.put", objcg, holder, refcnt)
    if refcnt == 0 and rec["state"] == "killed":
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
    if nr_pages:
        audit.objcg_pages(k, objcg, -nr_pages)
        memcg_kmem_uncharge(k, memcg, nr_pages)
    yield ("obj_cgroup_release.uncharge", objcg, nr_bytes, nr_pages, memcg)
    memcg_rec = k.memcgs[memcg]
    st.set(memcg_rec, "objcg_list", tuple(o for o in memcg_rec["objcg_list"] if o != objcg))
    st.set(rec, "listed", None)
    css_put(k, memcg, f"objcg:{objcg}")
    yield ("obj_cgroup_release.unlink", objcg, memcg)
    k.defer(lambda k: kfree_rcu(k, objcg))


def kfree_rcu(k: Kernel, objcg: str) -> Steps:
    """kfree_rcu() of the objcg, after get_obj_cgroup_from_current can no longer see it."""
    yield ("kfree_rcu.objcg", objcg)
