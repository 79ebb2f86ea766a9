"""The context every simulated kernel function runs in, and the `kfunc` decorator."""
from __future__ import annotations

from typing import Any, Callable, Generator, TypeVar

from engine.kernel.versions import DEFAULT_KERNEL, changes_in
from engine.model import Record, State

Steps = Generator[tuple[Any, ...], None, Any]
F = TypeVar("F", bound=Callable[..., Steps])

ROOT = "/"
CPU_NAMES = [f"cpu{n}" for n in range(64)]


class Kernel:
    """One simulated machine's kernel: its state plus what the current command collects."""

    def __init__(self, state: State) -> None:
        self.st = state
        self.memcgs = state.memcgs  # name -> memcg record
        self.objcgs = state.objcgs  # name -> objcg record
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.current_cpu = 0  # the CPU running the current command
        # Concurrency (engine.threads): the thread taking the current micro-step (None
        # outside `together`), whether kernel code yields at each shared access there,
        # the locks held (name -> thread) and each thread's RCU read-side sections.
        self.thread: str | None = None
        self.lane: str | None = None  # who takes the step, as the trail shows it ("w1")
        self.origin: int | None = None  # the script line of the command running (work.py)
        self.fine = False
        self.eager = False  # a block's threads run in order: work runs as it would outside
        self.locks: dict[str, str] = {}
        self.irq_depth: dict[str, int] = {}  # engine.kernel.locks.irq_off nesting, per CPU
        self.rcu_protects = True  # grace periods wait for readers (False: "what if not")
        self.rcu_depth: dict[str | None, int] = {}
        self.rcu_section: dict[str | None, int] = {}
        self.books = True  # keep memcg `expected` (engine.kernel.audit) for the I5 checks
        self.page_size = self.batch = self.nr_cpus = 0
        self.v1 = False  # cgroup v1 (`!cgroup_subsys_on_dfl(memory_cgrp_subsys)`)
        self.v58 = False  # `config kernel=5.8` (engine.kernel.v58)
        self.changes: frozenset[str] = frozenset()  # engine.kernel.versions, for has()
        self.show_slab = False  # trail the slab allocator's steps under v5.9 too (compare)
        self.trail_slab = False  # whether slab allocator steps appear in the trail
        self.read_config()

    def read_config(self) -> None:
        """Copy the machine set-up from the state (where undo covers it) for fast reads."""
        sysrec = self.st.sys
        self.page_size = sysrec.get("page_size", 4096)
        self.batch = sysrec.get("charge_batch", 32)
        self.nr_cpus = sysrec.get("cpus", 0)
        self.v1 = sysrec.get("cgroup", "v2") == "v1"
        kernel = sysrec.get("kernel", DEFAULT_KERNEL)
        self.v58 = kernel == "5.8"
        self.changes = changes_in(kernel, sysrec.get("revert", ()))
        # has(change): whether the running release carries a change of
        # engine.kernel.versions. The set's own membership test, bound here: kernel
        # functions ask it on every charge, and a Python method call would double its cost.
        self.has = self.changes.__contains__
        self.trail_slab = self.v58 or self.show_slab

    def cpu(self, n: int) -> Record:
        return self.st.cpus[CPU_NAMES[n]]

    def is_descendant(self, name: str, ancestor: str) -> bool:
        """mem_cgroup_is_descendant(): name is ancestor, or lies below it in the cgroup
        tree and ancestor has use_hierarchy (always set in v2)."""
        memcgs = self.st.memcgs
        if name == ancestor:
            return True
        if not memcgs[ancestor]["use_hierarchy"]:
            return False
        node: str | None = name
        while node is not None:
            if node == ancestor:
                return True
            node = memcgs[node]["parent"]
        return False

    def ancestry(self, name: str) -> list[str]:
        """name and its ancestors, nearest first, root last."""
        memcgs = self.st.memcgs
        out = []
        node: str | None = name
        while node is not None:
            out.append(node)
            node = memcgs[node]["parent"]
        return out

    def add_up(self, name: str | None, key: str, delta: int, key2: str = "",
               delta2: int = 0) -> None:
        """Add delta to `key` (and delta2 to `key2`) of name and each of its ancestors: the
        cgroup core's loops up the tree. The walk is the kernel's own cost, depth per
        mkdir or rmdir; this keeps it one tight loop (no call per level in fast mode)."""
        st = self.st
        memcgs = st.memcgs
        if st.log is None:
            while name is not None:
                rec = memcgs[name]
                rec[key] += delta
                if key2:
                    rec[key2] += delta2
                name = rec["parent"]
            return
        while name is not None:
            rec = memcgs[name]
            st.add(rec, key, delta)
            if key2:
                st.add(rec, key2, delta2)
            name = rec["parent"]

    def counter_chain(self, name: str) -> list[str]:
        """The memcgs whose page counters a charge of name's counter reaches: name, then
        its counter parents (the css parents in v2; none without use_hierarchy in v1)."""
        out = []
        memcgs = self.st.memcgs
        node: str | None = name
        while node is not None:
            out.append(node)
            node = memcgs[node]["counter_parent"]
        return out

    def parent_mem_cgroup(self, name: str) -> str | None:
        """parent_mem_cgroup(): the memcg of the memory counter's parent (v5.9), so NULL
        for the root and for a v1 memcg created without use_hierarchy."""
        return self.st.memcgs[name]["counter_parent"]

    def warn_once(self, site: str, text: str) -> str:
        """Report a WARN_ON_ONCE hit; say whether the kernel would print this one."""
        warned = self.st.sys["warned"]
        if site in warned:
            text += " (WARN_ON_ONCE: already printed once, the kernel stays silent now)"
        else:
            self.st.set(self.st.sys, "warned", warned + (site,))
            text += " (WARN_ON_ONCE: the kernel prints only this first hit)"
        self.warnings.append(text)
        return text

    # -- RCU read-side sections (only threads of a `together` block overlap them) ------
    def rcu_read_lock(self) -> None:
        thread = self.thread
        depth = self.rcu_depth.get(thread, 0)
        if not depth:
            self.rcu_section[thread] = self.rcu_section.get(thread, 0) + 1
        self.rcu_depth[thread] = depth + 1

    def rcu_read_unlock(self) -> None:
        self.rcu_depth[self.thread] -= 1

    def rcu_readers(self) -> frozenset[tuple[str, int]]:
        """The read-side sections open now: a grace period starting now waits for them."""
        if not self.rcu_protects:
            return frozenset()
        return frozenset((t, self.rcu_section[t]) for t, d in self.rcu_depth.items()
                         if d and t is not None)

    def in_rcu_section(self, thread: str, section: int) -> bool:
        return bool(self.rcu_depth.get(thread)) and self.rcu_section.get(thread) == section


# The code objects of simulated kernel functions. The machine reads the call stack of a
# micro-step from the chain of generators that delegate to each other (gi_yieldfrom),
# counting these, so kernel functions need no wrapper (which would cost every step).
KERNEL_CODES: set[Any] = set()


def kfunc(fn: F) -> F:
    """Mark a generator as a simulated kernel function: it appears in the call stack."""
    KERNEL_CODES.add(fn.__code__)
    return fn


def call_stack(work: Any) -> list[str]:
    """Names of the kernel functions active in a suspended generator chain, outermost first."""
    names = []
    gen = work
    while gen is not None:
        code = getattr(gen, "gi_code", None)
        if code in KERNEL_CODES:
            names.append(code.co_name)
        gen = getattr(gen, "gi_yieldfrom", None)
    return names
