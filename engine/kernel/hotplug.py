"""CPU hotplug: a CPU going offline hands back what its per-CPU stocks hold.

memcg_hotplug_cpu_dead() runs on a surviving CPU once the dead CPU has stopped (the
CPUHP_MM_MEMCQ_DEAD teardown callback). v5.9 drains the dead CPU's page stock only:
its byte stock keeps its objcg reference and bytes until the CPU comes back, so a
killed objcg cached there is never released and its last page never uncharged. 6.14
(9f01b4954490, "memcg: drain obj stock on cpu hotplug teardown") drains the byte stock
too; its whole pages go back through the surviving CPU (mm/memcontrol.c of 6.14).
"""
from __future__ import annotations

from engine.kernel.base import Kernel, Steps, kfunc
from engine.kernel.objstock import drain_obj_stock, put_returned
from engine.kernel.stock import drain_stock


@kfunc
def memcg_hotplug_cpu_dead(k: Kernel, cpu: int) -> Steps:
    """memcg_hotplug_cpu_dead(cpu), on a surviving CPU (k.current_cpu)."""
    stock = k.cpu(cpu)
    old = None
    if k.has("hotplug_drains_obj_stock"):
        yield ("memcg_hotplug_cpu_dead.obj_stock", cpu, stock["cached_objcg"], stock["nr_bytes"])
        old = yield from drain_obj_stock(k, cpu)
    elif stock["cached_objcg"] is not None:
        yield ("memcg_hotplug_cpu_dead.leak", cpu, stock["cached_objcg"], stock["nr_bytes"])
    yield ("memcg_hotplug_cpu_dead.drain_stock", cpu, stock["cached"], stock["nr_pages"])
    yield from drain_stock(k, cpu)
    if old is not None:  # 6.14 l.1921-1938: obj_cgroup_put(old) last
        yield from put_returned(k, old, cpu)


@kfunc
def cpu_down(k: Kernel, cpu: int) -> Steps:
    """cpu_down(): the CPU stops taking work; then the teardown callbacks run."""
    k.st.set(k.cpu(cpu), "online", False)
    yield ("cpu_down.call", cpu)
    yield from memcg_hotplug_cpu_dead(k, cpu)


@kfunc
def cpu_up(k: Kernel, cpu: int) -> Steps:
    """cpu_up(): the CPU is back, with the per-CPU data it left."""
    k.st.set(k.cpu(cpu), "online", True)
    yield ("cpu_up.call", cpu)
