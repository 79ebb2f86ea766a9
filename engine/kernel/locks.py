"""Locks, and sections that keep other threads of the same CPU out.

Only threads of a `together` block ever contend (engine.threads); outside one nothing
waits and these cost a dict lookup. A thread that finds a lock held yields WAIT, which
is not a micro-step: nothing changed, and the scheduler lets another thread run.

A section with interrupts or preemption off (local_irq_save, get_cpu) keeps out only
the other threads of the same CPU (its kworker), never another CPU: it is the lock
"cpuN", which the scheduler checks before letting a thread of CPU N take a step.
"""
from __future__ import annotations

from engine.kernel.base import Kernel, Steps

# A thread that must wait for a lock yields ("wait", LOCK): not a micro-step.


def lock(k: Kernel, name: str) -> Steps:
    """spin_lock() / mutex_lock(): wait while another thread holds it. Call it only at a
    micro-step boundary (after a yield), so a waiting thread has changed nothing."""
    while True:
        holder = k.locks.get(name)
        if holder is None or holder == k.thread:
            break
        yield ("wait", name)
    k.locks[name] = k.thread  # type: ignore[assignment]


def trylock(k: Kernel, name: str) -> bool:
    """mutex_trylock(): take it if free, never wait."""
    holder = k.locks.get(name)
    if holder is not None and holder != k.thread:
        return False
    k.locks[name] = k.thread  # type: ignore[assignment]
    return True


def unlock(k: Kernel, name: str) -> None:
    k.locks.pop(name, None)


def cpu_lock(cpu: int) -> str:
    return f"cpu{cpu}"


def irq_off(k: Kernel) -> int:
    """local_irq_save() / get_cpu(): no other thread of this CPU runs until irq_on.
    Nests; returns the depth to hand back to irq_on. Only a `together` block has other
    threads to keep out."""
    if not k.fine:
        return 0
    name = cpu_lock(k.current_cpu)
    depth = k.irq_depth.get(name, 0)
    k.irq_depth[name] = depth + 1
    k.locks[name] = k.thread  # type: ignore[assignment]
    return depth


def irq_on(k: Kernel, depth: int) -> None:
    if not k.fine:
        return
    name = cpu_lock(k.current_cpu)
    k.irq_depth[name] = depth
    if not depth:
        k.locks.pop(name, None)


def lists_lock(k: Kernel) -> str:
    """The lock guarding objcg lists: css_set_lock in v5.9, objcg_lock from 5.17."""
    return "objcg_lock" if k.has("objcg_lock") else "css_set_lock"
