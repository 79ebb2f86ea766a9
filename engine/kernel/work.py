"""Deferred work: what the kernel queues to run later, kept in the state.

Two kinds, as in the kernel:
- "work": a work item on a CPU's workqueue, run by that CPU's kworker (`schedule_work_on`,
  `queue_work`): a remote stock drain, the cgroup core's css_killed / css_release work,
  v5.8's clone-cache creation.
- "rcu": a callback that runs once an RCU grace period has ended (`call_rcu`,
  `kfree_rcu`, the first half of `queue_rcu_work`): the switch of a killed percpu_ref to
  atomic mode, the kfree of a released objcg, the free of a memcg.

An RCU callback may run only when every reader that was inside an RCU read-side section
when it was queued has left that section: `waits` names those sections.

The queue is a tuple in `sys["work"]` (so undo and checkpoints cover it); each entry is
(seq, kind, cpu, fn, args, waits, origin): origin is the script line whose command
queued it (so a `together` block can report what a kworker printed with that line). `fn` names a registered generator, never a Python
object, so a queued item is plain data a recording or the JSON state can show.
"""
from __future__ import annotations

from typing import Any, Callable

from engine.kernel.base import Kernel, Steps

WORK_FNS: dict[str, Callable[..., Steps]] = {}
WorkItem = tuple[int, str, int, str, tuple[Any, ...], frozenset[tuple[str, int]], int | None]


def deferrable(name: str) -> Callable[[Callable[..., Steps]], Callable[..., Steps]]:
    """Register a kernel function that queued work may name."""
    def register(fn: Callable[..., Steps]) -> Callable[..., Steps]:
        WORK_FNS[name] = fn
        return fn
    return register


def _queue(k: Kernel, kind: str, cpu: int, fn: str, args: tuple[Any, ...],
           waits: frozenset[tuple[str, int]]) -> WorkItem:
    sysrec = k.st.sys
    seq = sysrec.get("work_seq", 0)
    item: WorkItem = (seq, kind, cpu, fn, args, waits, k.origin)
    k.st.set(sysrec, "work_seq", seq + 1)
    k.st.set(sysrec, "work", sysrec["work"] + (item,))
    return item


def queue_work(k: Kernel, cpu: int, fn: str, *args: Any) -> WorkItem:
    """queue_work_on() / schedule_work_on(): fn runs later on cpu's kworker."""
    return _queue(k, "work", cpu, fn, args, frozenset())


def call_rcu(k: Kernel, fn: str, *args: Any) -> WorkItem:
    """call_rcu(): fn runs after a grace period, on the CPU that queued it."""
    return _queue(k, "rcu", k.current_cpu, fn, args, k.rcu_readers())


def pending(k: Kernel) -> tuple[WorkItem, ...]:
    return k.st.sys["work"]


def ready(k: Kernel, item: WorkItem) -> bool:
    """Work is always ready; an RCU callback once its grace period can end."""
    return item[1] == "work" or not any(k.in_rcu_section(thread, section)
                                         for thread, section in item[5])


def run_item(k: Kernel, item: WorkItem) -> Steps:
    """A kworker (or, for an RCU callback, the softirq of the CPU that queued it) takes
    the item off the queue and runs it on its CPU."""
    st = k.st
    st.set(st.sys, "work", tuple(i for i in st.sys["work"] if i[0] != item[0]))
    saved = k.current_cpu, k.lane, k.origin
    k.current_cpu, k.origin = item[2], item[6]
    if k.thread is None or k.eager:  # run by the thread that queued it: the trail still
        k.lane = f"w{item[2]}"        # shows whose work it is
    try:
        return (yield from WORK_FNS[item[3]](k, *item[4]))
    finally:
        k.current_cpu, k.lane, k.origin = saved


def runs_at_once(k: Kernel, cpu: int) -> bool:
    """`config work=auto` outside a `together` block, or in a block's threads running
    in order: a remote CPU's kworker takes work as soon as it is queued (an idle
    machine), so a drain is done before drain_all_stock goes on; everything else waits
    for the command's end."""
    if k.st.sys.get("work_mode", "auto") != "auto" or not (k.thread is None or k.eager):
        return False
    # not while a thread of that CPU has interrupts off: its kworker waits for it
    return k.locks.get(f"cpu{cpu}") in (None, k.thread)


def describe_item(item: WorkItem) -> dict[str, Any]:
    """An item as the JSON state shows it."""
    return {"cpu": item[2], "kind": item[1], "fn": item[3], "args": list(item[4])}
