"""Draining the per-CPU stocks: drain_local_stock() and drain_all_stock()."""
from __future__ import annotations

from engine.kernel.base import Kernel, Steps, kfunc
from engine.kernel.locks import irq_off, irq_on, trylock, unlock
from engine.kernel.objstock import drain_obj_stock, obj_stock_flush_required, put_returned
from engine.kernel.stock import drain_stock
from engine.kernel.work import deferrable, pending, queue_work, run_item, runs_at_once


@deferrable("drain_local_stock")
@kfunc
def drain_local_stock(k: Kernel, cpu: int) -> Steps:
    """drain_local_stock(): with interrupts off, the byte stock first, then the page
    stock, then clear FLUSHING_CACHED_CHARGE."""
    stock = k.cpu(cpu)
    depth = irq_off(k) if k.fine else 0
    yield ("drain_local_stock.start", cpu, stock["cached_objcg"], stock["nr_bytes"],
           stock["cached"], stock["nr_pages"])
    old = yield from drain_obj_stock(k, cpu)
    yield from drain_stock(k, cpu)
    if stock["flushing"]:
        k.st.set(stock, "flushing", False)
        yield ("drain_local_stock.done", cpu)
    if k.fine:
        irq_on(k, depth)
    if old is not None:  # v5.18: after the stock's lock
        yield from put_returned(k, old, cpu)


@kfunc
def drain_all_stock(k: Kernel, root_memcg: str) -> Steps:
    """drain_all_stock(): flush every online CPU whose page or byte stock belongs to the
    subtree, under percpu_charge_mutex (a caller that finds it taken does nothing) and
    with preemption off (get_cpu) while it looks at the stocks."""
    if not trylock(k, "percpu_charge_mutex"):
        yield ("drain_all_stock.busy", root_memcg, k.current_cpu)
        return
    yield ("drain_all_stock.start", root_memcg, k.current_cpu)
    depth = irq_off(k) if k.fine else 0  # get_cpu(): this CPU's kworker waits; other CPUs go on
    for cpu in range(k.nr_cpus):
        stock = k.cpu(cpu)
        if not stock.get("online", True):
            continue  # for_each_online_cpu
        if k.fine:
            k.rcu_read_lock()
        cached, nr_pages = stock["cached"], stock["nr_pages"]
        if k.fine:
            yield ("drain_all_stock.read", cpu, cached, nr_pages)
        pages = cached is not None and nr_pages > 0 and k.is_descendant(cached, root_memcg)
        objs = yield from obj_stock_flush_required(k, cpu, root_memcg)
        if k.fine:
            k.rcu_read_unlock()
        if not (pages or objs):
            yield ("drain_all_stock.skip", cpu, cached, nr_pages, stock["cached_objcg"])
            continue
        if stock["flushing"]:  # test_and_set_bit(FLUSHING_CACHED_CHARGE) lost
            if k.fine:
                yield ("drain_all_stock.flushing", cpu)
            continue
        k.st.set(stock, "flushing", True)
        if cpu == k.current_cpu:
            yield ("drain_all_stock.local", cpu, pages, objs)
            yield from drain_local_stock(k, cpu)
            continue
        item = queue_work(k, cpu, "drain_local_stock", cpu)  # schedule_work_on()
        yield ("drain_all_stock.remote", cpu, pages, objs)
        if runs_at_once(k, cpu) and item in pending(k):
            yield from run_item(k, item)
    if k.fine:
        irq_on(k, depth)
    unlock(k, "percpu_charge_mutex")
