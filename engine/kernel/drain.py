"""Draining the per-CPU stocks: drain_local_stock() and drain_all_stock()."""
from __future__ import annotations

from engine.kernel.base import Kernel, Steps, kfunc
from engine.kernel.objstock import drain_obj_stock, obj_stock_flush_required, put_returned
from engine.kernel.stock import drain_stock


@kfunc
def drain_local_stock(k: Kernel, cpu: int) -> Steps:
    """drain_local_stock(): the byte stock first, then the page stock, then clear the flag."""
    stock = k.cpu(cpu)
    caller, k.current_cpu = k.current_cpu, cpu  # the work runs on the CPU it drains
    yield ("drain_local_stock.start", cpu, stock["cached_objcg"], stock["nr_bytes"],
           stock["cached"], stock["nr_pages"])
    old = yield from drain_obj_stock(k, cpu)
    yield from drain_stock(k, cpu)
    if stock["flushing"]:
        k.st.set(stock, "flushing", False)
        yield ("drain_local_stock.done", cpu)
    yield from put_returned(k, old, cpu)  # v5.18: after the stock's lock
    k.current_cpu = caller


@kfunc
def drain_all_stock(k: Kernel, root_memcg: str) -> Steps:
    """drain_all_stock(): flush every CPU whose page or byte stock belongs to the subtree."""
    yield ("drain_all_stock.start", root_memcg, k.current_cpu)
    for cpu in range(k.nr_cpus):
        stock = k.cpu(cpu)
        cached = stock["cached"]
        pages = cached is not None and stock["nr_pages"] > 0 and k.is_descendant(cached, root_memcg)
        objs = obj_stock_flush_required(k, cpu, root_memcg)
        if not (pages or objs):
            yield ("drain_all_stock.skip", cpu, cached, stock["nr_pages"], stock["cached_objcg"])
            continue
        if stock["flushing"]:  # test_and_set_bit(FLUSHING_CACHED_CHARGE) lost
            continue
        k.st.set(stock, "flushing", True)
        if cpu == k.current_cpu:
            yield ("drain_all_stock.local", cpu, pages, objs)
        else:
            # schedule_work_on(): the kernel drains remote CPUs asynchronously; the
            # simulator runs the work at once, which gives the same end state.
            yield ("drain_all_stock.remote", cpu, pages, objs)
        yield from drain_local_stock(k, cpu)
