"""A kernel bug caught in the act: what the simulated kernel would crash or corrupt on.

Kernel functions raise Oops where the real kernel would dereference NULL, bring a
released css back from a count of zero, put a reference nobody took, or touch memory
freed after a grace period. The machine stops the run there, keeps every micro-step up
to it (the explorer can step back from it) and reports it as the kernel would print it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from engine.kernel.base import Kernel

OopsKind = Literal["null-deref", "css-resurrect", "ref-underflow", "use-after-free"]

HEADLINES = {
    "null-deref": "BUG: kernel NULL pointer dereference",
    "css-resurrect": "refcount_t: addition on 0; use-after-free",
    "ref-underflow": "percpu ref underflow: a put of a reference nobody took",
    "use-after-free": "BUG: KASAN: use-after-free",
}


class Oops(Exception):
    """Raised by a kernel function; caught by the machine, never shown as a traceback."""

    def __init__(self, kind: OopsKind, function: str, cpu: int, message: str,
                 thread: str | None = None) -> None:
        super().__init__(message)
        self.kind, self.function, self.cpu, self.message = kind, function, cpu, message
        self.thread = thread
        self.stacks: dict[str, tuple[str, ...]] = {}  # thread -> kernel call stack (set by
        # the machine: every thread's, as a crash dump shows the other CPUs too)

    @classmethod
    def at(cls, k: "Kernel", kind: OopsKind, function: str, message: str) -> "Oops":
        """The oops to raise; outside `together` nothing runs at once, so every path a
        script can take is one the kernel takes safely: a fault there is the
        simulator's own bug, reported as one."""
        if k.thread is None:
            from engine.invariants import InvariantViolation

            return InvariantViolation(f"I6/I9: engine bug, {message}")  # type: ignore[return-value]
        return cls(kind, function, k.current_cpu, message, k.thread)

    def trace(self) -> tuple[str, ...]:
        """The simulated kernel functions the fault went through, outermost first (the
        chain of generators is gone once the exception has left it; its traceback
        keeps it)."""
        from engine.kernel.base import KERNEL_CODES

        names = []
        tb = self.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code in KERNEL_CODES:
                names.append(tb.tb_frame.f_code.co_name)
            tb = tb.tb_next
        return tuple(names)

    def json(self) -> dict[str, Any]:
        return {"kind": self.kind, "function": self.function, "cpu": self.cpu,
                "message": self.message, "thread": self.thread, "trace": list(self.trace())}

    def headline(self) -> str:
        return f"{HEADLINES[self.kind]} in {self.function} on cpu{self.cpu}"
