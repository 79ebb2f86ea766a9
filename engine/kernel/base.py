"""The context every simulated kernel function runs in, and the `kfunc` decorator."""
from __future__ import annotations

import functools
from typing import Any, Callable, Generator, TypeVar

from engine.model import Record, State

Steps = Generator[tuple[Any, ...], None, Any]
F = TypeVar("F", bound=Callable[..., Steps])

ROOT = "/"


class Kernel:
    """One simulated machine's kernel: its state plus what the current command collects."""

    def __init__(self, state: State) -> None:
        self.st = state
        self.stack: list[str] = []  # the kernel call stack, for the trail's indentation
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.deferred: list[Callable[[Kernel], Steps]] = []  # RCU callbacks, in order
        self.current_cpu = 0  # the CPU running the current command

    # -- configuration, read from the state so that undo covers it ------------
    @property
    def page_size(self) -> int:
        return self.st.sys["page_size"]

    @property
    def batch(self) -> int:
        return self.st.sys["charge_batch"]

    @property
    def nr_cpus(self) -> int:
        return self.st.sys["cpus"]

    def memcg(self, name: str) -> Record:
        return self.st.memcgs[name]

    def objcg(self, name: str) -> Record:
        return self.st.objcgs[name]

    def cpu(self, n: int) -> Record:
        return self.st.cpus[f"cpu{n}"]

    def parent_of(self, name: str) -> str | None:
        return self.st.memcgs[name]["parent"]

    def is_descendant(self, name: str, ancestor: str) -> bool:
        """mem_cgroup_is_descendant(): name is ancestor or lies below it."""
        memcgs = self.st.memcgs
        node: str | None = name
        while node is not None:
            if node == ancestor:
                return True
            node = memcgs[node]["parent"]
        return False

    def ancestry(self, name: str) -> list[str]:
        """name and its ancestors, nearest first, root last."""
        out = []
        node: str | None = name
        while node is not None:
            out.append(node)
            node = self.st.memcgs[node]["parent"]
        return out

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

    def defer(self, callback: Callable[[Kernel], Steps]) -> None:
        """Queue work that runs after an RCU grace period (at the command's end)."""
        self.deferred.append(callback)


def kfunc(fn: F) -> F:
    """Mark a generator as a simulated kernel function: it appears in the call stack."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(k: Kernel, *args: Any) -> Steps:
        k.stack.append(name)
        try:
            return (yield from fn(k, *args))
        finally:
            k.stack.pop()

    return wrapper  # type: ignore[return-value]
