"""Scenarios the explorer ships: the built-in opening scenario, and a generator of big
ones (for the scale test, the benchmark, and a teacher curious about 10,000 objcgs)."""
from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.session import Session

DEFAULT_NAME = "<built-in scenario>"


def default_text() -> str:
    return resources.files(__package__).joinpath("default.objcg").read_text(encoding="utf-8")


def systemd_text() -> str:
    """A systemd-like tree (system.slice, user.slice/user-1000.slice/session-2.scope...),
    ending in an rmdir: the names a real machine has."""
    return resources.files(__package__).joinpath("systemd.objcg").read_text(encoding="utf-8")


def scale_script(memcgs: int = 1000, objcgs: int = 10000, cpus: int = 8, tops: int = 10) -> str:
    """`memcgs` live cgroups (`tops` top-level ones with children) and `objcgs` objcgs:
    each memcg's own, plus killed ones kept alive by an object after their short-lived
    cgroup was removed, spread over every live memcg's objcg_list."""
    lines = [f"config cpus={cpus}"]
    live: list[str] = []
    per_top = max(0, memcgs // tops - 1)
    for t in range(tops):
        lines.append(f"mkdir T{t}")
        live.append(f"T{t}")
        for c in range(per_top):
            lines.append(f"mkdir T{t}/C{c}")
            live.append(f"T{t}/C{c}")
    for i in range(max(0, objcgs - len(live))):
        gone = f"{live[i % len(live)]}/D{i}"
        lines += [f"mkdir {gone}", f"task w{i} {gone}",
                  f"alloc O{i} {64 + (i % 50) * 8} task=w{i} cpu={i % cpus}",
                  f"exit w{i}", f"rmdir {gone}"]
    return "\n".join(lines) + "\n"



def opening(session: Session) -> int:
    """The built-in scenario opens just before its last rmdir, so the first `n` steps
    into reparenting."""
    for rec in reversed(session.machine.commands):
        if rec.command.name == "rmdir":
            return rec.first
    return session.total
