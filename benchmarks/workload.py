"""Deterministic generated workloads for the engine benchmarks (seeded, no wall clock)."""
from __future__ import annotations

import random


def alloc_free_workload(commands: int = 100_000, cgroups: int = 50, cpus: int = 4,
                        seed: int = 59) -> list[str]:
    """alloc/free over `cgroups` cgroups and `cpus` CPUs, with an rmdir/mkdir now and then.

    Each cgroup has one task. About 1 command in 500 moves a task out, removes its
    cgroup while its objects live on, and creates the cgroup again.
    """
    rng = random.Random(seed)
    lines = [f"config cpus={cpus}"]
    for i in range(cgroups):
        lines += [f"mkdir G{i}", f"task t{i} G{i}"]
    live: list[str] = []
    sizes = [8, 32, 64, 92, 128, 192, 256, 512, 700, 1024, 2048, 4000, 4096, 6000]
    serial = 0
    while len(lines) < commands:
        roll = rng.random()
        if roll < 0.002:
            g = rng.randrange(cgroups)
            lines += [f"move t{g} /", f"rmdir G{g}", f"mkdir G{g}", f"move t{g} G{g}"]
        elif roll < 0.52 or not live:
            name = f"X{serial}"
            serial += 1
            live.append(name)
            lines.append(f"alloc {name} {rng.choice(sizes)} task=t{rng.randrange(cgroups)} "
                         f"cpu={rng.randrange(cpus)}")
        else:
            name = live.pop(rng.randrange(len(live)))
            lines.append(f"free {name} cpu={rng.randrange(cpus)}")
    return lines[:commands]


def dead_cgroups_workload(cgroups: int = 10_000) -> list[str]:
    """test_kmem_dead_cgroups at scale: create, charge and remove cgroups; objects stay."""
    lines = ["config cpus=2", "task keeper /"]
    for i in range(cgroups):
        lines += [f"mkdir D{i}", f"move keeper D{i}", f"alloc O{i} 100 task=keeper cpu={i % 2}",
                  "move keeper /", f"rmdir D{i}"]
    return lines



def nested_workload(depth: int = 2_000, objects: int = 10) -> list[str]:
    """One chain of `depth` nested cgroups A/A/...: mkdir every level, a task at the
    bottom allocates and frees `objects` objects on both CPUs, then every level is
    removed, deepest first."""
    lines = ["config cpus=2", "task t /"]
    path = ""
    for _ in range(depth):
        path += "/A"
        lines.append(f"mkdir {path}")
    lines.append(f"move t {path}")
    lines += [f"alloc O{i} {100 + i} task=t cpu={i % 2}" for i in range(objects)]
    lines += [f"free O{i} cpu={(i + 1) % 2}" for i in range(objects)]
    lines.append("move t /")
    for _ in range(depth):
        lines.append(f"rmdir {path}")
        path = path[:-2]
    return lines
