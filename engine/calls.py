"""A command's trace in the order a reader expects: callers before callees.

Each micro-step is told at the depth of the simulated call stack. A function whose
first line comes from something it calls (memcg_offline_kmem runs
memcg_reparent_objcgs before it says anything itself; refill_stock drains the old
stock before it refills) gets a caller line of its own, before its callees' lines,
naming the arguments it was called with: taken from that function's own line when it
has one in the same call (`refill_stock(/B, 31)`), never from a callee's (which names
the memcg being drained, not the one refilled). Used by the explorer's kernel trail and
by `objcg-lab run`'s text trace.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

from engine.steps import describe, function_of

# kernel functions whose one argument is the memcg: their caller line shows it whole
ONE_ARGUMENT = frozenset({"cgroup_destroy_locked", "kill_css", "css_killed_work_fn",
                          "mem_cgroup_css_offline", "memcg_offline_kmem", "cgroup_mkdir",
                          "cgroup_rmdir"})
# kernel functions whose first argument is a memcg or an objcg (v5.9's signatures): a
# caller line names it, from the function's own line in the same call
MEMCG_FIRST = frozenset({"try_charge", "__memcg_kmem_charge", "refill_stock", "consume_stock",
                         "obj_cgroup_charge", "obj_cgroup_uncharge", "consume_obj_stock",
                         "refill_obj_stock", "drain_all_stock", "memcg_reparent_objcgs",
                         "obj_cgroup_release", "memcg_charge_slab", "memcg_uncharge_slab",
                         "__memcg_kmem_uncharge"})
# a caller that hands its first argument on to this callee unchanged (v5.9:
# __memcg_kmem_charge calls try_charge(memcg, gfp, nr_pages))
PASSES_FIRST = {"__memcg_kmem_charge": "try_charge"}
# the simulator's entry points, by the kernel function they stand for
KERNEL_NAME = {"slab_alloc": "kmem_cache_alloc", "slab_free": "kmem_cache_free"}


class Line(NamedTuple):
    """One line of a trace: a micro-step's own (`step` is its index) or a caller line
    (`step` None, shown from the micro-step `at` on)."""

    step: int | None
    at: int
    depth: int
    text: str


def step_depth(data: tuple[Any, ...], stack: Sequence[str]) -> int:
    """A step's indentation: a step of a function called but not entered is deeper."""
    if not stack:
        return 0
    return len(stack) - (1 if stack[-1] == function_of(data[0]) else 0)


def trace_lines(steps: Sequence[tuple[tuple[Any, ...], Sequence[str]]], first: int = 0,
                end: int | None = None) -> list[Line]:
    """The lines of steps[first:end], each step a (data, stack) pair, caller lines included."""
    end = len(steps) if end is None else end
    out: list[Line] = []
    before: Sequence[str] = ()
    for index in range(first, end):
        data, stack = steps[index]
        same = 0
        while same < min(len(stack), len(before)) and stack[same] == before[same]:
            same += 1
        own = function_of(data[0])
        for depth in range(same, len(stack)):
            if depth == len(stack) - 1 and stack[depth] == own:
                break  # the step's own line names its function
            own_data = _own_step(steps, index, end, stack, depth)
            if own_data is None and depth + 1 < len(stack) and PASSES_FIRST.get(stack[depth]) == stack[depth + 1]:
                own_data = _own_step(steps, index, end, stack, depth + 1)
            line = call_line(stack[depth], data, own_data)
            out.append(Line(None, index, depth, line))
        out.append(Line(index, index, step_depth(data, stack), describe(data)))
        before = stack
    return out


def _own_step(steps: Sequence[tuple[tuple[Any, ...], Sequence[str]]], index: int, end: int,
              stack: Sequence[str], depth: int) -> tuple[Any, ...] | None:
    """The data of the first line stack[depth] says itself in this call of it: the
    steps from `index` on that keep the same callers down to it."""
    prefix = tuple(stack[:depth + 1])
    for j in range(index, end):
        data, other = steps[j]
        if tuple(other[:depth + 1]) != prefix:
            return None  # that call has returned
        if len(other) == depth + 1 and function_of(data[0]) == stack[depth]:
            return data
    return None


def call_line(function: str, data: tuple[Any, ...], own: tuple[Any, ...] | None = None) -> str:
    """'refill_stock(/B, 31)': the caller with the arguments it was called with, as far
    as they are known: from its own line (`own`) when it shows the call, or names the
    memcg a function taking one first works on; else the memcg a one-argument function
    of the offline path works on (its callees' subject); else `…`."""
    name = KERNEL_NAME.get(function, function)
    if own is not None:
        said = _call_in(describe(own), function)
        if said is not None:
            return name + said[len(function):]
        subject = _subject(own)
        if subject is not None and function in ONE_ARGUMENT:
            return f"{name}({subject})"
        if subject is not None and function in MEMCG_FIRST:
            return f"{name}({subject}, …)"
    if function == "percpu_ref_switch_to_atomic_rcu":  # an RCU callback: its argument is the rcu_head
        subject = _subject(data)
        return f"{name}(rcu of {subject})" if subject else f"{name}(…)"
    if function in ONE_ARGUMENT:
        subject = _subject(data)
        if subject is not None:
            return f"{name}({subject})"
    return f"{name}(…)"


def _subject(data: tuple[Any, ...]) -> str | None:
    return next((a for a in data[1:] if isinstance(a, str) and a.startswith("/")), None)


def _call_in(text: str, function: str) -> str | None:
    """'refill_stock(/B, 31)' at the start of a step's line ('≈ ' aside), or None."""
    text = text.removeprefix("≈ ")
    if not text.startswith(function + "("):
        return None
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[:i + 1]
    return None
